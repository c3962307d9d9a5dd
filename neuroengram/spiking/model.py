"""Current-based leaky integrate-and-fire circuits in Brian2, with Dale's law.

Every circuit of this package (the recurrent E/I network, the XOR and winner-take-all motifs, batched trial
copies of the motifs) is one :class:`brian2.NeuronGroup` of LIF cells plus one excitatory and one inhibitory
:class:`brian2.Synapses` object, built by :func:`build_circuit` from plain arrays.

Neuron model (voltages and synaptic "currents" in volt, i.e. current times membrane resistance)::

    tau_m dv/dt   = E_L - v + I_e - I_i + I_ext          (clamped at V_reset for `ref` after a spike)
    tau_e dI_e/dt = -I_e
    tau_i dI_i/dt = -I_i
    v > V_th  ->  v = V_reset

A spike of an excitatory presynaptic cell adds ``w`` (>= 0, volt) to ``I_e`` of its target after the synapse's
delay, a spike of an inhibitory cell adds ``w`` to ``I_i``; the sign of a connection is therefore fixed by the
type of the presynaptic cell (Dale's law). External input is Poisson: every time step each cell receives
``poisson(rate_ext dt)`` excitatory kicks of size ``J_ext`` into ``I_e`` (a merged train of independent
afferents; the C++ targets draw nothing where ``rate_ext`` = 0). Optional background noise is zero-mean noise
on the membrane with the variance of ``rate_noise`` depolarising plus ``rate_noise`` hyperpolarising Poisson kicks
of ``J_noise`` per second (diffusion approximation), independent of the synaptic time constants::

    v += J_noise sqrt(24 rate_noise dt) (rand() - 1/2)      every step, not while refractory

i.e. a uniform increment with the variance ``2 rate_noise dt J_noise^2`` of the two kick trains. The membrane
sums >= 20 such steps per time constant (tau_m >= 2 ms at dt = 0.1 ms), so its noise is Gaussian in the
diffusion limit as with a Gaussian ``randn()`` step, while a uniform draw costs a fraction of a Gaussian one (on
cpp_standalone the melody network's noise went from ~1.3 s to ~0.2 s per run: ``benchmarks/spiking_standalone.py``).
``tau_m``, ``tau_e`` (the excitatory synaptic decay of the postsynaptic cell), ``ref``, ``I_ext``, ``rate_ext``,
``rate_noise`` and the integer ``trial`` index are per cell, so many copies of a small circuit with different
parameters run as one group (Stimberg, Brette & Goodman 2019, eLife 8:e47314, recommend the same for parameter
exploration).

Integration is forward Euler (``method='euler'``): the closed form divides by ``tau_m - tau_e`` and needs sympy
at every build.

Targets: ``numpy`` (default, no compiler) and ``cython`` generate code per object at run time;
``cpp_standalone`` compiles the whole simulation into one C++ program (:class:`StandaloneProject`): built once,
then re-run with new values of state variables (``run_args``: synaptic weights, per-cell rates, the noise seed
``noise_seed``) without recompiling (Brian2 >= 2.6; Stimberg, Brette & Goodman 2019).
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from brian2 import (
    Network,
    NeuronGroup,
    SpikeMonitor,
    Synapses,
    defaultclock,
    get_device,
    ms,
    mV,
    prefs,
    second,
    set_device,
)
from brian2.devices.device import reset_device

from neuroengram.errors import ConfigError, StageError

LIF_EQUATIONS = """
dv/dt = (E_L - v + I_e - I_i + I_ext) / tau_m : volt (unless refractory)
dI_e/dt = -I_e / tau_e : volt
dI_i/dt = -I_i / tau_i : volt
tau_m : second (constant)
tau_e : second (constant)
ref : second (constant)
I_ext : volt
rate_ext : Hz
rate_noise : Hz
trial : integer (constant)
noise_seed : integer (shared, constant)
"""

EXC_DRIVE = "I_e += J_ext * poisson(rate_ext * dt)"
NOISE = "v += J_noise * sqrt(24 * rate_noise * dt) * (rand() - 0.5) * int(not_refractory)"

TARGETS = ("numpy", "cython", "cpp_standalone")
RUNTIME_TARGETS = ("numpy", "cython")


@dataclass(frozen=True)
class CellConstants:
    """Constants shared by all cells of a circuit (mV and ms); ``tau_e_ms`` is the default per-cell ``tau_e``."""

    E_L_mv: float = -65.0
    V_th_mv: float = -50.0
    V_reset_mv: float = -65.0
    tau_e_ms: float = 5.0
    tau_i_ms: float = 5.0
    J_ext_mv: float = 1.0
    J_noise_mv: float = 1.0

    def namespace(self) -> dict[str, object]:
        """The Brian2 namespace: each shared constant with its unit (``E_L``, ``V_th``, ..., ``J_noise``)."""
        unit = {"mv": mV, "ms": ms}
        return {
            key.rsplit("_", 1)[0]: getattr(self, key) * unit[key.rsplit("_", 1)[1]]
            for key in self.__dataclass_fields__
            if key != "tau_e_ms"
        }


@dataclass
class Circuit:
    """A built circuit: the Brian2 objects, ready to ``network.run``.

    Attributes
    ----------
    network:
        The :class:`brian2.Network` holding every object below.
    cells:
        The NeuronGroup (``n_cells`` LIF neurons).
    exc_syn, inh_syn:
        Synapses from excitatory / inhibitory cells (``w`` in volt, >= 0; the sign is the presynaptic type).
    spikes:
        SpikeMonitor of all cells.
    is_excitatory:
        bool (n_cells,), the type of every cell.
    """

    network: Network
    cells: NeuronGroup
    exc_syn: Synapses
    inh_syn: Synapses
    spikes: SpikeMonitor
    is_excitatory: np.ndarray
    extra: dict[str, object] = field(default_factory=dict)

    def signed_weights(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(pre, post, weight)`` of all synapses; weight in mV, negative for inhibitory presynaptic cells."""
        pre = np.concatenate([np.asarray(self.exc_syn.i[:]), np.asarray(self.inh_syn.i[:])]).astype(np.int64)
        post = np.concatenate([np.asarray(self.exc_syn.j[:]), np.asarray(self.inh_syn.j[:])]).astype(np.int64)
        weight = np.concatenate([self.exc_syn.w[:] / mV, -self.inh_syn.w[:] / mV]).astype(float)
        return pre, post, weight

    def spike_trains(self) -> tuple[np.ndarray, np.ndarray]:
        """``(index, time_ms)`` of every recorded spike, in time order."""
        return np.asarray(self.spikes.i[:], dtype=np.int64), np.asarray(self.spikes.t[:] / ms, dtype=float)


