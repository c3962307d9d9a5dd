"""Small E/I motifs as signed graphs and as batched Brian2 circuits: the XOR motif and lateral inhibition / WTA.

XOR motif (topology as published by Marco de Lucas, Pena Fernandez & Lloret Iglesias, arXiv 2406.09940 and
2412.20090; node numbers as in their motif counter). Six cells, eight signed edges::

    1 (input A, E) --+--> 2 (lateral A, E) --+
                     |        ^ (-)          +--> 5 (read-out, E)
                     +--> 6 (hub, I) ---------+
                     |        v (-)          |
    3 (input B, E) --+--> 4 (lateral B, E) --+

    excitatory: 1->2, 1->6, 3->4, 3->6, 2->5, 4->5        inhibitory: 6-|2, 6-|4

An "on" input cell receives Poisson kicks at ``input_rate_hz``. The hub integrates both inputs: one input keeps
it below threshold, two drive it to fire, and its (slower) inhibition then vetoes both laterals, so the read-out
fires only when exactly one input is on. The parameters below are our own (current-based LIF of
:mod:`neuroengram.spiking.model`, tuned for asynchronous Poisson-driven inputs); no third-party code was used.

Lateral inhibition / winner-take-all motif: ``n_channels`` excitatory cells, each with its own input, all exciting
one inhibitory cell that inhibits all of them (feed-back lateral inhibition). The channel with the strongest
input fires first, recruits the shared inhibition and suppresses the others.

Batched trials: :func:`build_copies` puts ``n_copies`` copies of a motif graph in one NeuronGroup (cell
``copy * n_nodes + k`` is node ``k`` of copy ``copy``, its ``trial`` variable is ``copy``) with per-copy weight
jitter; input rates and noise are per-cell state variables, so a whole truth table over many seeds, or a
parameter grid, is one simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from brian2 import Hz, ms
from brian2 import seed as brian_seed
from pydantic import BaseModel, ConfigDict, Field

from neuroengram.errors import ConfigError
from neuroengram.spiking.model import CellConstants, Circuit, build_circuit, check_finite

XOR_CASES: tuple[tuple[int, int], ...] = ((0, 0), (0, 1), (1, 0), (1, 1))
XOR_INPUTS = (1, 3)
XOR_READOUT = 5
XOR_HUB = 6

MOTIF_CONSTANTS = CellConstants(tau_e_ms=5.0, tau_i_ms=10.0, J_ext_mv=2.0, J_noise_mv=2.0)
"""Cell constants of the motifs: E_L = V_reset = -65 mV, V_th = -50 mV, excitatory synapses 5 ms (the hub's
20 ms, NMDA-like, so it integrates rates), inhibitory 10 ms; Poisson input kicks 2 mV; noise kicks +-2 mV on v."""


def _add_cell(
    graph: nx.DiGraph, node: int, role: str, excitatory: bool, tau_m_ms: float, ref_ms: float, tau_e_ms: float = 5.0
) -> None:
    graph.add_node(node, role=role, excitatory=excitatory, tau_m_ms=tau_m_ms, ref_ms=ref_ms, tau_e_ms=tau_e_ms)


def _add_edge(graph: nx.DiGraph, pre: int, post: int, magnitude_mv: float, delay_ms: float) -> None:
    sign = 1 if graph.nodes[pre]["excitatory"] else -1
    graph.add_edge(pre, post, sign=sign, weight=sign * magnitude_mv, delay_ms=delay_ms)


def xor_graph(
    w_input_lateral_mv: float = 60.0,
    w_input_hub_mv: float = 4.5,
    w_hub_lateral_mv: float = 150.0,
    w_lateral_readout_mv: float = 60.0,
    tau_m_hub_ms: float = 6.0,
    tau_e_hub_ms: float = 20.0,
) -> nx.DiGraph:
    """The six-cell XOR motif as a signed DiGraph.

    Nodes 1..6 carry ``role``, ``excitatory`` (bool), ``tau_m_ms`` and ``ref_ms``; edges carry ``sign`` (+1/-1),
    ``weight`` (signed jump in mV) and ``delay_ms``. The hub (6) is inhibitory and fast; all other cells are
    excitatory (Dale's law: the sign of every edge is the type of its source).
    """
    graph = nx.DiGraph(name="xor")
    for node, role in ((1, "input_a"), (2, "lateral_a"), (3, "input_b"), (4, "lateral_b"), (5, "readout")):
        _add_cell(graph, node, role, True, 10.0, 2.0)
    _add_cell(graph, XOR_HUB, "hub", False, tau_m_hub_ms, 1.0, tau_e_hub_ms)
    for source, lateral in ((1, 2), (3, 4)):
        _add_edge(graph, source, lateral, w_input_lateral_mv, 2.0)
        _add_edge(graph, source, XOR_HUB, w_input_hub_mv, 0.5)
        _add_edge(graph, XOR_HUB, lateral, w_hub_lateral_mv, 0.5)
        _add_edge(graph, lateral, XOR_READOUT, w_lateral_readout_mv, 1.0)
    return graph


def wta_graph(n_channels: int = 4, w_exc_inh_mv: float = 80.0, w_inh_exc_mv: float = 200.0) -> nx.DiGraph:
    """Lateral inhibition: excitatory cells ``0..n_channels-1`` all excite inhibitory cell ``n_channels``,
    which inhibits all of them. Same node/edge attributes as :func:`xor_graph`."""
    if n_channels < 2:
        raise ConfigError(f"needs >= 2 channels, got {n_channels}", key="n_channels", fix="use 2 or more channels")
    graph = nx.DiGraph(name="wta")
    for node in range(n_channels):
        _add_cell(graph, node, "channel", True, 10.0, 2.0)
    _add_cell(graph, n_channels, "inhibitory", False, 6.0, 1.0)
    for node in range(n_channels):
        _add_edge(graph, node, n_channels, w_exc_inh_mv, 0.5)
        _add_edge(graph, n_channels, node, w_inh_exc_mv, 0.5)
    return graph


def graph_weights(graph: nx.DiGraph) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(is_excitatory, pre, post, weight)`` of a motif graph, cells in ``sorted(graph.nodes)`` order, signed
    weights in mV (the ``spiking/weights.npz`` layout)."""
    nodes = sorted(graph.nodes)
    position = {node: k for k, node in enumerate(nodes)}
    edges = list(graph.edges(data="weight"))
    return (
        np.array([graph.nodes[n]["excitatory"] for n in nodes], dtype=bool),
        np.array([position[u] for u, _, _ in edges], dtype=np.int64),
        np.array([position[v] for _, v, _ in edges], dtype=np.int64),
        np.array([w for _, _, w in edges], dtype=float),
    )


def build_copies(
    graph: nx.DiGraph,
    n_copies: int,
    *,
    weight_jitter: float | np.ndarray = 0.0,
    rng: np.random.Generator | None = None,
    name: str = "motif",
) -> Circuit:
    """``n_copies`` independent copies of ``graph`` in one NeuronGroup (see the module docstring for indexing).

    Each synapse of copy ``c`` gets its magnitude multiplied by ``max(0, 1 + jitter_c * z)``, z ~ N(0, 1) from
    ``rng`` (jitter never flips a sign); ``weight_jitter`` is a scalar or one value per copy.
    ``Circuit.extra["nodes"]`` lists the graph nodes in cell order.
    """
    if n_copies < 1:
        raise ConfigError(f"needs >= 1 copy, got {n_copies}", key="n_copies", fix="use a positive number")
    nodes = sorted(graph.nodes)
    position = {node: k for k, node in enumerate(nodes)}
    n_nodes = len(nodes)
    edges = list(graph.edges(data=True))
    offset = (np.arange(n_copies) * n_nodes)[:, None]
    pre = (offset + np.array([position[u] for u, _, _ in edges])[None, :]).ravel()
    post = (offset + np.array([position[v] for _, v, _ in edges])[None, :]).ravel()
    magnitude = np.tile([abs(d["weight"]) for _, _, d in edges], (n_copies, 1))
    jitter = np.broadcast_to(np.asarray(weight_jitter, dtype=float), (n_copies,))[:, None]
    if np.any(jitter > 0):
        rng = rng if rng is not None else np.random.default_rng(0)
        magnitude = magnitude * np.maximum(0.0, 1.0 + jitter * rng.standard_normal(magnitude.shape))
    cell = {
        key: np.tile([graph.nodes[n][key] for n in nodes], n_copies)
        for key in ("excitatory", "tau_m_ms", "tau_e_ms", "ref_ms")
    }
    circuit = build_circuit(
        is_excitatory=cell["excitatory"],
        tau_m_ms=cell["tau_m_ms"],
        tau_e_ms=cell["tau_e_ms"],
        ref_ms=cell["ref_ms"],
        pre=pre,
        post=post,
        weight_mv=magnitude.ravel(),
        delay_ms=np.tile([d["delay_ms"] for _, _, d in edges], n_copies),
        constants=MOTIF_CONSTANTS,
        trial=np.repeat(np.arange(n_copies), n_nodes),
        noise=True,
        name=name,
    )
    circuit.extra["nodes"] = nodes
    return circuit


def simulate_copies(
    graph: nx.DiGraph,
    drive_hz: np.ndarray,
    *,
    trial_ms: float,
    settle_ms: float,
    noise_rate_hz: float | np.ndarray,
    weight_jitter: float | np.ndarray = 0.0,
    seed: int = 0,
    name: str = "motif",
) -> np.ndarray:
    """Run one trial per row of ``drive_hz`` (float (n_trials, n_nodes), Poisson kick rate onto each node, in
    the node order ``sorted(graph.nodes)``) as copies in one network; return the rate of every node in
    ``[settle_ms, trial_ms)``, float (n_trials, n_nodes) in Hz. ``noise_rate_hz`` and ``weight_jitter`` are
    scalars or one value per trial; all randomness comes from ``seed``.
    """
    drive_hz = np.asarray(drive_hz, dtype=float)
    n_trials, n_nodes = drive_hz.shape
    if n_nodes != graph.number_of_nodes():
        raise ConfigError(
            f"drive has {n_nodes} columns for a {graph.number_of_nodes()}-node motif",
            key="drive_hz",
            fix="pass one column per node",
        )
    if np.any(drive_hz < 0) or np.any(np.asarray(noise_rate_hz) < 0):
        raise ConfigError("input and noise rates must be >= 0", key="input_rate_hz", fix="use non-negative rates")
    if settle_ms >= trial_ms:
        raise ConfigError(
            f"settle_ms ({settle_ms}) leaves no time of the {trial_ms} ms trial to count",
            key="settle_ms",
            fix="make settle_ms shorter than trial_ms",
        )
    rng = np.random.default_rng(seed)
    brian_seed(seed)
    circuit = build_copies(graph, n_trials, weight_jitter=weight_jitter, rng=rng, name=name)
    circuit.cells.rate_ext = drive_hz.ravel() * Hz
    circuit.cells.rate_noise = np.repeat(np.broadcast_to(noise_rate_hz, (n_trials,)), n_nodes) * Hz
    circuit.network.run(trial_ms * ms, namespace={})
    check_finite(circuit, name)
    index, time_ms = circuit.spike_trains()
    late = time_ms >= settle_ms
    counts = np.bincount(index[late], minlength=n_trials * n_nodes).reshape(n_trials, n_nodes)
    return counts / ((trial_ms - settle_ms) / 1000.0)


class XORConfig(BaseModel):
    """Inputs, noise and decision rule of XOR trials (also fields of the spiking stage's ``Params``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_rate_hz: float = Field(3000.0, ge=0, le=50000, description="Poisson kick rate onto an 'on' input cell")
    noise_rate_hz: float = Field(
        200.0, ge=0, le=50000, description="rate of +-2 mV membrane noise kicks (each sign) onto every cell"
    )
    weight_jitter: float = Field(0.0, ge=0, le=2, description="relative s.d. of the weights per trial copy")
    trial_ms: float = Field(200.0, ge=10, le=10000, description="duration of one XOR trial")
    settle_ms: float = Field(60.0, ge=0, le=10000, description="rates are counted from settle_ms to the trial end")
    readout_threshold_hz: float = Field(
        20.0, gt=0, le=1000, description="decision rule: read-out 'on' iff its rate after settle_ms >= this"
    )
    n_seeds: int = Field(20, ge=1, le=10000, description="independent noisy trials per input case")


@dataclass
class XORTrials:
    """Result of :func:`run_xor_trials`: one row per trial.

    ``cases`` int (n_trials, 2) input bits; ``expected`` bool (n_trials,); ``rates_hz`` float (n_trials, 6)
    rate of nodes 1..6 in Hz; ``predicted`` bool (n_trials,), the decision from the read-out rate.
    """

    cases: np.ndarray
    expected: np.ndarray
    rates_hz: np.ndarray
    predicted: np.ndarray

    @property
    def readout_hz(self) -> np.ndarray:
        return self.rates_hz[:, XOR_READOUT - 1]

    @property
    def correct(self) -> np.ndarray:
        return self.predicted == self.expected

    def accuracy_per_case(self) -> dict[str, float]:
        """Fraction of correct trials for each input case present, keyed ``"00"``, ``"01"``, ``"10"``, ``"11"``."""
        out = {}
        for a, b in XOR_CASES:
            rows = (self.cases[:, 0] == a) & (self.cases[:, 1] == b)
            if rows.any():
                out[f"{a}{b}"] = float(self.correct[rows].mean())
        return out


def run_xor_trials(
    cases: np.ndarray,
    config: XORConfig,
    seed: int,
    graph: nx.DiGraph | None = None,
    input_rate_hz: float | np.ndarray | None = None,
    noise_rate_hz: float | np.ndarray | None = None,
    weight_jitter: float | np.ndarray | None = None,
) -> XORTrials:
    """Simulate one XOR trial per row of ``cases`` (int (n_trials, 2) of 0/1), all as copies in one network.

    ``input_rate_hz``, ``noise_rate_hz`` and ``weight_jitter`` (scalars or (n_trials,)) override the config per
    trial, so a parameter grid is one simulation. Decision rule: the read-out is "on" iff its spike count in
    ``[settle_ms, trial_ms)`` divided by ``trial_ms - settle_ms`` is >= ``readout_threshold_hz`` (the hub needs
    a few tens of ms to integrate two inputs, during which the laterals are not yet vetoed).
    """
    cases = np.asarray(cases)
    if cases.ndim != 2 or cases.shape[1] != 2 or not np.isin(cases, (0, 1)).all():
        raise ConfigError("input cases must be an (n_trials, 2) array of 0/1", key="cases", fix="pass binary pairs")
    cases = cases.astype(np.int64)
    graph = graph if graph is not None else xor_graph()
    nodes = sorted(graph.nodes)
    rate = np.broadcast_to(config.input_rate_hz if input_rate_hz is None else input_rate_hz, (cases.shape[0],))
    drive = np.zeros((cases.shape[0], len(nodes)))
    for column, node in enumerate(XOR_INPUTS):
        drive[:, nodes.index(node)] = cases[:, column] * rate
    rates = simulate_copies(
        graph,
        drive,
        trial_ms=config.trial_ms,
        settle_ms=config.settle_ms,
        noise_rate_hz=config.noise_rate_hz if noise_rate_hz is None else noise_rate_hz,
        weight_jitter=config.weight_jitter if weight_jitter is None else weight_jitter,
        seed=seed,
        name="xor",
    )
    return XORTrials(
        cases=cases,
        expected=cases[:, 0] != cases[:, 1],
        rates_hz=rates,
        predicted=rates[:, nodes.index(XOR_READOUT)] >= config.readout_threshold_hz,
    )


def truth_table_cases(n_seeds: int) -> np.ndarray:
    """The four XOR cases, each repeated ``n_seeds`` times: int (4 * n_seeds, 2)."""
    return np.repeat(np.array(XOR_CASES), n_seeds, axis=0)


def run_wta_trials(
    input_rate_hz: np.ndarray,
    *,
    trial_ms: float = 200.0,
    settle_ms: float = 50.0,
    noise_rate_hz: float = 200.0,
    graph: nx.DiGraph | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Drive channel ``k`` of the lateral-inhibition motif at ``input_rate_hz[:, k]`` (float (n_trials,
    n_channels), Hz); return the rates of all nodes (channels then the inhibitory cell), (n_trials, n_channels+1).
    """
    input_rate_hz = np.asarray(input_rate_hz, dtype=float)
    graph = graph if graph is not None else wta_graph(input_rate_hz.shape[1])
    drive = np.concatenate([input_rate_hz, np.zeros((input_rate_hz.shape[0], 1))], axis=1)
    return simulate_copies(
        graph, drive, trial_ms=trial_ms, settle_ms=settle_ms, noise_rate_hz=noise_rate_hz, seed=seed, name="wta"
    )


def xor_index(trials: XORTrials) -> float:
    """``(min(R10, R01) - R11) / min(R10, R01)`` from mean read-out rates (EmergingXOR README's metric; 1 is
    a perfect XOR, 0 an OR, negative an AND-like response); NaN if the single-input cases are silent."""
    mean = {}
    for a, b in XOR_CASES[1:]:
        mean[(a, b)] = trials.readout_hz[(trials.cases[:, 0] == a) & (trials.cases[:, 1] == b)].mean()
    single = min(mean[(0, 1)], mean[(1, 0)])
    return float((single - mean[(1, 1)]) / single) if single > 0 else float("nan")


def fully_correct_fraction(trials: XORTrials, n_seeds: int) -> float:
    """Fraction of seeds whose four cases are all classified correctly (trials laid out as
    :func:`truth_table_cases`: case-major, seed-minor)."""
    return float(trials.correct.reshape(len(XOR_CASES), n_seeds).all(axis=0).mean())


@dataclass
class RobustnessGrid:
    """XOR accuracy over a grid: ``accuracy`` float (n_jitter, n_input, n_noise) is the fraction of correct
    trials over the four cases and all seeds; ``accuracy_per_case`` float (4, n_jitter, n_input, n_noise)."""

    input_rates_hz: np.ndarray
    noise_rates_hz: np.ndarray
    weight_jitters: np.ndarray
    accuracy: np.ndarray
    accuracy_per_case: np.ndarray


def xor_robustness(
    config: XORConfig,
    input_rates_hz: tuple[float, ...],
    noise_rates_hz: tuple[float, ...],
    weight_jitters: tuple[float, ...],
    seed: int,
) -> RobustnessGrid:
    """Truth tables (``config.n_seeds`` trials per case) at every (jitter, input rate, noise) point, all in a
    single Brian2 network of ``4 * n_seeds * n_points`` motif copies."""
    grid = np.array(np.meshgrid(weight_jitters, input_rates_hz, noise_rates_hz, indexing="ij")).reshape(3, -1)
    n_points = grid.shape[1]
    cases = np.tile(truth_table_cases(config.n_seeds), (n_points, 1))
    per_trial = np.repeat(grid, len(XOR_CASES) * config.n_seeds, axis=1)
    trials = run_xor_trials(
        cases, config, seed, weight_jitter=per_trial[0], input_rate_hz=per_trial[1], noise_rate_hz=per_trial[2]
    )
    shape = (len(weight_jitters), len(input_rates_hz), len(noise_rates_hz))
    correct = trials.correct.reshape(*shape, len(XOR_CASES), config.n_seeds)
    return RobustnessGrid(
        input_rates_hz=np.asarray(input_rates_hz, dtype=float),
        noise_rates_hz=np.asarray(noise_rates_hz, dtype=float),
        weight_jitters=np.asarray(weight_jitters, dtype=float),
        accuracy=correct.mean(axis=(-2, -1)),
        accuracy_per_case=np.moveaxis(correct.mean(axis=-1), -1, 0),
    )
