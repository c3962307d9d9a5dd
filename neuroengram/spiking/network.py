"""A small recurrent E/I network (Brunel-style, current-based LIF, Dale's law) driven by Poisson input.

``n_exc`` excitatory and ``n_inh`` inhibitory cells (4:1 by default), random connectivity with probability
``p_connect`` (no self-connections). Excitatory synapses have magnitude ``j_exc_mv``, inhibitory ones
``g_inh * j_exc_mv`` (g > 4 makes the network inhibition-dominated for a 4:1 ratio; Brunel 2000, J Comput
Neurosci 8:183). Every cell receives background Poisson excitation at ``rate_ext_hz`` (kicks of ``j_ext_mv``);
during stimulus epochs of ``epoch_ms`` one of ``n_patterns`` random subsets of excitatory cells (``stim_fraction``
of them) receives ``stim_rate_hz`` more. The pattern shown in each bin is returned as ``labels``, so downstream
stages see activity with a known structure.

Measured quantities (see :func:`spike_statistics`): mean E and I rates (Hz), mean coefficient of variation of
the inter-spike intervals (CV_ISI, 1 for a Poisson process), mean Fano factor of spike counts in 100 ms windows,
and the balance index = mean inhibitory / mean excitatory synaptic input onto excitatory cells (recurrent plus
external; time averages from the spike counts, <I_x> = w * rate * tau_x).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, TimedArray, ms, mV
from brian2 import seed as brian_seed
from pydantic import BaseModel, ConfigDict, Field

from neuroengram.errors import ConfigError
from neuroengram.spiking.model import CellConstants, binned_rates, build_circuit, check_finite


class EIConfig(BaseModel):
    """Parameters of :func:`simulate_ei_network` (units in the names); also fields of the stage's ``Params``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    n_exc: int = Field(80, ge=1, le=20000, description="number of excitatory cells (Dale: E cells only excite)")
    n_inh: int = Field(20, ge=1, le=5000, description="number of inhibitory cells (4:1 E:I is the cortical ratio)")
    p_connect: float = Field(0.2, gt=0, le=1, description="connection probability between any two cells")
    j_exc_mv: float = Field(2.0, ge=0, le=50, description="excitatory synaptic jump in mV (current-based)")
    g_inh: float = Field(5.0, ge=0, le=50, description="inhibitory jump relative to the excitatory one")
    j_ext_mv: float = Field(2.0, ge=0, le=50, description="jump of each external Poisson input spike in mV")
    rate_ext_hz: float = Field(1500.0, ge=0, le=20000, description="merged background Poisson input rate per cell")
    tau_m_exc_ms: float = Field(20.0, gt=0, le=200, description="membrane time constant of E cells")
    tau_m_inh_ms: float = Field(10.0, gt=0, le=200, description="membrane time constant of I cells")
    delay_ms: float = Field(1.5, ge=0.1, le=20, description="synaptic delay of recurrent connections")
    n_patterns: int = Field(4, ge=0, le=64, description="number of stimulus patterns (0: background only)")
    stim_fraction: float = Field(0.25, ge=0, le=1, description="fraction of E cells a stimulus pattern drives")
    stim_rate_hz: float = Field(500.0, ge=0, le=20000, description="extra Poisson rate onto stimulated E cells")
    epoch_ms: float = Field(250.0, ge=1, le=100000, description="duration of one stimulus epoch")
    duration_ms: float = Field(1500.0, ge=10, le=600000, description="simulated biological time")
    bin_ms: float = Field(10.0, ge=0.1, le=1000, description="bin width of the saved rates")
    connectivity_seed: int | None = Field(
        None,
        ge=0,
        description="seed of the wiring, stimulus patterns and their order (None: drawn from the run's seed); "
        "fix it and vary the seed to get noise realisations of one network",
    )


