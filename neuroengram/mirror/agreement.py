"""Spike-vs-rate agreement: a mean-field rate mirror of a spiking E/I network, scored against the noise ceiling.

Mean input of LIF cell ``i`` (mV) from presynaptic rates ``r`` (Hz), current-based synapses of magnitude ``|J_ij|``
(mV) decaying with ``τ_e`` / ``τ_i`` (s), and external Poisson input ``ν_i`` (Hz) of kick ``J_ext``:

    μ_i = Σ_j J_ij τ_j r_j + J_ext τ_e ν_i,      τ_j = τ_e (j excitatory) or τ_i (j inhibitory), J_ij < 0 for I.

Transfer: threshold-linear per population, ``r_i = g_p [μ_i - θ_p]_+``, fitted open loop (measured presynaptic rates
give ``μ``) by least squares on the training cues. The mirror is then run closed loop to its fixed point as an
:class:`~neuroengram.mirror.autoencoder.EIRateRNN` built by the bridge (same neuron order and Dale signs):
recurrent weights ``g_post J τ_pre``, afferent ``g_i J_ext τ_e ν_i - g_i θ_i``.

Agreement on a held-out cue: Pearson r across neurons between the mirror's and the spiking network's mean rates.
Within-run noise ceiling (:func:`noise_ceiling`): the split-half reliability ``r_half`` of the spiking rates (even
vs odd presentations of the cue), Spearman-Brown corrected to the full data, ``ceiling = sqrt(2 r_half /
(1 + r_half))`` (the highest correlation a perfect model can reach with noisy data; research brief
spiking-xor-brian2.md §4.2).

Seed-to-seed noise ceiling (:func:`held_out_agreement`): two runs A and B of one network (same wiring, stimulus
patterns and cue order: ``EIConfig.connectivity_seed``) with different noise seeds; the ceiling is their correlation
``r(B, A)``, i.e. how well another noise realisation of the spiking network itself predicts run A. The mirror is
scored by ``r(mirror, A) / r(B, A)`` on each held-out cue, for

- fixed points: Pearson r across neurons of the mean rate per cue (the mirror's closed-loop fixed point);
- time courses: the mirror run closed loop through the whole stimulus sequence with time-varying input
  (:func:`mirror_time_course`, its leak ``dt / τ`` fitted on the training cues), binned like the spiking rates;
  every bin is predicted by the mirror that held out that bin's cue; all traces smoothed alike (Gaussian,
  sigma 20 ms by default; research brief §4.2: identical smoothing). Per group of cells (the E cells of each
  stimulus pattern, the unstimulated E cells, the I cells) the Pearson r over all bins of the group's mean rate,
  averaged over groups: cue switches, onset transients and the levels between them. (Within one cue's epochs the
  network is stationary: its 10-ms fluctuations are not stimulus-locked, r(B, A) ~ 0 there, so the held-out cue's
  bins alone carry no time course to predict.)

A noise-free mirror can exceed the seed-to-seed ceiling (ratio > 1): the ceiling includes the noise of both runs,
the mirror's prediction the noise of A only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.ndimage import gaussian_filter1d
from scipy.optimize import least_squares

from neuroengram.errors import DataError
from neuroengram.mirror.bridge import rate_network_from_synapses
from neuroengram.spiking.network import EIConfig, EIResult

LEAKS = (0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
"""Candidate ``dt / τ`` of the mirror's time courses, chosen by fit on the training cues."""


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


def mirror_time_course(
    pre: np.ndarray,
    post: np.ndarray,
    weight: np.ndarray,
    is_excitatory: np.ndarray,
    ext_hz: np.ndarray,
    gain: np.ndarray,
    threshold: np.ndarray,
    tau_ms: tuple[float, float],
    j_ext_mv: float,
    leak: float,
) -> np.ndarray:
    """Rates (Hz), float (n_steps, n_cells), of the mean-field mirror (the bridge's EIRateRNN) driven closed loop by
    external rates ``ext_hz`` (n_steps, n_cells), from rest: ``r_t = (1 - leak) r_{t-1} + leak g [μ_t - θ]_+``."""
    tau_pre = np.where(is_excitatory[pre], tau_ms[0], tau_ms[1]) / 1000.0
    n = len(is_excitatory)
    network = rate_network_from_synapses(pre, post, gain[post] * weight * tau_pre, is_excitatory, n_inputs=n, leak=leak)
    with torch.no_grad():
        network.afferent.weight.copy_(torch.diag(torch.from_numpy(gain * j_ext_mv * tau_ms[0] / 1000.0)).float())
        network.afferent.bias.copy_(torch.from_numpy(-gain * threshold).float())
        rates = network(torch.from_numpy(np.asarray(ext_hz, dtype=np.float32))[None])
    return rates[0].double().numpy()


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
    """Closed-loop rates (Hz) of the mean-field mirror for constant external input ``ext_hz`` (after ``steps``)."""
    constant = np.broadcast_to(ext_hz, (steps, len(is_excitatory)))
    course = mirror_time_course(pre, post, weight, is_excitatory, constant, gain, threshold, tau_ms, j_ext_mv, leak)
    return course[-1]


