"""A connectome-constrained spiking network in Brian2: worm wiring, signed chemical synapses, gap junctions.

Every neuron of the graph is a leaky integrate-and-fire cell (voltages in volt; currents as current times
membrane resistance)::

    tau_m dv/dt   = E_L - v + I_syn + I_gap + I_stim(t, i) + sigma sqrt(2 tau_m) xi     (v > V_th -> v = V_reset)
    tau_s dI_syn/dt = -I_syn
    I_gap_i = sum_j g_gap c_ij (v_j - v_i)                   (electrical coupling, c_ij gap-junction contacts)

A spike of neuron j adds ``w_ij = s_ij j_chem n_ij / <n>`` (times ``g_inh`` if ``s_ij = -1``) to ``I_syn`` of neuron
i after ``delay``, where ``n_ij`` is the synapse count of the chemical connection, ``<n>`` its mean over all
connections, and ``s_ij`` its sign (Fenyves et al.
2020 polarity or the presynaptic transmitter rule; connections of unknown sign fall back to the transmitter rule,
then are left out). Gap junctions are symmetric ohmic couplings (Brian2 summed variable). The network is driven
through its sensory neurons: time is cut into epochs; in each epoch one of ``n_patterns`` stimulus patterns (a random
half of the sensory neurons) gets a constant input ``I_stim = drive`` and the rest none; the pattern index per time
bin is saved as ``labels``.

Integration: Euler-Maruyama (``method="euler"``), ``dt`` = 0.2 ms by default. C. elegans neurons are mostly graded,
not spiking; this model asks what the wiring alone does to spiking activity (as in Varshney et al. 2011's linear
dynamics, here with spikes), not what the worm's neurons do.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from neuroengram.errors import ConfigError, StageError


@dataclass(frozen=True)
class SimConfig:
    """Parameters of :func:`simulate_connectome` (ms, mV, Hz)."""

    duration_ms: float = 1000.0
    bin_ms: float = 20.0
    epoch_ms: float = 100.0
    n_patterns: int = 4
    drive_mv: float = 20.0
    j_chem_mv: float = 6.0
    g_inh: float = 4.0
    g_gap: float = 0.05
    noise_mv: float = 2.0
    tau_m_ms: float = 10.0
    tau_syn_ms: float = 5.0
    delay_ms: float = 1.0
    dt_ms: float = 0.2
    codegen_target: str = "numpy"


@dataclass
class SimResult:
    """Output of :func:`simulate_connectome`.

    ``rates`` (n_bins, n_neurons) Hz and ``labels`` (n_bins,) stimulus pattern per bin, ``epochs`` (n_bins,) epoch
    index per bin, ``v_mean_mv`` (n_neurons,) time-averaged membrane potential; columns in ``neurons`` order.
    """

    neurons: list[str]
    rates: np.ndarray
    labels: np.ndarray
    is_excitatory: np.ndarray
    is_sensory: np.ndarray
    patterns: np.ndarray
    spike_index: np.ndarray
    spike_time_ms: np.ndarray
    epochs: np.ndarray
    v_mean_mv: np.ndarray
    n_chemical: int
    n_gap: int


def chemical_weights(
    graph: nx.DiGraph, j_chem_mv: float, g_inh: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre, post, weight in mV) of the signed chemical edges; sign-0 edges and self-loops are left out.

    ``weight = sign * j_chem_mv * n / mean(n)`` (times ``g_inh`` if inhibitory), with ``n`` the synapse count of the
    edge and ``mean(n)`` its mean over the kept edges, so ``j_chem_mv`` is the kick of a connection of average
    strength whatever the dataset's unit (synapse counts in Varshney 2011, EM-section counts in Cook 2019).
    """
    index = {n: k for k, n in enumerate(graph)}
    rows = [
        (index[u], index[v], d["sign"], d["weight"]) for u, v, d in graph.edges(data=True) if d["sign"] != 0 and u != v
    ]
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    pre, post, sign, count = (np.array(c) for c in zip(*rows, strict=True))
    weight = sign * j_chem_mv * count / count.mean() * np.where(sign < 0, g_inh, 1.0)
    return pre.astype(np.int64), post.astype(np.int64), weight.astype(float)


def fill_unknown_signs(graph: nx.DiGraph, fallback: nx.DiGraph) -> int:
    """Give edges of sign 0 in ``graph`` the sign of the same edge in ``fallback`` (in place); return how many."""
    filled = 0
    for u, v, data in graph.edges(data=True):
        if data["sign"] == 0 and fallback.has_edge(u, v) and fallback[u][v]["sign"] != 0:
            data["sign"] = fallback[u][v]["sign"]
            filled += 1
    return filled