@dataclass
class EIResult:
    """Output of :func:`simulate_ei_network`.

    ``rates`` float (n_bins, n_cells) Hz; ``labels`` int (n_bins,) stimulus pattern per bin; ``spike_index`` /
    ``spike_time_ms`` every spike; ``pre``/``post``/``weight`` the signed synapses (mV); ``patterns`` bool
    (n_patterns, n_cells); ``metrics`` flat scalars.
    """

    config: EIConfig
    is_excitatory: np.ndarray
    rates: np.ndarray
    labels: np.ndarray
    spike_index: np.ndarray
    spike_time_ms: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray
    patterns: np.ndarray
    metrics: dict[str, float]


def validate_ei(config: EIConfig) -> None:
    """Raise :class:`ConfigError` for combinations the field bounds cannot catch."""
    if config.duration_ms < config.bin_ms:
        raise ConfigError(
            f"duration {config.duration_ms} ms is shorter than one bin ({config.bin_ms} ms)",
            key="duration_ms",
            fix="simulate at least one bin",
        )
    if config.n_patterns and round(config.stim_fraction * config.n_exc) < 1:
        raise ConfigError(
            f"a pattern of {config.stim_fraction} x {config.n_exc} E cells drives no cell",
            key="stim_fraction",
            fix="raise stim_fraction or set n_patterns = 0",
        )


