"""Spike-vs-rate agreement: a mean-field rate mirror of a spiking E/I network, scored against the noise ceiling.

Mean input of LIF cell ``i`` (mV) from presynaptic rates ``r`` (Hz), current-based synapses of magnitude ``|J_ij|``
(mV) decaying with ``τ_e`` / ``τ_i`` (s), and external Poisson input ``ν_i`` (Hz) of kick ``J_ext``:

    μ_i = Σ_j J_ij τ_j r_j + J_ext τ_e ν_i,      τ_j = τ_e (j excitatory) or τ_i (j inhibitory), J_ij < 0 for I.

Transfer: threshold-linear per population, ``r_i = g_p [μ_i - θ_p]_+``, fitted open loop (measured presynaptic rates
give ``μ``) by least squares on the training cues. The mirror is then run closed loop to its fixed point as an
:class:`~neuroengram.mirror.autoencoder.EIRateRNN` built by the bridge (same neuron order and Dale signs):
recurrent weights ``g_post J τ_pre``, afferent ``g_i J_ext τ_e ν_i - g_i θ_i``.

Agreement on a held-out cue: Pearson r across neurons between the mirror's and the spiking network's mean rates.
Noise ceiling: the split-half reliability ``r_half`` of the spiking rates (even vs odd presentations of the cue),
Spearman-Brown corrected to the full data, ``ceiling = sqrt(2 r_half / (1 + r_half))`` (the highest correlation a
perfect model can reach with noisy data; see the research brief spiking-xor-brian2.md §4.2).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.optimize import least_squares

from neuroengram.errors import DataError
from neuroengram.mirror.bridge import rate_network_from_synapses


def cue_rates(
    rates: np.ndarray, epoch: np.ndarray, labels: np.ndarray, cue: int, half: int | None = None
) -> np.ndarray:
    """Mean rate per neuron ``(n_cells,)`` over bins showing ``cue``; ``half`` 0/1 keeps even/odd presentations."""
    shown = np.unique(epoch[labels == cue])
    if half is not None:
        shown = shown[half::2]
    mask = np.isin(epoch, shown) & (labels == cue)
    if not mask.any():
        raise DataError(f"cue {cue} is never shown (or has one presentation)", key="labels", fix="record longer")
    return rates[mask].mean(axis=0)


def noise_ceiling(rates: np.ndarray, epoch: np.ndarray, labels: np.ndarray, cue: int) -> tuple[float, float]:
    """``(r_half, ceiling)`` of the spiking rates for ``cue`` (see the module docstring)."""
    r_half = float(np.corrcoef(cue_rates(rates, epoch, labels, cue, 0), cue_rates(rates, epoch, labels, cue, 1))[0, 1])
    return r_half, float(np.sqrt(max(0.0, 2 * r_half / (1 + r_half))))


def mean_input(
    pre: np.ndarray,
    post: np.ndarray,
    weight: np.ndarray,
    is_excitatory: np.ndarray,
    rates: np.ndarray,
    ext_hz: np.ndarray,
    tau_ms: tuple[float, float],
    j_ext_mv: float,
) -> np.ndarray:
    """``μ`` (mV) per neuron for presynaptic ``rates`` (Hz) and external rates ``ext_hz`` (Hz)."""
    tau_pre = np.where(is_excitatory[pre], tau_ms[0], tau_ms[1]) / 1000.0
    mu = np.bincount(post, weight * tau_pre * rates[pre], minlength=len(is_excitatory))
    return mu + j_ext_mv * tau_ms[0] / 1000.0 * ext_hz


def fit_transfer(mu: np.ndarray, rates: np.ndarray) -> tuple[float, float]:
    """Least-squares ``(g, θ)`` of ``r = g [μ - θ]_+`` over paired samples (flattened)."""
    mu, rates = mu.ravel(), rates.ravel()

    def residual(p: np.ndarray) -> np.ndarray:
        return p[0] * np.maximum(mu - p[1], 0.0) - rates

    start = np.array([max(rates.std() / max(mu.std(), 1e-9), 1e-3), float(np.percentile(mu, 20))])
    fit = least_squares(residual, start, bounds=([0.0, -np.inf], [np.inf, np.inf]))
    return float(fit.x[0]), float(fit.x[1])


def mirror_fixed_point(
    pre: np.ndarray,
    post: np.ndarray,
    weight: np.ndarray,
    is_excitatory: np.ndarray,
    ext_hz: np.ndarray,
    gain: np.ndarray,
    threshold: np.ndarray,
    tau_ms: tuple[float, float],
    j_ext_mv: float,
    steps: int = 400,
    leak: float = 0.1,
) -> np.ndarray:
    """Closed-loop rates (Hz) of the mean-field mirror for external input ``ext_hz`` (the bridge's EIRateRNN)."""
    tau_pre = np.where(is_excitatory[pre], tau_ms[0], tau_ms[1]) / 1000.0
    network = rate_network_from_synapses(pre, post, gain[post] * weight * tau_pre, is_excitatory, leak=leak)
    with torch.no_grad():
        network.afferent.weight.zero_()
        network.afferent.weight[:, 0] = torch.from_numpy(gain * j_ext_mv * tau_ms[0] / 1000.0 * ext_hz).float()
        network.afferent.bias.copy_(torch.from_numpy(-gain * threshold).float())
        rates = network(torch.ones(1, steps, 1))
    return rates[0, -1].double().numpy()