def decoding_accuracy(rates: np.ndarray, labels: np.ndarray, groups: np.ndarray, seed: int) -> float:
    """Cross-validated accuracy of decoding ``labels`` from ``rates`` (logistic regression, folds by ``groups``).

    Bins of one stimulus epoch share a group, so no epoch is split between training and testing. NaN if fewer
    than two classes or groups.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    n_groups = np.unique(groups).size
    if np.unique(labels).size < 2 or n_groups < 2 or rates.shape[1] == 0:
        return float("nan")
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000, random_state=seed))
    return float(cross_val_score(model, rates, labels, groups=groups, cv=GroupKFold(min(5, n_groups))).mean())


def simulate_connectome(chemical: nx.DiGraph, gap: nx.DiGraph | None, config: SimConfig, seed: int) -> SimResult:
    """Simulate the network of ``chemical`` (edge attrs ``weight``, ``sign``) plus ``gap`` coupling (same nodes).

    ``chemical`` must carry node attribute ``cell_class`` (sensory neurons receive the stimulus). All randomness
    (patterns, their order, initial voltages, noise) comes from ``seed``.
    """
    from brian2 import (
        Network,
        NeuronGroup,
        SpikeMonitor,
        StateMonitor,
        Synapses,
        TimedArray,
        defaultclock,
        ms,
        mV,
        prefs,
    )
    from brian2 import seed as brian_seed

    if config.codegen_target not in ("numpy", "cython"):
        raise ConfigError(
            f"unknown codegen target {config.codegen_target!r}", key="sim_codegen_target", fix="use 'numpy' or 'cython'"
        )
    prefs.codegen.target = config.codegen_target
    neurons = list(chemical)
    n = len(neurons)
    is_sensory = np.array([chemical.nodes[v].get("cell_class") == "sensory" for v in neurons])
    if not is_sensory.any():
        raise ConfigError(
            "the graph has no sensory neuron to drive",
            key="simulate",
            fix="simulate a worm dataset (its nodes carry cell_class)",
        )
    rng = np.random.default_rng(seed)
    brian_seed(seed)
    defaultclock.dt = config.dt_ms * ms

    n_epochs = max(1, int(np.ceil(config.duration_ms / config.epoch_ms)))
    sensory = np.flatnonzero(is_sensory)
    patterns = np.zeros((config.n_patterns, n), dtype=bool)
    for k in range(config.n_patterns):
        patterns[k, rng.choice(sensory, size=max(1, sensory.size // 2), replace=False)] = True
    epoch_label = rng.integers(0, config.n_patterns, size=n_epochs)
    stimulus = TimedArray(patterns[epoch_label].astype(float) * config.drive_mv * mV, dt=config.epoch_ms * ms)

    cells = NeuronGroup(
        n,
        """dv/dt = (E_L - v + I_syn + I_gap + stimulus(t, i)) / tau_m + sigma * sqrt(2 / tau_m) * xi
               : volt (unless refractory)
        dI_syn/dt = -I_syn / tau_s : volt
        I_gap : volt""",
        threshold="v > V_th",
        reset="v = V_reset",
        refractory=2 * ms,
        method="euler",
        namespace={
            "E_L": -65 * mV,
            "V_th": -50 * mV,
            "V_reset": -65 * mV,
            "tau_m": config.tau_m_ms * ms,
            "tau_s": config.tau_syn_ms * ms,
            "sigma": config.noise_mv * mV,
            "stimulus": stimulus,
        },
        name="worm_cells",
    )
    cells.v = (-65 + 10 * rng.random(n)) * mV
    objects = [cells]
    pre, post, weight = chemical_weights(chemical, config.j_chem_mv, config.g_inh)
    if pre.size:
        chem = Synapses(
            cells,
            cells,
            "w : volt (constant)",
            on_pre="I_syn_post += w",
            delay=config.delay_ms * ms,
            name="worm_chemical",
        )
        chem.connect(i=pre, j=post)
        chem.w = weight * mV
        objects.append(chem)
    n_gap = 0
    if gap is not None and gap.number_of_edges():
        index = {v: k for k, v in enumerate(neurons)}
        pairs = [(index[u], index[v], d["weight"]) for u, v, d in gap.edges(data=True) if u != v]
        gi, gj, contacts = (np.array(c) for c in zip(*pairs, strict=True))
        electrical = Synapses(
            cells,
            cells,
            """g : 1 (constant)
                              I_gap_post = g * (v_pre - v_post) : volt (summed)""",
            name="worm_gap",
        )
        electrical.connect(i=gi, j=gj)
        electrical.g = config.g_gap * contacts
        objects.append(electrical)
        n_gap = len(pairs) // 2
    spikes = SpikeMonitor(cells, name="worm_spikes")
    voltage = StateMonitor(cells, "v", record=True, dt=1 * ms, name="worm_voltage")
    network = Network(*objects, spikes, voltage)
    network.run(config.duration_ms * ms)
    if not np.all(np.isfinite(cells.v[:])):
        raise StageError(
            "the connectome simulation diverged (non-finite voltages)",
            key="stages.connectome",
            fix="lower sim_g_gap or sim_j_chem_mv",
        )

    index = np.asarray(spikes.i[:], dtype=np.int64)
    time_ms = np.asarray(spikes.t[:] / ms)
    n_bins = int(np.ceil(config.duration_ms / config.bin_ms))
    counts = np.zeros((n_bins, n))
    np.add.at(counts, (np.minimum((time_ms // config.bin_ms).astype(int), n_bins - 1), index), 1)
    rates = counts / (config.bin_ms / 1000.0)
    bin_epoch = np.minimum((np.arange(n_bins) * config.bin_ms // config.epoch_ms).astype(int), n_epochs - 1)
    out_sign = np.zeros(n)
    np.add.at(out_sign, pre, np.sign(weight))
    return SimResult(
        neurons,
        rates,
        epoch_label[bin_epoch].astype(np.int64),
        out_sign >= 0,
        is_sensory,
        patterns,
        index,
        time_ms,
        bin_epoch,
        np.asarray(voltage.v / mV).mean(axis=1),
        int(pre.size),
        n_gap,
    )
