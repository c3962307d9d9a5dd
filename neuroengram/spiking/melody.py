"""Melody learning and replay: a recurrent E/I network whose read-out is trained by XOR-gated plasticity.

A melody is a binary array (n_steps, n_channels); step ``t`` lasts ``step_ms``.

Circuit (current-based LIF of :mod:`neuroengram.spiking.model`, Dale's law), one copy::

    channel k:  X_k (E) = node 1 of XOR motif k   the heard signal (teacher: Poisson drive while the bit is on)
                P_k (E) = node 3 of XOR motif k   the prediction, driven only by the sequence network
                2, 4, 5 (E), hub 6 (I)             the rest of the motif; read-out 5 is the error of channel k
    sequence:   one chain of excitatory cells per melody slot m: n_steps steps x ``n_sub`` cells, each cell exciting
                the next after step_ms / n_sub (a synfire-like clock; every cell fires once per run, so during
                step t exactly the n_sub cells of step t of each running chain fire, one every step_ms / n_sub)
    gates:      the last cell of each cue step t < cue_steps of chain m is a gate: slow excitatory synapses
                (tau_e = ``GATE_TAU_E_MS``, fast membrane), a sub-threshold input from its predecessor and cue
                synapses from X imprinted with step t of melody m; it fires only if the heard step matches
    pool:       ``n_pool`` inhibitory cells, each relaying one channel (X_k excites its pool cells); the pool cells of
                channel k inhibit every gate whose imprint has channel k off, so extra channels close a gate too
    plastic:    chain cell c -> P_k, weight w_ck in [0, w_max], delay 1 ms
    replay:     P_k -> X_k (the prediction becomes what the network "hears")

All chains start at t = 0 (a start spike); the cue decides which chain survives its gates. The chain of melody
slot m is allocated to melody m once, by a one-shot Hebbian imprint with synaptic normalisation of the cue
synapses (X_k -> gate(m, t)): ``g_mtk = g_total * b_mtk / sum_k b_mtk`` from the bits ``b`` of step t of
melody m (the teacher pattern of the first presentation), and the complementary pool -> gate synapses
(``gate_inh_mv`` where ``b_mtk = 0``). Only chain cells of steps >= cue_steps project to the prediction cells.
One chain cell fires every ``step_ms / n_sub``, so P_k fires in volleys: its rate is bounded by the volley rate
times the few spikes one volley at ``w_max`` evokes, and the rule stops where P_k matches X_k
(~100 Hz), inside the XOR comparator's operating range (the hub vetoes a single input far above ~110 Hz).
The XOR motif needs ~50 ms to settle (its hub integrates with 20 ms synapses), hence 120 ms steps with the
error counted in their second half; with 60 ms steps it reports a mismatch in most both-on windows.

Learning rule of the read-out (our own formulation from the three-factor / neoHebbian literature: Fremaux &
Gerstner 2016, Front. Neural Circuits 9:85; contrastive Hebbian eligibilities: Movellan 1991, O'Reilly 1996;
the same rule as :mod:`neuroengram.spiking.plasticity`). Per step window t, ``h_c(t)`` = spikes of chain cell c,
``x_k(t)``, ``p_k(t)`` = rates of X_k and P_k divided by ``r_ref`` = 100 Hz::

    eligibility   e_ck(t) = h_c(t) x_k(t) - h_c(t) p_k(t)
    third factor  M_k(t)  = 1 if the read-out of XOR motif k fires >= ``XOR_THRESHOLD_HZ`` after the first
                            ``SETTLE_FRACTION`` of window t (a mismatch between X_k and P_k), else 0
                            (the error rate is the mean of M over the predicted steps t >= cue_steps)
    update        w_ck <- clip(w_ck + eta * sum_{melodies, t} M_k(t) e_ck(t), 0, w_max)      after every epoch

The error is unsigned (the published six-cell topology); learning stops by itself when the comparators fall
silent. Training is teacher forced (X follows the melody at every step); replay drives X only during the first
``cue_steps`` steps and reads the replayed bits from X (on iff its rate in the step >= ``REPLAY_THRESHOLD_HZ``).
All networks (``n_networks``: the same melodies and wiring, their own noise and initial weights) and all melodies
run as copies in one Brian2 network per epoch.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
from brian2 import Hz, TimedArray, ms, mV
from brian2 import seed as brian_seed
from pydantic import BaseModel, ConfigDict, Field

from neuroengram.errors import ConfigError, DataError
from neuroengram.spiking.model import Circuit, StandaloneProject, build_circuit, check_finite
from neuroengram.spiking.motifs import MOTIF_CONSTANTS, xor_graph

R_REF_HZ = 100.0
XOR_THRESHOLD_HZ = 20.0
SETTLE_FRACTION = 0.5
REPLAY_THRESHOLD_HZ = 40.0
INPUT_RATE_HZ = 3000.0
NOISE_RATE_HZ = 200.0
CHAIN_TAU_E_MS = 1.0
"""Fast synapses onto chain cells: one spike of the predecessor fires a cell once, with sub-ms latency."""
LINK_MV = 300.0
CHAIN_REF_MS = 5.0
"""Chain cells stay refractory until a bridge input (below) has decayed: one spike per cell and run."""
CHAIN_LATENCY_MS = 0.7
"""Spike latency of a chain cell after its predecessor's spike arrives (measured); subtracted from link delays."""
GATE_LATENCY_MS = 2.0
SKIP_LAG_MS = 1.0
"""A c -> c+2 bridge arrives this much after the direct path has fired c+2 (then refractory), so it only acts
when c+1 failed and does not pull the chain early."""
"""The same for a gate cell, whose voltage follows its slow synaptic input with a 2 ms membrane."""
GATE_TAU_E_MS = 20.0
"""Slow (NMDA-like) synapses onto gate cells: they integrate the heard channels over the previous step."""
GATE_TAU_M_MS = 2.0
"""Fast membrane of gate cells: their voltage follows the slow synaptic input, so a gate fires within a few ms."""
GATE_REF_FRACTION = 0.9
"""Gate cells are refractory for this fraction of a step: one spike per step, so a chain passes one volley."""
REPLAY_MV = 80.0
POOL_RELAY_MV = 80.0
"""X_k -> its pool cells: one pool spike per X spike (the pool relays each channel with the inhibitory sign)."""
W_INIT_MV = 2.0


