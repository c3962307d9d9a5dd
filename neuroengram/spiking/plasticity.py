"""The XOR motif as a homeostatic error gating a three-factor plasticity rule.

Task: learn to predict ``learn_channels`` target bits for each of ``learn_patterns`` cue patterns. Circuit
(current-based LIF of :mod:`neuroengram.spiking.model`, Dale's law), one XOR motif
(:func:`~neuroengram.spiking.motifs.xor_graph`) per channel ``k``::

    X_k = node 1 (the external signal): Poisson-driven at ``input_rate_hz`` when the target bit is 1
    P_k = node 3 (the internal prediction): driven only by the cue pool through plastic synapses w_jk >= 0,
          with a constant hyperpolarising input ``learn_bias_mv`` (its threshold)
    read-out 5 of motif k: the error, on iff exactly one of X_k, P_k is active
    cue pool: ``learn_cue_cells`` excitatory cells; pattern q drives a fixed random half of them (Poisson, input rate)

Every trial is one copy of the circuit, all copies in one Brian2 network (the weights w_jk are shared: the
same values in every copy, updated with the mean over the trials of a pattern, summed over patterns). One epoch =
``learn_trials_per_pattern`` noisy trials of ``trial_ms`` per pattern.

Learning rule (our own formulation from the three-factor / neoHebbian literature: Fremaux & Gerstner 2016, Front.
Neural Circuits 9:85; contrastive Hebbian eligibilities: Movellan 1991, O'Reilly 1996). Rates are spike counts
in ``[settle_ms, trial_ms)`` divided by the window and by ``r_ref`` = 100 Hz (c_j: cue cell j, x_k: X_k, p_k:
P_k)::

    eligibility   e_jk = c_j x_k - c_j p_k        (pre x post with the channel cell X_k as post, minus pre x post
                                                  with the prediction cell P_k as post)
    third factor  M_k  = 1 if the read-out of motif k is on (rate >= readout_threshold_hz), else 0
    update        w_jk <- clip(w_jk + eta * sum_trials M_k e_jk / learn_trials_per_pattern, 0, w_max)   every epoch

A synapse changes only while its channel's XOR motif reports a mismatch, so learning stops by itself when the
comparators fall silent: the homeostatic set point. The error is unsigned (the published six-cell topology, no
signed error cells); the direction of a change comes from the two Hebbian eligibilities. The XOR vetoes a
mismatch only around its operating point (inputs near 100 Hz), so the prediction cells are kept from running
away by a small ``learn_rate_mv`` and the bound ``learn_w_max_mv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from brian2 import Hz, ms, mV
from brian2 import seed as brian_seed
from pydantic import BaseModel, ConfigDict, Field

from neuroengram.errors import ConfigError, DataError
from neuroengram.spiking.model import build_circuit, check_finite
from neuroengram.spiking.motifs import MOTIF_CONSTANTS, XOR_READOUT, XORConfig, graph_weights, xor_graph

R_REF_HZ = 100.0


class LearningConfig(BaseModel):
    """Parameters of XOR-gated learning (also fields of the spiking stage's ``Params``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    learn_patterns: int = Field(8, ge=1, le=256, description="learning: cue patterns to associate with target bits")
    learn_channels: int = Field(4, ge=1, le=64, description="learning: target bits per pattern, one XOR motif each")
    learn_cue_cells: int = Field(80, ge=2, le=2000, description="learning: cue cells; each pattern drives half of them")
    learn_epochs: int = Field(
        25, ge=0, le=1000, description="learning: epochs (learn_trials_per_pattern trials per pattern each)"
    )
    learn_trials_per_pattern: int = Field(3, ge=1, le=100, description="learning: noisy trials per pattern and epoch")
    learn_rate_mv: float = Field(0.3, ge=0, le=100, description="learning: eta of the three-factor rule (mV)")
    learn_w_max_mv: float = Field(6.0, gt=0, le=100, description="learning: upper bound of the plastic weights (mV)")
    learn_w_init_mv: float = Field(
        0.5, ge=0, le=100, description="learning: initial weights uniform in [0, learn_w_init_mv]"
    )
    learn_bias_mv: float = Field(
        -12.0, ge=-50, le=0, description="learning: constant hyperpolarising input to the prediction cells (threshold)"
    )


@dataclass
class LearningResult:
    """Outcome of :func:`learn_with_xor_error`.

    ``targets`` bool (n_patterns, n_channels); ``cue`` bool (n_patterns, n_cue). Per evaluation (before every
    epoch's update, and once after the last): ``error_rate`` float (epochs + 1,), the fraction of (trial,
    channel) with the XOR read-out on; ``prediction_accuracy`` float (epochs + 1,), the fraction of bits
    predicted right (P_k predicts 1 iff its rate >= r_ref / 2 = 50 Hz); ``weight_mean_mv`` float (epochs + 1,);
    ``weights_mv`` float (epochs + 1, n_cue, n_channels). ``rates_hz`` float (n_trials, n_cells): rates of the
    last evaluation, one row per trial (trials of pattern q in consecutive rows), cells of one copy;
    ``is_excitatory``, ``pre``, ``post``, ``weight``: one copy's cells and signed synapses (mV).
    """

    targets: np.ndarray
    cue: np.ndarray
    error_rate: np.ndarray
    prediction_accuracy: np.ndarray
    weight_mean_mv: np.ndarray
    weights_mv: np.ndarray
    rates_hz: np.ndarray
    is_excitatory: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    weight: np.ndarray


def _copy_structure(n_channels: int, n_cue: int) -> tuple[np.ndarray, np.ndarray]:
    """One copy's layout: XOR motif k in cells 6k..6k+5 (nodes 1..6), then the cue pool.

    Returns ``cells`` float (4, n_cells): excitatory flag, tau_m_ms, tau_e_ms, ref_ms per cell, and ``synapses``
    float (4, n_syn): pre, post, magnitude (mV), delay_ms of the fixed motif synapses.
    """
    graph = xor_graph()
    _, pre, post, weight = graph_weights(graph)
    nodes = sorted(graph.nodes)
    attrs = np.array([[graph.nodes[n][a] for n in nodes] for a in ("excitatory", "tau_m_ms", "tau_e_ms", "ref_ms")])
    delay = np.array([graph.edges[nodes[u], nodes[v]]["delay_ms"] for u, v in zip(pre, post, strict=True)])
    cue_cells = np.array([[1.0], [10.0], [MOTIF_CONSTANTS.tau_e_ms], [2.0]]).repeat(n_cue, axis=1)
    cells = np.concatenate([np.tile(attrs.astype(float), n_channels), cue_cells], axis=1)
    offset = (6 * np.arange(n_channels))[:, None]
    magnitude, delays = np.tile(np.abs(weight), n_channels), np.tile(delay, n_channels)
    return cells, np.stack([(offset + pre).ravel(), (offset + post).ravel(), magnitude, delays])


def _evaluate(
    weights: np.ndarray, targets: np.ndarray, cue: np.ndarray, config: XORConfig, bias_mv: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """One trial per row of ``targets``/``cue``, all as copies: rates (n_trials, n_cells) in Hz after
    ``settle_ms``, and the signed synapses of copy 0 as a (3, n_syn) array (pre, post, weight in mV)."""
    n_patterns, n_channels = targets.shape
    n_cue = cue.shape[1]
    cells, fixed = _copy_structure(n_channels, n_cue)
    is_exc, tau_m, tau_e, ref = cells[0].astype(bool), cells[1], cells[2], cells[3]
    n = is_exc.size
    cue_cells = 6 * n_channels + np.arange(n_cue)
    p_cells = 6 * np.arange(n_channels) + 2
    plastic = np.stack(
        [
            np.repeat(cue_cells, n_channels),
            np.tile(p_cells, n_cue),
            weights.ravel(),
            np.ones(weights.size),
        ]
    )
    synapses = np.concatenate([fixed, plastic], axis=1)
    offset = np.arange(n_patterns)[:, None] * n
    drive = np.zeros((n_patterns, n))
    drive[:, 6 * np.arange(n_channels)] = targets * config.input_rate_hz
    drive[:, cue_cells] = cue * config.input_rate_hz
    brian_seed(seed)
    circuit = build_circuit(
        is_excitatory=np.tile(is_exc, n_patterns),
        tau_m_ms=np.tile(tau_m, n_patterns),
        tau_e_ms=np.tile(tau_e, n_patterns),
        ref_ms=np.tile(ref, n_patterns),
        pre=(offset + synapses[0]).ravel().astype(np.int64),
        post=(offset + synapses[1]).ravel().astype(np.int64),
        weight_mv=np.tile(synapses[2], n_patterns),
        delay_ms=np.tile(synapses[3], n_patterns),
        constants=MOTIF_CONSTANTS,
        trial=np.repeat(np.arange(n_patterns), n),
        noise=True,
        name="learning",
    )
    circuit.cells.rate_ext = drive.ravel() * Hz
    circuit.cells.rate_noise = config.noise_rate_hz * Hz
    circuit.cells.I_ext = np.tile(np.isin(np.arange(n), p_cells) * bias_mv, n_patterns) * mV
    circuit.network.run(config.trial_ms * ms, namespace={})
    check_finite(circuit, "stages.spiking")
    index, time_ms = circuit.spike_trains()
    late = time_ms >= config.settle_ms
    counts = np.bincount(index[late], minlength=n_patterns * n).reshape(n_patterns, n)
    pre, post, weight = circuit.signed_weights()
    copy0 = pre < n
    signed = np.stack([pre[copy0], post[copy0], weight[copy0]])
    return counts / ((config.trial_ms - config.settle_ms) / 1000.0), signed


def check_targets(targets: np.ndarray) -> np.ndarray:
    """``targets`` as bool (n_patterns, n_channels); :class:`DataError` unless it is a binary 2-D array."""
    targets = np.asarray(targets)
    if targets.ndim != 2 or targets.size == 0:
        raise DataError(f"targets must be (n_patterns, n_channels), got shape {targets.shape}", key="targets")
    if not np.isin(targets, (0, 1)).all():
        raise DataError("targets must be binary (0/1)", key="targets", fix="binarise the target bits")
    return targets.astype(bool)


def learn_with_xor_error(
    config: LearningConfig,
    xor: XORConfig,
    seed: int,
    targets: np.ndarray | None = None,
    progress=lambda iterable, desc, total: iterable,
) -> LearningResult:
    """Learn the targets (random balanced bits from ``seed`` if None) with the XOR-gated three-factor rule."""
    if xor.settle_ms >= xor.trial_ms:
        raise ConfigError("settle_ms must be shorter than trial_ms", key="settle_ms", fix="shorten settle_ms")
    rng = np.random.default_rng(seed)
    if targets is None:
        targets = rng.random((config.learn_patterns, config.learn_channels)) < 0.5
    targets = check_targets(targets)
    n_patterns, n_channels = targets.shape
    cue = np.zeros((n_patterns, config.learn_cue_cells), dtype=bool)
    for q in range(n_patterns):
        cue[q, rng.choice(config.learn_cue_cells, size=config.learn_cue_cells // 2, replace=False)] = True
    weights = rng.uniform(0.0, config.learn_w_init_mv, (config.learn_cue_cells, n_channels))
    history, errors, accuracy = [], [], []
    cue_cells = 6 * n_channels + np.arange(config.learn_cue_cells)
    x_cells, p_cells = 6 * np.arange(n_channels), 6 * np.arange(n_channels) + 2
    readout = 6 * np.arange(n_channels) + XOR_READOUT - 1
    trial_targets = np.repeat(targets, config.learn_trials_per_pattern, axis=0)
    trial_cue = np.repeat(cue, config.learn_trials_per_pattern, axis=0)
    for epoch in progress(range(config.learn_epochs + 1), "XOR-gated learning", config.learn_epochs + 1):
        rates, signed = _evaluate(
            weights, trial_targets, trial_cue, xor, config.learn_bias_mv, int(rng.integers(2**31))
        )
        gate = rates[:, readout] >= xor.readout_threshold_hz
        history.append(weights.copy())
        errors.append(gate.mean())
        accuracy.append(((rates[:, p_cells] >= R_REF_HZ / 2) == trial_targets).mean())
        if epoch == config.learn_epochs:
            break
        c, x, p = (rates[:, cells] / R_REF_HZ for cells in (cue_cells, x_cells, p_cells))
        delta = np.einsum("qj,qk->jk", c, gate * (x - p)) / config.learn_trials_per_pattern
        weights = np.clip(weights + config.learn_rate_mv * delta, 0.0, config.learn_w_max_mv)
    weights_mv = np.array(history)
    is_exc = _copy_structure(n_channels, config.learn_cue_cells)[0][0].astype(bool)
    return LearningResult(
        targets=targets,
        cue=cue,
        error_rate=np.array(errors),
        prediction_accuracy=np.array(accuracy),
        weight_mean_mv=weights_mv.mean(axis=(1, 2)),
        weights_mv=weights_mv,
        rates_hz=rates,
        is_excitatory=is_exc,
        pre=signed[0].astype(np.int64),
        post=signed[1].astype(np.int64),
        weight=signed[2],
    )