def set_target(target: str) -> None:
    """Select the Brian2 code-generation target (``numpy`` works everywhere; ``cython`` needs a compiler).

    ``cpp_standalone`` is not a global switch: code that supports it opens a :class:`StandaloneProject` per
    build; the runtime target is then ``numpy`` for anything else that runs."""
    if target not in TARGETS:
        raise ConfigError(f"unknown codegen target {target!r}", key="codegen_target", fix=f"use one of {TARGETS}")
    prefs.codegen.target = target if target in RUNTIME_TARGETS else "numpy"


def standalone_directory(name: str) -> Path:
    """Project folder of a standalone build: one per process and circuit name under the system's temporary folder,
    reused within the process (an unchanged project then compiles in well under a second: ``make`` has nothing to
    do), never shared between processes (parallel workers would race on it), removed when the process exits."""
    path = Path(tempfile.gettempdir()) / f"neuroengram-standalone-{os.getuid()}" / f"{name}-{os.getpid()}"
    if path not in _STANDALONE_DIRS:
        _STANDALONE_DIRS.add(path)
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


_STANDALONE_DIRS: set[Path] = set()


class StandaloneProject:
    """One ``cpp_standalone`` build: define the circuit inside the ``with`` block, :meth:`compile`, then :meth:`run`.

    Usage::

        with StandaloneProject("melody") as project:
            circuit = build_circuit(..., name="melody")     # fixed names: run_args address objects by name
            project.compile(circuit, duration_ms)
            for seed, w in runs:
                project.run(circuit, seed, {circuit.exc_syn.w: w * mV})
                ...  read monitors and state variables here (they come from the last run's results folder)

    Entering activates the standalone device (``build_on_run=False``); leaving calls ``device.reinit()`` and
    restores the previous device, so the next build in this process (or a numpy run) starts clean. Each run seeds
    the random generators from ``noise_seed`` given on the command line (after every other initialisation), so
    repeated runs of one build draw independent noise and stay reproducible.
    """

    def __init__(self, name: str, directory: Path | None = None) -> None:
        self.name = name
        self.directory = Path(directory) if directory is not None else standalone_directory(name)
        self.compiled = False

    def __enter__(self) -> StandaloneProject:
        gc.collect()  # free dead Brian2 objects of earlier builds, whose names would push ours to name_1, name_2
        # Brian2's default `make -j` starts one compiler per source file at once; keep it to the cores we have.
        prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
        set_device("cpp_standalone", directory=str(self.directory), build_on_run=False)
        return self

    def __exit__(self, *exc_info: object) -> None:
        get_device().reinit()
        reset_device()

    def compile(self, circuit: Circuit, duration_ms: float) -> None:
        """Generate and compile the program that runs ``circuit`` for ``duration_ms`` (raises :class:`StageError`
        if no C++ compiler works)."""
        device = get_device()
        device.apply_run_args()
        seed = device.get_array_name(circuit.cells.variables["noise_seed"])
        device.insert_code(
            "main",
            f"for (size_t _k = 0; _k < _random_generators.size(); _k++) _random_generators[_k].seed({seed}[0] + _k);",
        )
        circuit.network.run(duration_ms * ms, namespace={})
        try:
            device.build(directory=str(self.directory), compile=True, run=False, with_output=False)
        except Exception as err:  # Brian2 raises RuntimeError or OSError subclasses when the compiler fails
            raise StageError(
                f"the cpp_standalone build failed: {err}",
                key="codegen_target",
                fix="install a C++ compiler (g++/clang) or use codegen_target = 'numpy'",
            ) from err
        self.compiled = True

    def run(self, circuit: Circuit, seed: int, run_args: Mapping[object, object] | None = None) -> float:
        """Run the compiled program with noise seed ``seed`` and the given initial values; returns the simulation
        loop's wall time (s, from Brian2's ``last_run_info.txt``)."""
        if not self.compiled:
            raise StageError("the standalone project was run before compile()", key="codegen_target")
        device = get_device()
        device.run(run_args={circuit.cells.noise_seed: int(seed) % 2**31, **(run_args or {})}, with_output=False)
        return float(device._last_run_time)