MELODY_CONFIG = "melody_config.json"
"""File name of the :class:`MelodyConfig` the spiking stage's melody task writes next to ``melody.npz``."""


class MelodyConfig(BaseModel):
    """Parameters of melody learning and replay (also fields of the spiking stage's ``Params``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_melodies: int = Field(4, ge=1, le=64, description="melody: number of random melodies to learn")
    n_steps: int = Field(16, ge=2, le=256, description="melody: steps per melody")
    n_channels: int = Field(8, ge=1, le=64, description="melody: channels (bits) per step, one XOR motif each")
    cue_steps: int = Field(2, ge=1, le=255, description="melody: first steps given as cue before free replay")
    step_ms: float = Field(120.0, ge=20, le=1000, description="melody: duration of one step")
    n_sub: int = Field(6, ge=1, le=50, description="melody: chain cells per step (one fires every step_ms / n_sub)")
    n_pool: int = Field(98, ge=1, le=5000, description="melody: inhibitory pool cells (feed-forward gate inhibition)")
    epochs: int = Field(12, ge=0, le=1000, description="melody: training epochs (each shows every melody once)")
    learning_rate_mv: float = Field(30.0, ge=0, le=1000, description="melody: eta of the three-factor rule (mV)")
    w_max_mv: float = Field(160.0, gt=0, le=1000, description="melody: upper bound of the chain -> P weights (mV)")
    gate_link_mv: float = Field(12.0, ge=0, le=1000, description="melody: predecessor -> gate weight (sub-threshold)")
    gate_cue_mv: float = Field(4.5, ge=0, le=1000, description="melody: summed cue weight onto one gate (mV)")
    gate_inh_mv: float = Field(0.5, ge=0, le=1000, description="melody: pool -> gate inhibitory weight (mV)")
    n_networks: int = Field(1, ge=1, le=64, description="melody: independent networks (seeds) trained side by side")


@dataclass
class MelodyResult:
    """Outcome of :func:`learn_melodies`.

    ``melodies`` bool (n_melodies, n_steps, n_channels); ``error_rate`` float (epochs + 1, n_networks): fraction of
    (melody, step, channel) windows with the XOR read-out on, before each update and after the last;
    ``replay_accuracy`` float (n_networks, n_melodies): bit accuracy of the free steps; ``replayed`` bool
    (n_networks, n_melodies, n_steps, n_channels); ``weights_mv`` float (epochs + 1, n_networks, n_chain,
    n_channels) chain -> P weights per evaluation; ``replay_rates`` float (n_melodies * n_steps, n_cells) rates
    (Hz) per step of network 0 replaying each melody in turn; ``is_excitatory`` (n_cells,) and the signed synapses
    ``pre``/``post``/``weight`` (mV) of network 0; ``spike_index``/``spike_time_ms`` of network 0 replaying
    melody 0; ``layout`` the cell indices of one copy.
    """

    melodies: np.ndarray
    error_rate: np.ndarray
    replay_accuracy: np.ndarray
    replayed: np.ndarray
    weights_mv: np.ndarray
    replay_rates: np.ndarray
    is_excitatory: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    spike_index: np.ndarray
    spike_time_ms: np.ndarray
    layout: Layout


def check_melodies(melodies: np.ndarray, cue_steps: int, key: str = "melodies") -> np.ndarray:
    """``melodies`` as bool (n_melodies, n_steps, n_channels); :class:`DataError` unless binary and 3-D with
    distinct cues that each have a channel on in every cue step, :class:`ConfigError` if the cue is not shorter
    than a melody."""
    melodies = np.asarray(melodies)
    if melodies.ndim != 3 or melodies.size == 0:
        raise DataError(
            f"melodies must be (n_melodies, n_steps, n_channels), got shape {melodies.shape}",
            key=key,
            fix="pass a 3-D binary array",
        )
    if not np.isin(melodies, (0, 1)).all():
        raise DataError("melodies must be binary (0/1)", key=key, fix="threshold or binarise the sequences")
    if cue_steps >= melodies.shape[1]:
        raise ConfigError(
            f"a cue of {cue_steps} steps leaves nothing to replay of {melodies.shape[1]}-step melodies",
            key="cue_steps",
            fix="use a cue shorter than the melody",
        )
    cues = melodies[:, :cue_steps].astype(bool)
    if not cues.any(axis=2).all():
        raise DataError("every cue step needs at least one channel on", key=key, fix="start melodies with sound")
    if len({cue.tobytes() for cue in cues}) < cues.shape[0]:
        raise DataError("two melodies share the same cue", key=key, fix="make the first cue_steps steps distinct")
    return melodies.astype(bool)


def random_melodies(rng: np.random.Generator, config: MelodyConfig) -> np.ndarray:
    """Random balanced melodies (each bit on with probability 1/2) that :func:`check_melodies` accepts."""
    for _ in range(1000):
        melodies = rng.random((config.n_melodies, config.n_steps, config.n_channels)) < 0.5
        try:
            return check_melodies(melodies, config.cue_steps)
        except DataError:
            continue
    raise DataError("could not draw melodies with distinct cues", key="n_channels", fix="use more channels")


@dataclass(frozen=True)
class Layout:
    """Cell indices inside one copy: XOR motif k in 6k..6k+5, then the chains, then the pool."""

    n_channels: int
    n_slots: int
    n_steps: int
    n_sub: int
    n_pool: int
    cue_steps: int

    def node(self, node: int) -> np.ndarray:
        """Node ``node`` (1..6) of every channel's XOR motif."""
        return 6 * np.arange(self.n_channels) + node - 1

    @property
    def n_chain(self) -> int:
        return self.n_slots * self.n_steps * self.n_sub

    @property
    def chain(self) -> np.ndarray:
        """Chain cells, shape (n_slots, n_steps, n_sub)."""
        return (6 * self.n_channels + np.arange(self.n_chain)).reshape(self.n_slots, self.n_steps, self.n_sub)

    @property
    def readout(self) -> np.ndarray:
        """Chain cells after the gates (steps >= cue_steps), the presynaptic cells of the plastic read-out."""
        return self.chain[:, self.cue_steps :].ravel()

    @property
    def pool(self) -> np.ndarray:
        return 6 * self.n_channels + self.n_chain + np.arange(self.n_pool)

    @property
    def n_cells(self) -> int:
        return 6 * self.n_channels + self.n_chain + self.n_pool