def random_connectivity(n_cells: int, p_connect: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Erdos-Renyi directed graph without self-loops: ``(pre, post)`` int arrays."""
    mask = rng.random((n_cells, n_cells)) < p_connect
    np.fill_diagonal(mask, False)
    pre, post = np.nonzero(mask)
    return pre, post


def spike_statistics(
    spike_index: np.ndarray,
    spike_time_ms: np.ndarray,
    is_excitatory: np.ndarray,
    duration_ms: float,
    window_ms: float = 100.0,
    min_spikes: int = 5,
) -> dict[str, float]:
    """Rates (Hz), mean CV of ISIs (cells with >= ``min_spikes``), mean Fano factor of counts per window."""
    n_cells = is_excitatory.size
    counts = np.bincount(spike_index, minlength=n_cells)
    rate = counts / (duration_ms / 1000.0)
    order = np.lexsort((spike_time_ms, spike_index))
    idx, times = spike_index[order], spike_time_ms[order]
    cvs = []
    for cell in np.flatnonzero(counts >= min_spikes):
        isi = np.diff(times[idx == cell])
        cvs.append(isi.std() / isi.mean())
    windows = binned_rates(spike_index, spike_time_ms, n_cells, duration_ms, window_ms) * (window_ms / 1000.0)
    active = windows.mean(axis=0) > 0
    fano = windows[:, active].var(axis=0) / windows[:, active].mean(axis=0)
    return {
        "rate_exc_hz": float(rate[is_excitatory].mean()),
        "rate_inh_hz": float(rate[~is_excitatory].mean()),
        "cv_isi": float(np.mean(cvs)) if cvs else float("nan"),
        "fano_factor": float(fano.mean()) if fano.size else float("nan"),
        "fraction_active": float(np.mean(counts > 0)),
    }


def simulate_ei_network(config: EIConfig, seed: int) -> EIResult:
    """Build and run the network once; return activity, weights and metrics.

    Randomness: the wiring, the stimulus patterns and the order of the epochs come from
    ``config.connectivity_seed`` (from ``seed`` if None, as one stream with the rest), the initial voltages and
    the Poisson input from ``seed``."""
    validate_ei(config)
    rng = np.random.default_rng(seed)
    wiring = rng if config.connectivity_seed is None else np.random.default_rng(config.connectivity_seed)
    brian_seed(seed)
    n_cells = config.n_exc + config.n_inh
    is_excitatory = np.arange(n_cells) < config.n_exc
    pre, post = random_connectivity(n_cells, config.p_connect, wiring)
    magnitude = np.where(is_excitatory[pre], config.j_exc_mv, config.g_inh * config.j_exc_mv)

    n_epochs = max(1, int(np.ceil(config.duration_ms / config.epoch_ms)))
    patterns = np.zeros((config.n_patterns, n_cells), dtype=bool)
    n_stim = round(config.stim_fraction * config.n_exc)
    for k in range(config.n_patterns):
        patterns[k, wiring.choice(config.n_exc, size=n_stim, replace=False)] = True
    epoch_label = wiring.integers(0, config.n_patterns, size=n_epochs) if config.n_patterns else np.zeros(n_epochs, int)
    stim = patterns[epoch_label].astype(float) if config.n_patterns else np.zeros((n_epochs, n_cells))
    constants = CellConstants(J_ext_mv=config.j_ext_mv, tau_e_ms=5.0, tau_i_ms=10.0)
    circuit = build_circuit(
        is_excitatory=is_excitatory,
        tau_m_ms=np.where(is_excitatory, config.tau_m_exc_ms, config.tau_m_inh_ms),
        ref_ms=np.where(is_excitatory, 2.0, 1.0),
        pre=pre,
        post=post,
        weight_mv=magnitude,
        delay_ms=config.delay_ms,
        constants=constants,
        namespace={
            "stimulus": TimedArray(stim, dt=config.epoch_ms * ms),
            "nu_bg": config.rate_ext_hz * Hz,
            "nu_stim": config.stim_rate_hz * Hz,
        },
        name="ei",
    )
    circuit.cells.v = (-65 + 15 * rng.random(n_cells)) * mV
    switch = circuit.cells.run_regularly(
        "rate_ext = nu_bg + nu_stim * stimulus(t, i)", dt=config.epoch_ms * ms, when="start", name="ei_stimulus"
    )
    circuit.network.add(switch)
    circuit.network.run(config.duration_ms * ms, namespace={})
    check_finite(circuit, "stages.spiking")

    index, time_ms = circuit.spike_trains()
    rates = binned_rates(index, time_ms, n_cells, config.duration_ms, config.bin_ms)
    bin_epoch = (np.arange(rates.shape[0]) * config.bin_ms / config.epoch_ms).astype(int)
    metrics = spike_statistics(index, time_ms, is_excitatory, config.duration_ms)
    ext_rate = config.rate_ext_hz + config.stim_rate_hz * stim.mean(axis=0)
    metrics["balance_index"] = balance_index(
        pre,
        post,
        magnitude,
        np.bincount(index, minlength=n_cells) / (config.duration_ms / 1000.0),
        is_excitatory,
        ext_input_mv=config.j_ext_mv * ext_rate * constants.tau_e_ms / 1000.0,
        tau_e_ms=constants.tau_e_ms,
        tau_i_ms=constants.tau_i_ms,
    )
    metrics["n_synapses"] = int(pre.size)
    weight = np.where(is_excitatory[pre], magnitude, -magnitude)
    return EIResult(
        config,
        is_excitatory,
        rates,
        epoch_label[bin_epoch].astype(np.int64),
        index,
        time_ms,
        pre,
        post,
        weight,
        patterns,
        metrics,
    )


def balance_index(
    pre: np.ndarray,
    post: np.ndarray,
    magnitude: np.ndarray,
    rate_hz: np.ndarray,
    is_excitatory: np.ndarray,
    ext_input_mv: np.ndarray,
    tau_e_ms: float,
    tau_i_ms: float,
) -> float:
    """Mean over E cells of <I_i> / <I_e>: time-averaged inhibitory over excitatory input (recurrent + external).

    For exponential synapses the time average of a current driven at rate r by jumps w is w r tau, so
    <I_e>_k = sum_{E->k} w r_pre tau_e + ext_input_mv[k] and <I_i>_k = sum_{I->k} w r_pre tau_i.
    """
    n_cells = is_excitatory.size
    drive = magnitude * rate_hz[pre] / 1000.0
    from_exc = is_excitatory[pre]
    exc = np.bincount(post[from_exc], drive[from_exc] * tau_e_ms, minlength=n_cells) + ext_input_mv
    inh = np.bincount(post[~from_exc], drive[~from_exc] * tau_i_ms, minlength=n_cells)
    return float(np.mean(inh[is_excitatory] / exc[is_excitatory]))