def build_circuit(
    *,
    is_excitatory: np.ndarray,
    tau_m_ms: np.ndarray,
    ref_ms: np.ndarray | float,
    tau_e_ms: np.ndarray | None = None,
    pre: np.ndarray,
    post: np.ndarray,
    weight_mv: np.ndarray,
    delay_ms: np.ndarray | float,
    constants: CellConstants,
    trial: np.ndarray | None = None,
    dt_ms: float = 0.1,
    namespace: dict[str, object] | None = None,
    noise: bool = False,
    driven: np.ndarray | None = None,
    name: str = "circuit",
) -> Circuit:
    """Build a LIF circuit from arrays (all per-cell arrays have shape (n_cells,), per-synapse ones (n_syn,)).

    ``weight_mv`` holds synaptic magnitudes (>= 0); the sign of each synapse comes from ``is_excitatory[pre]``.
    ``noise`` adds the membrane shot noise (``rate_noise``; off by default as it costs time).
    ``driven`` bool (n_cells,): the only cells that may get a ``rate_ext`` > 0; the Poisson drive then runs on each
    contiguous block of them (Brian2 subgroups are contiguous) instead of on every cell, and the noise on its own.
    Worth it on cpp_standalone, where every cell costs loop time even at rate 0 (~0.15 s per run of the melody
    network), not on numpy, where each extra object costs Python time per step. Default: every cell, one object.
    ``namespace`` adds names (e.g. a TimedArray) visible to the cells' code besides the :class:`CellConstants`.
    Objects get fixed names ``<name>_cells`` etc., so repeated builds in one process generate the same code.
    """
    is_excitatory = np.asarray(is_excitatory, dtype=bool)
    n_cells = is_excitatory.size
    pre = np.asarray(pre, dtype=np.int64)
    post = np.asarray(post, dtype=np.int64)
    weight_mv = np.asarray(weight_mv, dtype=float)
    delay_ms = np.broadcast_to(np.asarray(delay_ms, dtype=float), pre.shape)
    if np.any(weight_mv < 0):
        raise ConfigError(
            "synaptic magnitudes must be >= 0 (the sign comes from the presynaptic cell type, Dale's law)",
            key="weight",
            fix="pass magnitudes and mark inhibitory cells in is_excitatory",
        )
    defaultclock.dt = dt_ms * ms
    cells = NeuronGroup(
        n_cells,
        LIF_EQUATIONS,
        threshold="v > V_th",
        reset="v = V_reset",
        refractory="ref",
        method="euler",
        namespace={**constants.namespace(), **(namespace or {})},
        name=f"{name}_cells",
    )
    cells.tau_m = np.asarray(tau_m_ms, dtype=float) * ms
    cells.tau_e = (constants.tau_e_ms if tau_e_ms is None else np.asarray(tau_e_ms, dtype=float)) * ms
    cells.ref = np.broadcast_to(np.asarray(ref_ms, dtype=float), (n_cells,)) * ms
    cells.v = constants.E_L_mv * mV
    if trial is not None:
        cells.trial = np.asarray(trial, dtype=np.int64)
    if driven is None:
        code = f"{EXC_DRIVE}\n{NOISE}" if noise else EXC_DRIVE
        drives = [cells.run_regularly(code, when="before_groups", name=f"{name}_drive")]
    else:
        driven = np.asarray(driven, dtype=bool)
        if driven.shape != (n_cells,):
            raise ConfigError(
                f"driven must have one entry per cell ({n_cells}), got shape {driven.shape}",
                key="driven",
                fix="pass a bool array over all cells (True where rate_ext may be > 0)",
            )
        edges = np.flatnonzero(np.diff(np.concatenate([[0], driven.astype(np.int8), [0]])))
        drives = [
            cells[int(start) : int(stop)].run_regularly(EXC_DRIVE, when="before_groups", name=f"{name}_drive{k}")
            for k, (start, stop) in enumerate(edges.reshape(-1, 2))
        ]
        if noise:
            drives.append(cells.run_regularly(NOISE, when="before_groups", name=f"{name}_noise"))
    from_exc = is_excitatory[pre]
    synapses = []
    for kind, mask, target in (("exc", from_exc, "I_e"), ("inh", ~from_exc, "I_i")):
        syn = Synapses(cells, cells, "w : volt (constant)", on_pre=f"{target}_post += w", name=f"{name}_{kind}")
        if mask.any():
            syn.connect(i=pre[mask], j=post[mask])
            syn.w = weight_mv[mask] * mV
            syn.delay = delay_ms[mask] * ms
        synapses.append(syn)
    spikes = SpikeMonitor(cells, name=f"{name}_spikes")
    network = Network(cells, *drives, *synapses, spikes, name=f"{name}_network")
    return Circuit(network, cells, synapses[0], synapses[1], spikes, is_excitatory)