def group_traces(rates: np.ndarray, groups: list[np.ndarray], sigma_bins: float = 0.0) -> np.ndarray:
    """Mean rate of each group of cells per bin, smoothed in time by a Gaussian of ``sigma_bins`` bins (0: none):
    float (n_bins, n_groups); ``groups`` are boolean masks over the cells."""
    traces = np.stack([rates[:, group].mean(axis=1) for group in groups], axis=1)
    return gaussian_filter1d(traces, sigma_bins, axis=0) if sigma_bins > 0 else traces


def trace_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over columns (groups) of the Pearson r between the time courses ``a`` and ``b`` (n_bins, n_groups)."""
    return float(np.mean([np.corrcoef(a[:, g], b[:, g])[0, 1] for g in range(a.shape[1])]))


@dataclass
class HeldOutAgreement:
    """Per held-out cue (arrays of shape (n_cues,)): ``r_mirror`` = r(mirror, A) and ``r_seeds`` = r(B, A) of the
    mean rates across neurons, ``leak`` the fitted ``dt / τ`` of that cue's mirror; ``r_course_mirror`` /
    ``r_course_seeds`` the same for the group time courses of the whole run (held-out predictions in every bin).
    Ratios = mirror / seed-to-seed ceiling."""

    cues: np.ndarray
    r_mirror: np.ndarray
    r_seeds: np.ndarray
    leak: np.ndarray
    r_course_mirror: float
    r_course_seeds: float

    @property
    def ratio(self) -> np.ndarray:
        return self.r_mirror / self.r_seeds

    @property
    def course_ratio(self) -> float:
        return self.r_course_mirror / self.r_course_seeds


def held_out_agreement(
    config: EIConfig, run_a: EIResult, run_b: EIResult, tau_ms: tuple[float, float], smooth_ms: float = 20.0
) -> HeldOutAgreement:
    """Leave-one-cue-out agreement of the mean-field mirror with spiking run A, against the seed-to-seed ceiling.

    ``run_a`` and ``run_b``: :func:`~neuroengram.spiking.network.simulate_ei_network` with one
    ``config.connectivity_seed`` and two seeds (:class:`DataError` if their wiring or stimulus order differ).
    For each cue: transfer (per population) fitted on run A's other cues, leak fitted on their bins; mirror fixed
    point and time course scored on the held-out cue (module docstring). ``tau_ms``: synaptic decay (E, I) in ms;
    ``smooth_ms``: width (sigma) of the Gaussian applied alike to every time course (spiking and mirror).
    """
    if not (
        np.array_equal(run_a.pre, run_b.pre)
        and np.array_equal(run_a.weight, run_b.weight)
        and np.array_equal(run_a.labels, run_b.labels)
    ):
        raise DataError(
            "runs A and B differ in wiring or stimulus order", key="connectivity_seed", fix="give both one seed"
        )
    exc, pre, post, weight = run_a.is_excitatory, run_a.pre, run_a.post, run_a.weight
    labels = run_a.labels
    epoch = (np.arange(len(labels)) * config.bin_ms / config.epoch_ms).astype(int)
    cues = np.unique(labels)
    ext = {c: config.rate_ext_hz + config.stim_rate_hz * run_a.patterns[c] for c in cues}
    ext_bins = np.stack([ext[c] for c in labels])
    mean_a = {c: cue_rates(run_a.rates, epoch, labels, c) for c in cues}
    mean_b = {c: cue_rates(run_b.rates, epoch, labels, c) for c in cues}
    groups = [p & exc for p in run_a.patterns] + [exc & ~run_a.patterns.any(axis=0), ~exc]
    sigma = smooth_ms / config.bin_ms
    traces_a, traces_b = group_traces(run_a.rates, groups, sigma), group_traces(run_b.rates, groups, sigma)
    args = (pre, post, weight, exc)
    out: dict[str, list[float]] = {key: [] for key in ("r_mirror", "r_seeds", "leak")}
    predicted = np.zeros_like(traces_a)
    for held in cues:
        train = cues[cues != held]
        gain, threshold = np.zeros(len(exc)), np.zeros(len(exc))
        for population in (exc, ~exc):
            mu = np.stack([mean_input(*args, mean_a[c], ext[c], tau_ms, config.j_ext_mv) for c in train])
            g, theta = fit_transfer(mu[:, population], np.stack([mean_a[c] for c in train])[:, population])
            gain[population], threshold[population] = g, theta
        fixed = mirror_fixed_point(*args, ext[held], gain, threshold, tau_ms, config.j_ext_mv)
        fit_bins, held_bins = np.isin(labels, train), labels == held
        courses = {
            leak: group_traces(
                mirror_time_course(*args, ext_bins, gain, threshold, tau_ms, config.j_ext_mv, leak), groups, sigma
            )
            for leak in LEAKS
        }
        leak = max(LEAKS, key=lambda k: trace_correlation(courses[k][fit_bins], traces_a[fit_bins]))
        predicted[held_bins] = courses[leak][held_bins]
        out["leak"].append(leak)
        out["r_mirror"].append(float(np.corrcoef(fixed, mean_a[held])[0, 1]))
        out["r_seeds"].append(float(np.corrcoef(mean_b[held], mean_a[held])[0, 1]))
    return HeldOutAgreement(
        cues,
        **{key: np.array(value) for key, value in out.items()},
        r_course_mirror=trace_correlation(predicted, traces_a),
        r_course_seeds=trace_correlation(traces_b, traces_a),
    )