def _cells(layout: Layout, cue_steps: int, step_ms: float) -> tuple[np.ndarray, ...]:
    """Per-cell ``is_excitatory``, ``tau_m_ms``, ``tau_e_ms``, ``ref_ms`` of one copy."""
    n = layout.n_cells
    is_exc, tau_m = np.ones(n, dtype=bool), np.full(n, 10.0)
    tau_e, ref = np.full(n, MOTIF_CONSTANTS.tau_e_ms), np.full(n, 2.0)
    for node, attrs in xor_graph().nodes(data=True):
        cells = layout.node(node)
        is_exc[cells], tau_m[cells], tau_e[cells], ref[cells] = (
            attrs["excitatory"],
            attrs["tau_m_ms"],
            attrs["tau_e_ms"],
            attrs["ref_ms"],
        )
    tau_e[layout.chain.ravel()], ref[layout.chain.ravel()] = CHAIN_TAU_E_MS, CHAIN_REF_MS
    gates = layout.chain[:, :cue_steps, -1].ravel()
    tau_e[gates], tau_m[gates], ref[gates] = GATE_TAU_E_MS, GATE_TAU_M_MS, GATE_REF_FRACTION * step_ms
    is_exc[layout.pool], tau_m[layout.pool], ref[layout.pool] = False, 6.0, 1.0
    return is_exc, tau_m, tau_e, ref


