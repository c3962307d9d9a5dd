"""Bridge between Brian2 spiking networks and the PyTorch rate mirror: weights both ways, spikes to rates.

Weights: a spiking network's synapses ``(pre, post, weight)`` (the ``spiking/weights.npz`` format: signed, negative
for inhibitory presynaptic cells, mV) become the recurrent matrix ``W[post, pre] = scale · Σ weight`` of an
:class:`~neuroengram.mirror.autoencoder.EIRateRNN` whose unit ``i`` is neuron ``i`` (same order) with the sign of
its type (``is_excitatory``), so Dale's law carries over exactly; :func:`synapses_from_rate_network` maps back
(non-zero entries, sorted by ``(pre, post)``), so a mirror trained in PyTorch can be loaded into a Brian2
``Synapses`` object (magnitudes ``|weight|``, one object per presynaptic type).

Rates (filtered spike counts): ``r_i(t) = Σ_k κ(t - t_i^k)`` with the causal exponential kernel
``κ(s) = exp(-s / τ) / τ`` for ``s >= 0`` (integral 1, so ``r`` is in spikes per second), sampled at the end of
every bin.
"""

from __future__ import annotations

import numpy as np
import torch

from neuroengram.errors import DataError
from neuroengram.mirror.autoencoder import EIRateRNN


def _check_synapses(pre: np.ndarray, post: np.ndarray, weight: np.ndarray, is_excitatory: np.ndarray) -> None:
    n = len(is_excitatory)
    if not (pre.shape == post.shape == weight.shape) or pre.ndim != 1:
        raise DataError(
            f"pre, post and weight must be 1-D arrays of one length, got shapes {pre.shape}, {post.shape}, "
            f"{weight.shape}",
            key="weights",
        )
    if pre.size and (min(pre.min(), post.min()) < 0 or max(pre.max(), post.max()) >= n):
        raise DataError(f"neuron indices must lie in [0, {n})", key="weights", fix="pass is_excitatory for all cells")
    wrong = np.flatnonzero(np.where(is_excitatory[pre], weight < 0, weight > 0))
    if wrong.size:
        k = wrong[0]
        raise DataError(
            f"{wrong.size} synapses break Dale's law, e.g. {pre[k]} -> {post[k]} has weight {weight[k]:g} but "
            f"neuron {pre[k]} is {'excitatory' if is_excitatory[pre[k]] else 'inhibitory'}",
            key="weights",
            fix="give inhibitory synapses negative weights and excitatory ones non-negative weights",
        )


def rate_network_from_synapses(
    pre: np.ndarray,
    post: np.ndarray,
    weight: np.ndarray,
    is_excitatory: np.ndarray,
    n_inputs: int = 1,
    leak: float = 0.5,
    scale: float = 1.0,
) -> EIRateRNN:
    """An :class:`EIRateRNN`: neuron ``i`` is unit ``i``; recurrent weights ``scale · weight`` (summed per pair)."""
    pre, post = np.asarray(pre, dtype=np.int64), np.asarray(post, dtype=np.int64)
    weight, is_excitatory = np.asarray(weight, dtype=float), np.asarray(is_excitatory, dtype=bool)
    _check_synapses(pre, post, weight, is_excitatory)
    n = len(is_excitatory)
    dense = np.zeros((n, n))
    np.add.at(dense, (post, pre), scale * weight)
    network = EIRateRNN(n_inputs, n, leak=leak, signs=torch.from_numpy(np.where(is_excitatory, 1.0, -1.0)))
    with torch.no_grad():
        network.recurrent.weight = torch.from_numpy(dense).float()
    return network


def synapses_from_rate_network(
    network: EIRateRNN, scale: float = 1.0, threshold: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(pre, post, weight, is_excitatory)`` of the entries with ``|W| > threshold``, weights divided by ``scale``."""
    with torch.no_grad():
        dense = network.recurrent.weight.double().numpy() / scale
    post, pre = np.nonzero(np.abs(dense) > threshold)
    order = np.lexsort((post, pre))
    pre, post = pre[order], post[order]
    return pre, post, dense[post, pre], network.signs.numpy() > 0


def filtered_rates(
    index: np.ndarray, time_ms: np.ndarray, n_cells: int, duration_ms: float, bin_ms: float, tau_ms: float = 20.0
) -> np.ndarray:
    """Exponentially filtered spike trains ``(n_bins, n_cells)`` in Hz, sampled at the end of each bin."""
    index, time_ms = np.asarray(index, dtype=np.int64), np.asarray(time_ms, dtype=float)
    if index.shape != time_ms.shape:
        raise DataError(f"index {index.shape} and time_ms {time_ms.shape} differ in shape", key="spikes")
    n_bins = round(duration_ms / bin_ms)
    counts = np.zeros((n_bins, n_cells))
    bins = np.minimum((time_ms / bin_ms).astype(np.int64), n_bins - 1)
    np.add.at(counts, (bins, index), np.exp(-((bins + 1) * bin_ms - time_ms) / tau_ms))
    decay = np.exp(-bin_ms / tau_ms)
    rates = np.zeros_like(counts)
    carry = np.zeros(n_cells)
    for b in range(n_bins):
        carry = carry * decay + counts[b]
        rates[b] = carry
    return rates * 1000.0 / tau_ms