def check_finite(circuit: Circuit, what: str, max_rate_hz: float = 500.0) -> None:
    """Raise :class:`StageError` if the simulation diverged (NaN voltages) or ran away (mean rate > max)."""
    v = np.asarray(circuit.cells.v[:] / mV)
    duration = float(circuit.network.t / second)
    rate = circuit.spikes.num_spikes / max(circuit.is_excitatory.size, 1) / max(duration, 1e-9)
    if not np.all(np.isfinite(v)) or rate > max_rate_hz:
        raise StageError(
            f"the simulation diverged (mean rate {rate:.0f} Hz, finite voltages: {bool(np.all(np.isfinite(v)))})",
            key=what,
            fix="lower the synaptic weights or the input rates, or raise the inhibition",
        )


def binned_rates(index: np.ndarray, time_ms: np.ndarray, n_cells: int, duration_ms: float, bin_ms: float) -> np.ndarray:
    """Spike counts per bin divided by the bin width: float (n_bins, n_cells) in Hz."""
    n_bins = round(duration_ms / bin_ms)
    bins = np.minimum((time_ms / bin_ms).astype(np.int64), n_bins - 1)
    counts = np.zeros((n_bins, n_cells))
    np.add.at(counts, (bins, index), 1.0)
    return counts / (bin_ms / 1000.0)


__all__ = [
    "CellConstants",
    "Circuit",
    "StandaloneProject",
    "binned_rates",
    "build_circuit",
    "check_finite",
    "set_target",
    "standalone_directory",
]