def _fixed_synapses(layout: Layout, config: MelodyConfig, templates: np.ndarray) -> tuple[np.ndarray, ...]:
    """The non-plastic synapses of one network: ``pre``, ``post``, magnitude (mV), delay (ms)."""
    parts: list[tuple[np.ndarray, ...]] = []

    def add(pre, post, weight, delay) -> None:
        shape = np.shape(pre)
        parts.append(tuple(np.broadcast_to(a, shape).ravel() for a in (pre, post, weight, delay)))

    for u, v, attrs in xor_graph().edges(data=True):
        add(layout.node(u), layout.node(v), abs(attrs["weight"]), attrs["delay_ms"])
    flat = layout.chain.reshape(layout.n_slots, -1)
    link = np.full(flat[:, 1:].shape, LINK_MV)
    gates = np.arange(1, config.cue_steps + 1) * layout.n_sub - 1  # flat position of the gate cells
    link[:, gates - 1] = config.gate_link_mv
    delay = np.full(link.shape, config.step_ms / layout.n_sub - CHAIN_LATENCY_MS)
    delay[:, gates] -= GATE_LATENCY_MS - CHAIN_LATENCY_MS
    delay[:, 0] += config.step_ms / layout.n_sub / 2  # volleys at the centres of the sub-steps, not on window edges
    add(flat[:, :-1], flat[:, 1:], link, delay)
    skip = np.ones(flat.shape[1] - 2, dtype=bool)  # c -> c+2 bridges a failed cell, never around a gate
    skip[np.concatenate([gates - 2, gates - 1])] = False
    skip_delay = np.full(skip.shape, 2 * config.step_ms / layout.n_sub - CHAIN_LATENCY_MS + SKIP_LAG_MS)
    skip_delay[0] += config.step_ms / layout.n_sub / 2
    add(flat[:, :-2][:, skip], flat[:, 2:][:, skip], LINK_MV, skip_delay[skip])
    x_cells = layout.node(1)
    gate_cells = layout.chain[:, : config.cue_steps, -1]  # (n_slots, cue_steps)
    m, t, k = np.nonzero(templates)
    add(x_cells[k], gate_cells[m, t], templates[m, t, k], 1.0)
    channel_of_pool = np.arange(layout.n_pool) % layout.n_channels
    add(x_cells[channel_of_pool], layout.pool, POOL_RELAY_MV, 1.0)
    m, t, j = np.nonzero(templates[:, :, channel_of_pool] == 0)
    add(layout.pool[j], gate_cells[m, t], config.gate_inh_mv, 1.0)
    return tuple(np.concatenate([p[i] for p in parts]) for i in range(4))


def imprint_templates(melodies: np.ndarray, cue_steps: int, g_total_mv: float) -> np.ndarray:
    """Cue synapses X_k -> gate(m, t): one-shot Hebbian imprint of the teacher pattern of step t-1 of melody m,
    normalised to sum ``g_total_mv`` per gate; float (n_melodies, cue_steps, n_channels) in mV."""
    pattern = melodies[:, :cue_steps].astype(float)
    return g_total_mv * pattern / pattern.sum(axis=2, keepdims=True)


@dataclass
class _Run:
    """Spike counts per step window, int (n_copies, n_steps, n_cells): ``full`` and ``late`` (after the settling
    part of each window); every spike of the run; the circuit."""

    full: np.ndarray
    late: np.ndarray
    index: np.ndarray
    time_ms: np.ndarray
    circuit: Circuit


def _synapses(
    fixed: list[tuple[np.ndarray, ...]],
    weights_mv: np.ndarray,
    melodies: np.ndarray,
    teacher_steps: int,
    layout: Layout,
) -> tuple[np.ndarray, ...]:
    """``pre``, ``post``, magnitude (mV), delay (ms) of every copy (network k = ``fixed[k]``, ``weights_mv[k]``,
    melody m) and the teacher pattern, float (n_steps, n_copies * n_cells): 1 where X is driven."""
    n_melodies, n_steps, _ = melodies.shape
    n, n_copies = layout.n_cells, len(fixed) * n_melodies
    p_cells, x_cells = layout.node(3), layout.node(1)
    plastic_pre = np.repeat(layout.readout, layout.n_channels)
    plastic_post = np.tile(p_cells, layout.readout.size)
    replay = teacher_steps < n_steps
    parts: list[tuple[np.ndarray, ...]] = []
    teach = np.zeros((n_steps, n_copies * n))
    for c in range(n_copies):
        k, m = divmod(c, n_melodies)
        blocks = [fixed[k], (plastic_pre, plastic_post, weights_mv[k].ravel(), np.ones(plastic_pre.size))]
        if replay:
            blocks.append((p_cells, x_cells, np.full(p_cells.size, REPLAY_MV), np.ones(p_cells.size)))
        parts += [(c * n + pre, c * n + post, w, d) for pre, post, w, d in blocks]
        teach[:teacher_steps, c * n + x_cells] = melodies[m, :teacher_steps]
    pre, post, weight, delay = (np.concatenate([p[i] for p in parts]) for i in range(4))
    return pre, post, weight, delay, teach


def _circuit(
    synapses: tuple[np.ndarray, ...],
    n_copies: int,
    config: MelodyConfig,
    layout: Layout,
    name: str = "melody",
    drive_blocks: bool = False,
) -> Circuit:
    """The Brian2 circuit of ``n_copies`` copies (:func:`_synapses`), ready to run (objects named ``<name>_*``).
    ``drive_blocks``: the Poisson drive runs only on the XOR motif cells of each copy (the block holding every X
    cell; one object per copy, for cpp_standalone), otherwise on every cell (rate 0 outside X)."""
    pre, post, weight, delay, teach = synapses
    n = layout.n_cells
    is_exc, tau_m, tau_e, ref = _cells(layout, config.cue_steps, config.step_ms)
    circuit = build_circuit(
        is_excitatory=np.tile(is_exc, n_copies),
        tau_m_ms=np.tile(tau_m, n_copies),
        tau_e_ms=np.tile(tau_e, n_copies),
        ref_ms=np.tile(ref, n_copies),
        pre=pre,
        post=post,
        weight_mv=weight,
        delay_ms=delay,
        constants=MOTIF_CONSTANTS,
        trial=np.repeat(np.arange(n_copies), n),
        noise=True,
        driven=np.tile(np.arange(n) < 6 * layout.n_channels, n_copies) if drive_blocks else None,
        namespace={
            "teacher": TimedArray(teach, dt=config.step_ms * ms, name=f"{name}_teacher_values"),
            "input_rate": INPUT_RATE_HZ * Hz,
        },
        name=name,
    )
    circuit.cells.rate_noise = NOISE_RATE_HZ * Hz
    start = np.zeros(n, dtype=bool)
    start[layout.chain[:, 0, 0]] = True
    circuit.cells.v = np.where(np.tile(start, n_copies), -40.0, MOTIF_CONSTANTS.E_L_mv) * mV
    switch = circuit.cells.run_regularly(
        "rate_ext = input_rate * teacher(t, i)", dt=config.step_ms * ms, when="start", name=f"{name}_teacher"
    )
    circuit.network.add(switch)
    return circuit


def _counts(circuit: Circuit, n_copies: int, n_steps: int, config: MelodyConfig, layout: Layout) -> _Run:
    """Spike counts per step window of a circuit that has run (:class:`_Run`)."""
    check_finite(circuit, "stages.spiking")
    n = layout.n_cells
    index, time_ms = circuit.spike_trains()
    window = np.minimum((time_ms / config.step_ms).astype(np.int64), n_steps - 1)
    late = time_ms - window * config.step_ms >= SETTLE_FRACTION * config.step_ms
    full = np.zeros((n_copies, n_steps, n), dtype=np.int64)
    late_counts = np.zeros_like(full)
    np.add.at(full, (index // n, window, index % n), 1)
    np.add.at(late_counts, (index[late] // n, window[late], index[late] % n), 1)
    return _Run(full, late_counts, index, time_ms, circuit)


def _simulate(
    fixed: list[tuple[np.ndarray, ...]],
    weights_mv: np.ndarray,
    melodies: np.ndarray,
    teacher_steps: int,
    config: MelodyConfig,
    layout: Layout,
    seed: int,
) -> _Run:
    """Every network (``fixed[k]``, ``weights_mv[k]``) with every melody as copies in one Brian2 network; X is
    taught for the first ``teacher_steps`` steps; P -> X (replay) is connected when ``teacher_steps`` < n_steps.
    Runtime targets (numpy, cython): a new build per call."""
    n_melodies, n_steps, _ = melodies.shape
    n_copies = len(fixed) * n_melodies
    synapses = _synapses(fixed, weights_mv, melodies, teacher_steps, layout)
    brian_seed(seed)
    circuit = _circuit(synapses, n_copies, config, layout)
    circuit.network.run(n_steps * config.step_ms * ms, namespace={})
    return _counts(circuit, n_copies, n_steps, config, layout)


def _simulate_runtime(
    fixed: list[tuple[np.ndarray, ...]],
    melodies: np.ndarray,
    config: MelodyConfig,
    layout: Layout,
    weights_mv: np.ndarray,
    teacher_steps: int,
    seed: int,
) -> _Run:
    """:func:`_simulate` with the arguments in the order of :meth:`StandaloneMelody.__call__`."""
    return _simulate(fixed, weights_mv, melodies, teacher_steps, config, layout, seed)


class StandaloneMelody:
    """:func:`_simulate` on ``cpp_standalone``: one compiled program per circuit structure (teaching, or replay
    with P -> X connected), re-run with the plastic weights and the noise seed as ``run_args``.

    Only one standalone project can be open per process, so a call with another ``teacher_steps`` closes the
    current one and builds the other, each with its own object names and folder (``directory / melody_teach``
    and ``melody_replay``; default :func:`~neuroengram.spiking.model.standalone_directory`), so a later build of
    the same circuit in this process finds its compiled objects there and ``make`` has little to do. Use as a
    context manager (``with StandaloneMelody(...) as simulate``); read the circuit of a returned :class:`_Run`
    before the next call with other ``teacher_steps`` or leaving.
    ``run_seconds`` collects the simulation loop's time of every run (Brian2's own measurement: CPU time without
    OpenMP). The Poisson drive runs on the XOR motif block of each copy only (``drive_blocks`` of :func:`_circuit`).
    """

    def __init__(
        self,
        fixed: list[tuple[np.ndarray, ...]],
        melodies: np.ndarray,
        config: MelodyConfig,
        layout: Layout,
        directory: Path | None = None,
    ) -> None:
        self.fixed, self.melodies, self.config, self.layout = fixed, melodies, config, layout
        self.directory = directory
        self.run_seconds: list[float] = []
        self._project: StandaloneProject | None = None
        self._circuit: Circuit | None = None
        self._teacher_steps: int | None = None

    def __enter__(self) -> StandaloneMelody:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Leave the open standalone project (its objects become unreadable)."""
        if self._project is not None:
            self._project.__exit__(None, None, None)
        self._project, self._circuit, self._teacher_steps = None, None, None

    def __call__(self, weights_mv: np.ndarray, teacher_steps: int, seed: int) -> _Run:
        n_steps = self.melodies.shape[1]
        n_copies = len(self.fixed) * self.melodies.shape[0]
        synapses = _synapses(self.fixed, weights_mv, self.melodies, teacher_steps, self.layout)
        if teacher_steps != self._teacher_steps:
            self.close()
            name = "melody_teach" if teacher_steps == n_steps else "melody_replay"
            directory = None if self.directory is None else self.directory / name
            project = StandaloneProject(name, directory).__enter__()
            self._project = project
            self._circuit = _circuit(synapses, n_copies, self.config, self.layout, name, drive_blocks=True)
            project.compile(self._circuit, n_steps * self.config.step_ms)
            self._teacher_steps = teacher_steps
        pre, weight = synapses[0], synapses[2]
        exc_weight = weight[self._circuit.is_excitatory[pre]] * mV
        self.run_seconds.append(self._project.run(self._circuit, seed, {self._circuit.exc_syn.w: exc_weight}))
        return _counts(self._circuit, n_copies, n_steps, self.config, self.layout)


def _xor_errors(run: _Run, layout: Layout, config: MelodyConfig) -> np.ndarray:
    """XOR read-out decisions, bool (n_copies, n_steps, n_channels)."""
    late_s = (1 - SETTLE_FRACTION) * config.step_ms / 1000.0
    return run.late[:, :, layout.node(5)] / late_s >= XOR_THRESHOLD_HZ


def _update(weights: np.ndarray, run: _Run, errors: np.ndarray, layout: Layout, config: MelodyConfig) -> np.ndarray:
    """The three-factor rule (module docstring), summed over the melodies (copies) of each network."""
    to_ref = 1000.0 / config.step_ms / R_REF_HZ
    h = run.full[:, :, layout.readout]
    x = run.full[:, :, layout.node(1)] * to_ref
    p = run.full[:, :, layout.node(3)] * to_ref
    delta = np.einsum("cth,ctk->chk", h, errors * (x - p))
    delta = delta.reshape(weights.shape[0], -1, *weights.shape[1:]).sum(axis=1)
    return np.clip(weights + config.learning_rate_mv * delta, 0.0, config.w_max_mv)


def learn_melodies(
    config: MelodyConfig,
    seed: int,
    melodies: np.ndarray | None = None,
    progress=lambda iterable, desc, total: iterable,
    standalone: bool = False,
) -> MelodyResult:
    """Train ``config.n_networks`` networks on the melodies (random ones from ``seed`` if None) with the
    XOR-gated three-factor rule, then replay every melody from its first ``cue_steps`` steps.

    ``standalone``: simulate on ``cpp_standalone`` (:class:`StandaloneMelody`: two compiled programs, training
    and replay, instead of a new build per epoch; needs a C++ compiler). Otherwise on the current runtime target.
    """
    rng = np.random.default_rng(seed)
    melodies = random_melodies(rng, config) if melodies is None else check_melodies(melodies, config.cue_steps)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)
    templates = imprint_templates(melodies, config.cue_steps, config.gate_cue_mv)
    fixed = [_fixed_synapses(layout, config, templates)] * config.n_networks
    weights = rng.uniform(0.0, W_INIT_MV, (config.n_networks, layout.readout.size, n_channels))
    history, error_rate = [], []
    runtime = partial(_simulate_runtime, fixed, melodies, config, layout)
    with StandaloneMelody(fixed, melodies, config, layout) if standalone else nullcontext(runtime) as simulate:
        for epoch in progress(range(config.epochs + 1), "melody epochs", config.epochs + 1):
            run = simulate(weights, n_steps, int(rng.integers(2**31)))
            errors = _xor_errors(run, layout, config)
            history.append(weights.copy())
            error_rate.append(errors[:, config.cue_steps :].reshape(config.n_networks, -1).mean(axis=1))
            if epoch < config.epochs:
                weights = _update(weights, run, errors, layout, config)
        run = simulate(weights, config.cue_steps, int(rng.integers(2**31)))
        pre, post, weight = run.circuit.signed_weights()
        is_excitatory = run.circuit.is_excitatory[: layout.n_cells]
    x_rate = run.full[:, :, layout.node(1)] * (1000.0 / config.step_ms)
    replayed = (x_rate >= REPLAY_THRESHOLD_HZ).reshape(config.n_networks, n_melodies, n_steps, n_channels)
    free = slice(config.cue_steps, None)
    accuracy = (replayed[:, :, free] == melodies[None, :, free]).mean(axis=(2, 3))
    n = layout.n_cells
    copy0, first = pre < n, run.index < n
    return MelodyResult(
        melodies=melodies,
        error_rate=np.array(error_rate),
        replay_accuracy=accuracy,
        replayed=replayed,
        weights_mv=np.array(history),
        replay_rates=run.full[:n_melodies].reshape(n_melodies * n_steps, n) * (1000.0 / config.step_ms),
        is_excitatory=is_excitatory,
        pre=pre[copy0],
        post=post[copy0],
        weight=weight[copy0],
        spike_index=run.index[first],
        spike_time_ms=run.time_ms[first],
        layout=layout,
    )


@dataclass
class MelodyReplay:
    """Outcome of :func:`replay_melodies` (``n`` = ``n_networks``, one per given weight matrix).

    ``replayed`` bool (n, n_melodies, n_steps, n_channels): X on in a step iff its rate >= ``REPLAY_THRESHOLD_HZ``;
    ``accuracy`` float (n, n_melodies): bit accuracy of the free steps (t >= cue_steps); ``counts`` int
    (n, n_melodies, n_steps, n_cells) spike counts per step window of every cell of every copy; ``spike_index`` /
    ``spike_time_ms`` every spike (index ``c * n_cells + i`` for copy ``c = network * n_melodies + melody``);
    ``layout`` the cell indices of one copy.
    """

    replayed: np.ndarray
    accuracy: np.ndarray
    counts: np.ndarray
    spike_index: np.ndarray
    spike_time_ms: np.ndarray
    layout: Layout


def replay_melodies(config: MelodyConfig, melodies: np.ndarray, weights_mv: np.ndarray, seed: int) -> MelodyReplay:
    """Cued replay of every melody with given chain -> P weights, without any learning.

    ``weights_mv`` float (n_networks, n_readout, n_channels) or (n_readout, n_channels) in mV, rows in the order of
    :attr:`Layout.readout` (chain cells of steps >= cue_steps, slot-major). Every network and melody runs as a copy
    of one Brian2 network (``config.n_networks`` is ignored); X is taught for the first ``cue_steps`` steps, then
    hears only its prediction (P_k -> X_k). :class:`DataError` for weights of the wrong shape, negative or
    non-finite weights.
    """
    melodies = check_melodies(melodies, config.cue_steps)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)
    weights = np.asarray(weights_mv, dtype=float)
    weights = weights[None] if weights.ndim == 2 else weights
    if weights.ndim != 3 or weights.shape[1:] != (layout.readout.size, n_channels):
        raise DataError(
            f"weights_mv must be (n_networks, {layout.readout.size}, {n_channels}) (read-out cells x channels), "
            f"got {np.shape(weights_mv)}",
            key="weights_mv",
            fix="pass one chain -> P weight per read-out chain cell and channel",
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise DataError(
            "chain -> P weights must be finite and >= 0 (chain cells are excitatory)",
            key="weights_mv",
            fix="clip the weights to [0, w_max_mv]",
        )
    templates = imprint_templates(melodies, config.cue_steps, config.gate_cue_mv)
    fixed = [_fixed_synapses(layout, config, templates)] * weights.shape[0]
    run = _simulate(fixed, weights, melodies, config.cue_steps, config, layout, seed)
    counts = run.full.reshape(weights.shape[0], n_melodies, n_steps, layout.n_cells)
    replayed = counts[..., layout.node(1)] * (1000.0 / config.step_ms) >= REPLAY_THRESHOLD_HZ
    free = slice(config.cue_steps, None)
    accuracy = (replayed[:, :, free] == melodies[None, :, free]).mean(axis=(2, 3))
    return MelodyReplay(replayed, accuracy, counts, run.index, run.time_ms, layout)
