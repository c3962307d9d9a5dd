"""The engram estimator: the weight-space trace of a subset of memories, in closed form, per linear map.

Derivation (least squares). For one linear map ``z = W̃ x̃`` (bias absorbed, see :mod:`.statistics`) let ``X⁺``
hold as columns the inputs ``x̃`` the map receives from the *target* memories and ``X⁻`` those from the rest of the
reference set, all in the original network. The engram ``E`` of the target is the map that

    reactivation:  E X⁺ = W̃ X⁺     (alone, it reproduces the layer's response to its own memories)
    specificity:   E X⁻ = 0        (it is silent on the other memories)

in the least-squares, minimum-norm sense:

    E = argmin ‖E X⁺ − W̃ X⁺‖² + ‖E X⁻‖²  =  W̃ Σ_t Σ_r⁺,   Σ_t = X⁺X⁺ᵀ,  Σ_r = Σ_t + X⁻X⁻ᵀ,

the uncentred *sums* over the target and over the reference set that contains it. Consequences:

- necessity: ``W̃ − E`` is the least-squares solution of ``W' X⁺ = 0``, ``W' X⁻ = W̃ X⁻`` (erasure, ``alpha = 1``);
- sufficiency: ``0 + E`` (the null network plus the engram) reproduces the target's responses;
- composition: ``E`` is linear in ``Σ_t``, so the engram of a union of disjoint subsets is the sum of their
  engrams (exactly, up to rounding), and the engrams of a partition of the reference set sum to
  ``W̃ Σ_r Σ_r⁺ = W̃ Π``, ``Π`` the projector on the inputs the map has seen: the layer's function on its data.

Natural-gradient reading. For the activity loss ``L_t(W̃) = ½ Σ_{x∈t} ‖W̃ x̃‖²`` (gradient ``W̃ Σ_t``) and the Fisher
of a unit-variance Gaussian output model over the reference set, ``F = Σ_r ⊗ I`` (K-FAC with output factor
``G = I``), one natural-gradient step of size ``alpha`` is ``W̃ − alpha F⁻¹∇ = W̃ − alpha W̃ Σ_t Σ_r⁺``: erasure.

Full K-FAC variant (``method="kfac"``, ``nn.Linear`` maps only). Weigh every sample's error by how much the model's
output distribution depends on it: with the per-sample Fisher of the map's weights ``F(x) = x̃x̃ᵀ ⊗ Σ_k g_k g_kᵀ``
(``g_k`` the output gradients of the Fisher cotangents of :func:`~neuroengram.engram.statistics.fisher_cotangents`),
``F_t = Σ_{x∈t} F(x)`` and ``F_r = Σ_{x∈r} F(x)``, the Fisher-weighted least-squares engram
``argmin_E Σ_{x∈t} ‖E x̃ − W̃ x̃‖²_{F(x)} + Σ_{x∈r∖t} ‖E x̃‖²_{F(x)}`` is ``vec E = F_r⁺ F_t vec W̃``, which is also one
natural-gradient step, under the reference Fisher ``F_r``, on the target's Fisher-weighted activity loss
``½ vec(W̃)ᵀ F_t vec(W̃)``. ``F`` is approximated in the K-FAC eigenbasis of the reference set with eigenvalue
corrections (EK-FAC, George et al., NeurIPS 2018, arXiv:1806.03884): ``U_A`` = eigenvectors of ``Σ_r``, ``U_G`` =
eigenvectors of the output factor ``G_r = Σ_{x∈r} Σ_k g_k g_kᵀ``, and per component ``(i, j)`` the exact curvature
``s(i, j) = Σ_x Σ_k (u_iᵀ g_k)² (v_jᵀ x̃)²`` over the target (``s_t``) and over the reference (``s_r``). Then

    E_kfac = U_G [ (U_Gᵀ W̃ U_A) ⊙ s_t / s_r ] U_Aᵀ,      0 ≤ s_t / s_r ≤ 1 (target ⊆ reference),

with components ``s_r < rcond · max s_r`` dropped. It is linear in the target (``s_t`` is a sum), so composition is
exact, and the engrams of a partition sum to ``W̃`` on the kept components (measured in the Fisher norm). With
``G = I`` and ``Σ_t`` diagonal in ``U_A`` it is the input method. Use the model's likelihood (``likelihood``).

Numerics. Every pseudo-inverse drops eigenvalues below ``rcond · λ_max``, by default ``rcond = 1.19e-7``, the
float32 machine epsilon, whatever the dtype of the computation (float64 here): the activations are float32, so
directions carrying less than float32 resolution of the leading energy are rounding noise. This cut is the
regulariser. With a float64 cut (``2.2e-16``) the pseudo-inverse keeps near-null directions (dead ReLUs, constant
pixels) amplified by ``1/λ`` and can destroy the edit (Kwon et al., ICML 2026, arXiv:2606.14997; their package
``ai-engram`` and ``torch.linalg.pinv`` in float32 cut at ``D · eps32``, a ``D`` times coarser cut: pass
``rcond=D * FLOAT32_EPS`` to reproduce it). On the digits MLP the two cuts erase equally well, but ``D · eps32``
also drops rarely-active pixel directions, so the partition identity holds only to 2–3e-3 instead of ~1e-4.

All maps are edited at once from the statistics of the unedited network, or only the maps named in ``maps`` (the
others keep their weights). Choosing the maps is part of the estimator: a map whose inputs are shared by every memory
(the per-step input map of a sequence model sees the same step vectors in every melody) has no memory-specific
input subspace, so its engram is a compromise that also moves the retained memories; a map whose inputs form one
cluster per memory (the map that writes an autoencoder's latent code from the encoder's final state) holds a
separable trace (measured on the mirror: :mod:`.sequences`). Normalisation layers, embeddings and any
parameter that is not the weight or bias of a supported linear map are never edited. Forgetting random examples
whose inputs share their subspace with the retained data is not what this estimator does: it removes the part of
each map that the target's *input subspace* drives.
"""

from __future__ import annotations

import copy
import functools
import math
import operator
from collections.abc import Iterable, Mapping

import torch
from torch import nn

from neuroengram.engram.statistics import (
    Batch,
    LinearMap,
    Moments,
    check_eval_mode,
    collect_moments,
    for_each_fisher_pair,
    linear_maps,
)
from neuroengram.errors import ConfigError, DataError

FLOAT32_EPS = 1.1920928955078125e-07
"""Machine epsilon of float32: the default relative eigenvalue cut, in every dtype."""

CONTAINMENT_TOL = 1e-5
"""``Σ_r − Σ_t`` may have eigenvalues down to ``−CONTAINMENT_TOL · λ_max(Σ_r)`` (float32 rounding of the forward
passes) before the target counts as not contained in the reference."""
METHODS = ("input", "kfac")
LIKELIHOODS = ("categorical", "gaussian", "bernoulli")
NULLS = ("zeros", "random")


def select_maps(available: Mapping[str, LinearMap], names: Iterable[str], key: str = "maps") -> dict[str, LinearMap]:
    """The maps of ``available`` named in ``names`` (in ``available``'s order); :class:`ConfigError` (``key``) when
    ``names`` is empty or names a map the model lacks."""
    names = tuple(names)
    unknown = [name for name in names if name not in available]
    if unknown or not names:
        raise ConfigError(
            f"{key} {list(names)} must name at least one of the model's linear maps (unknown: {unknown})",
            key=key,
            fix=f"use names from {list(available)}",
        )
    return {name: lin for name, lin in available.items() if name in names}


def relative_pinv(sigma: torch.Tensor, rcond: float | None = None) -> torch.Tensor:
    """Pseudo-inverse of a symmetric PSD matrix ``sigma`` (D, D) via ``eigh``, keeping ``λ > rcond · λ_max``.

    ``rcond`` defaults to ``FLOAT32_EPS`` (independent of the dtype). Returns float64.
    """
    sigma = sigma.to(torch.float64)
    sigma = 0.5 * (sigma + sigma.T)
    rcond = FLOAT32_EPS if rcond is None else rcond
    vals, vecs = torch.linalg.eigh(sigma)
    top = float(vals.max()) if vals.numel() else 0.0
    if top <= 0.0:
        return torch.zeros_like(sigma)
    keep = vals > rcond * top
    return (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T


def _energy(matrix: torch.Tensor, sigma: torch.Tensor) -> float:
    """``‖A Mᵀ‖_F²`` for the rows ``A`` whose uncentred sum is ``sigma``: ``tr(M Σ Mᵀ)``."""
    return float(torch.einsum("ij,jk,ik->", matrix, sigma, matrix).clamp_min(0.0))


class EngramEstimator:
    """Closed-form engram of a subset of memories in every linear map of a trained model (see the module docstring).

    Parameters
    ----------
    alpha:
        Default edit strength of :meth:`erase` (``W̃ − alpha · E``); 1 is the least-squares erasure.
    rcond:
        Relative eigenvalue cut of the pseudo-inverses; ``None`` = ``FLOAT32_EPS`` (1.19e-7) in every dtype.
    method:
        ``"input"`` (input second moments only, ``G = I``) or ``"kfac"`` (also the output-gradient factor).
    likelihood:
        The model's output distribution for ``method="kfac"``: ``"categorical"`` (logits), ``"gaussian"`` (mean,
        unit variance) or ``"bernoulli"`` (logits).
    mc_samples:
        Monte-Carlo draws per input when a sample has too many outputs for the exact Fisher (``method="kfac"``).
    random_state:
        Seed of the Monte-Carlo labels and of the random null of :meth:`isolate`.
    maps:
        Names of the linear maps to fit and edit (keys of :func:`~neuroengram.engram.statistics.linear_maps`, e.g.
        ``("to_latent",)``); ``None`` = every map. Unknown or no names: :class:`ConfigError` at :meth:`fit`.

    Attributes (after :meth:`fit`)
    ------------------------------
    maps_: the edited linear maps, by name (those named in ``maps``, in module order).
    model_maps_: the names of every linear map of the fitted model (an edited model must have the same).
    weights_: ``W̃`` of every map (float64, (out, D)) in the fitted model.
    target_moments_, reference_moments_: :class:`Moments` per map.
    reference_pinv_: ``Σ_r⁺`` per map.
    input_basis_, output_basis_: ``U_A``, ``U_G`` per map (``method="kfac"`` only).
    target_curvature_, reference_curvature_: ``s_t``, ``s_r`` per map, shape (out, D) (``method="kfac"`` only).
    engrams_: ``E`` per map (float64, (out, D)).
    """

    def __init__(
        self,
        alpha: float = 1.0,
        rcond: float | None = None,
        method: str = "input",
        likelihood: str = "categorical",
        mc_samples: int = 1,
        random_state: int = 0,
        maps: Iterable[str] | None = None,
    ) -> None:
        self.alpha = alpha
        self.rcond = rcond
        self.method = method
        self.likelihood = likelihood
        self.mc_samples = mc_samples
        self.random_state = random_state
        self.maps = None if maps is None else tuple(maps)

    def _check_params(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"unknown method {self.method!r}", key="method", fix=f"use one of {METHODS}")
        if self.likelihood not in LIKELIHOODS:
            raise ConfigError(
                f"unknown likelihood {self.likelihood!r}", key="likelihood", fix=f"use one of {LIKELIHOODS}"
            )
        if self.rcond is not None and not 0.0 <= self.rcond < 1.0:
            raise ConfigError(f"rcond must be in [0, 1), got {self.rcond}", key="rcond", fix="use None (default)")
        if not math.isfinite(self.alpha):
            raise ConfigError(f"alpha must be finite, got {self.alpha}", key="alpha")
        if self.mc_samples < 1:
            raise ConfigError(f"mc_samples must be >= 1, got {self.mc_samples}", key="mc_samples")

    @property
    def _cut(self) -> float:
        return FLOAT32_EPS if self.rcond is None else self.rcond

    def fit(
        self,
        model: nn.Module,
        target_batches: Iterable[Batch] | Mapping[str, Moments],
        reference_batches: Iterable[Batch] | Mapping[str, Moments],
    ) -> EngramEstimator:
        """Collect the statistics of ``model`` (eval mode) and compute the engram of the target in every map.

        ``target_batches`` and ``reference_batches`` are iterables of batches (a tensor of model inputs or a tuple
        whose first element is one) or precomputed :func:`~neuroengram.engram.statistics.collect_moments` results
        (to reuse the reference statistics across subsets; ``method="input"`` only). The reference must contain the
        target. Raises :class:`ConfigError` / :class:`DataError` for bad parameters, a model in training mode,
        empty subsets, or a target that is not contained in the reference.
        """
        self._check_params()
        check_eval_mode(model)
        available = linear_maps(model)
        self.maps_: dict[str, LinearMap] = available if self.maps is None else select_maps(available, self.maps)
        self.model_maps_ = tuple(available)
        precomputed = isinstance(target_batches, Mapping) or isinstance(reference_batches, Mapping)
        if self.method == "kfac" and precomputed:
            raise ConfigError(
                "method='kfac' needs batches, not precomputed moments", key="method", fix="pass batch iterables"
            )
        if self.method == "kfac":  # batches are read twice
            target_batches, reference_batches = list(target_batches), list(reference_batches)
        self.target_moments_ = self._moments(model, target_batches, "target_batches")
        self.reference_moments_ = self._moments(model, reference_batches, "reference_batches")
        self._check_nonzero()
        self._check_contained(self.target_moments_)
        self.weights_ = {name: m.matrix(model) for name, m in self.maps_.items()}
        self.reference_pinv_ = {
            name: relative_pinv(mom.total, self._cut) for name, mom in self.reference_moments_.items()
        }
        if self.method == "kfac":
            self._fit_curvature(model, target_batches, reference_batches)
        self.engrams_ = {name: self._engram(name, self.target_moments_[name]) for name in self.maps_}
        return self

    def _moments(self, model: nn.Module, source: Iterable[Batch] | Mapping[str, Moments], key: str) -> dict:
        if isinstance(source, Mapping):
            missing = sorted(set(self.maps_) - set(source))
            if missing:
                raise DataError(f"precomputed moments lack the maps {missing}", key=key, fix="collect them again")
            return {name: source[name] for name in self.maps_}
        return collect_moments(model, source, self.maps_, key=key)

    def _check_nonzero(self) -> None:
        """Raise :class:`DataError` for a map whose reference inputs are all zero (nothing to estimate from).

        Rank-deficient statistics are normal (dead units, constant pixels): the pseudo-inverse's cut handles them."""
        for name, ref in self.reference_moments_.items():
            if float(torch.diagonal(ref.total).max()) <= 0.0:
                raise DataError(
                    f"the reference inputs of map {name!r} are all zero: its statistics are singular",
                    key="reference_batches",
                    fix="check the data and the layer (dead layer, all-zero inputs)",
                )

    def _check_contained(self, target: Mapping[str, Moments]) -> None:
        """Raise :class:`DataError` unless ``Σ_r − Σ_t`` is PSD (up to ``CONTAINMENT_TOL``) for every map."""
        for name, ref in self.reference_moments_.items():
            rest = ref.total - target[name].total
            top = float(torch.linalg.eigvalsh(ref.total).max())
            low = float(torch.linalg.eigvalsh(0.5 * (rest + rest.T)).min())
            if target[name].count > ref.count or low < -CONTAINMENT_TOL * top:
                raise DataError(
                    f"the target is not contained in the reference set at map {name!r} "
                    f"({target[name].count} target rows, {ref.count} reference rows, min eigenvalue of "
                    f"Σ_reference − Σ_target {low:.3g})",
                    key="reference_batches",
                    fix="use a reference set that includes every target sample (e.g. the whole training set)",
                )

    def _fit_curvature(self, model: nn.Module, target_batches: list, reference_batches: list) -> None:
        """K-FAC eigenbases of the reference set, then the per-component curvature of target and reference."""
        gen = torch.Generator().manual_seed(self.random_state)
        kwargs = {"likelihood": self.likelihood, "generator": gen, "mc_samples": self.mc_samples}
        out_factor: dict[str, torch.Tensor] = {}

        def add_factor(name: str, x: torch.Tensor, g: torch.Tensor) -> None:
            out_factor[name] = out_factor.get(name, 0) + g.T @ g

        for_each_fisher_pair(model, reference_batches, self.maps_, add_factor, key="reference_batches", **kwargs)
        missing = sorted(set(self.maps_) - set(out_factor))
        if missing:
            raise DataError(f"the maps {missing} get no output gradient (their output does not reach the model's)")
        self.input_basis_ = {n: torch.linalg.eigh(m.total)[1] for n, m in self.reference_moments_.items()}
        self.output_basis_ = {n: torch.linalg.eigh(0.5 * (g + g.T))[1] for n, g in out_factor.items()}

        def curvature(batches: list, key: str) -> dict[str, torch.Tensor]:
            s: dict[str, torch.Tensor] = {}

            def add(name: str, x: torch.Tensor, g: torch.Tensor) -> None:
                s[name] = s.get(name, 0) + ((g @ self.output_basis_[name]) ** 2).T @ (
                    (x @ self.input_basis_[name]) ** 2
                )

            gen.manual_seed(self.random_state)
            for_each_fisher_pair(model, batches, self.maps_, add, key=key, **kwargs)
            return s

        self.reference_curvature_ = curvature(reference_batches, "reference_batches")
        self.target_curvature_ = curvature(target_batches, "target_batches")

    def _engram(self, name: str, target: Moments) -> torch.Tensor:
        if self.method == "input":
            return self.weights_[name] @ target.total @ self.reference_pinv_[name]
        u_a, u_g = self.input_basis_[name], self.output_basis_[name]
        s_r, s_t = self.reference_curvature_[name], self.target_curvature_[name]
        keep = s_r > self._cut * float(s_r.max())
        ratio = torch.where(keep, s_t / torch.where(keep, s_r, 1.0), 0.0).clamp(0.0, 1.0)
        return u_g @ ((u_g.T @ self.weights_[name] @ u_a) * ratio) @ u_a.T

    def _check_fitted(self) -> None:
        if not hasattr(self, "engrams_"):
            raise ConfigError("this EngramEstimator is not fitted yet", key="estimator", fix="call fit() first")

    def _edited(self, model: nn.Module, matrices: Mapping[str, torch.Tensor], inplace: bool) -> nn.Module:
        self._check_fitted()
        if tuple(linear_maps(model)) != self.model_maps_:
            raise ConfigError("the model's linear maps differ from the fitted one", key="model", fix="pass that model")
        out = model if inplace else copy.deepcopy(model)
        for name, matrix in matrices.items():
            self.maps_[name].assign(out, matrix)
        return out

    def erase(
        self,
        model: nn.Module,
        alpha: float | None = None,
        inplace: bool = False,
        map_alpha: Mapping[str, float] | None = None,
    ) -> nn.Module:
        """``model`` with every fitted map set to ``W̃ − alpha · E`` (a copy unless ``inplace``).

        ``map_alpha`` overrides the strength of named maps (e.g. the recurrent maps capped by
        :func:`~neuroengram.engram.stability.guard_alphas`)."""
        self._check_fitted()
        alpha = self.alpha if alpha is None else alpha
        strength = {n: alpha for n in self.engrams_} | dict(map_alpha or {})
        unknown = sorted(set(strength) - set(self.engrams_))
        if unknown:
            raise ConfigError(f"no fitted maps {unknown}", key="map_alpha", fix=f"use names from {sorted(self.maps_)}")
        return self._edited(model, {n: self.weights_[n] - strength[n] * e for n, e in self.engrams_.items()}, inplace)

    def isolate(self, model: nn.Module, null: str = "zeros", inplace: bool = False) -> nn.Module:
        """``model`` with every fitted map set to ``null + E``: the engram alone (sufficiency; a copy unless
        ``inplace``).

        ``null="zeros"`` is the tabula-rasa null state; ``null="random"`` draws ``U(−1/√in, 1/√in)`` weights and
        biases (PyTorch's default initialisation scale) from ``random_state``. Other parameters are kept.
        """
        self._check_fitted()
        if null not in NULLS:
            raise ConfigError(f"unknown null {null!r}", key="null", fix=f"use one of {NULLS}")
        gen = torch.Generator().manual_seed(self.random_state)
        matrices = {}
        for name, engram in self.engrams_.items():
            base = torch.zeros_like(engram)
            if null == "random":
                n_in = getattr(model.get_submodule(self.maps_[name].module), self.maps_[name].weight).shape[1]
                base = (2 * torch.rand(engram.shape, generator=gen, dtype=engram.dtype) - 1) / math.sqrt(n_in)
            matrices[name] = base + engram
        return self._edited(model, matrices, inplace)

    def compose(self, *others: EngramEstimator) -> EngramEstimator:
        """A fitted estimator whose target is the union of the (disjoint) targets of ``self`` and ``others``.

        Its engrams are the sums of the engrams and its target statistics the sums of the statistics. All must share
        the reference set; the union must still be contained in it (else :class:`DataError`).
        """
        parts = (self, *others)
        for est in parts:
            est._check_fitted()
        for est in others:
            same = est.maps_.keys() == self.maps_.keys() and all(
                est.reference_moments_[n].count == self.reference_moments_[n].count
                and torch.equal(est.reference_moments_[n].total, self.reference_moments_[n].total)
                for n in self.maps_
            )
            if not same:
                raise DataError(
                    "composed engrams must come from the same model and reference set",
                    key="others",
                    fix="fit every estimator with the same reference batches",
                )
        union = copy.copy(self)
        union.target_moments_ = {
            n: functools.reduce(operator.add, (e.target_moments_[n] for e in parts)) for n in self.maps_
        }
        union._check_contained(union.target_moments_)
        union.engrams_ = {n: sum(est.engrams_[n] for est in parts) for n in self.maps_}
        if self.method == "kfac":
            union.target_curvature_ = {n: sum(e.target_curvature_[n] for e in parts) for n in self.maps_}
        return union

    def engram_parameters(self) -> dict[str, torch.Tensor]:
        """The engrams as a weight dict: ``"<module>.<weight>"`` / ``"<module>.<bias>"`` -> float32 tensor."""
        self._check_fitted()
        params = {}
        for name, engram in self.engrams_.items():
            m = self.maps_[name]
            n_in = engram.shape[1] - (m.bias is not None)
            params[f"{m.module}.{m.weight}".lstrip(".")] = engram[:, :n_in].float()
            if m.bias is not None:
                params[f"{m.module}.{m.bias}".lstrip(".")] = engram[:, n_in].float()
        return params

    def layer_criteria(self) -> dict[str, dict[str, float]]:
        """Per map: specificity ``1 − ‖A⁻Eᵀ‖/‖A⁻W̃ᵀ‖`` and reactivation ``1 − ‖A⁺(E − W̃)ᵀ‖/‖A⁺W̃ᵀ‖``.

        ``A⁺`` / ``A⁻`` are the map's input rows from the target / the rest of the reference set in the original
        network (norms from the statistics: ``‖A Mᵀ‖² = tr(M Σ Mᵀ)``). 1 is perfect for both; specificity is NaN
        when the target is the whole reference set.
        """
        self._check_fitted()
        out = {}
        for name, engram in self.engrams_.items():
            weight, target = self.weights_[name], self.target_moments_[name].total
            rest = self.reference_moments_[name].total - target
            w_rest = _energy(weight, rest)
            spec = 1.0 - math.sqrt(_energy(engram, rest) / w_rest) if w_rest > 0 else math.nan
            react = 1.0 - math.sqrt(_energy(engram - weight, target) / max(_energy(weight, target), 1e-300))
            out[name] = {"specificity": spec, "reactivation": react}
        return out


def composition_error(union: EngramEstimator, *parts: EngramEstimator) -> float:
    """``max_maps ‖E_union − Σ E_part‖_F / ‖E_union‖_F``: 0 up to rounding for disjoint parts (input method)."""
    errors = []
    for name, e_union in union.engrams_.items():
        diff = e_union - sum(p.engrams_[name] for p in parts)
        errors.append(float(torch.linalg.norm(diff) / max(float(torch.linalg.norm(e_union)), 1e-300)))
    return max(errors)


def partition_error(parts: Iterable[EngramEstimator]) -> float:
    """Functional partition identity ``max_maps ‖A(Σ_c E_c − W̃)ᵀ‖ / ‖A W̃ᵀ‖`` over the reference rows ``A``.

    For ``method="kfac"`` the norm is the reference Fisher's, ``‖M‖² = Σ_ij s_r(i, j) (U_Gᵀ M U_A)_ij²`` (the
    components the model's output does not depend on carry no weight). The parts must partition the reference set
    (their target row counts add up to it; else :class:`DataError`).
    """
    parts = list(parts)
    first = parts[0]
    errors = []
    for name, weight in first.weights_.items():
        ref = first.reference_moments_[name]
        count = sum(p.target_moments_[name].count for p in parts)
        if count != ref.count:
            raise DataError(
                f"the targets cover {count} of {ref.count} reference rows at map {name!r}: not a partition",
                key="parts",
                fix="fit one estimator per block of a partition of the reference set",
            )
        diff = sum(p.engrams_[name] for p in parts) - weight
        if first.method == "kfac":
            u_a, u_g, s_r = first.input_basis_[name], first.output_basis_[name], first.reference_curvature_[name]
            num = float((s_r * (u_g.T @ diff @ u_a) ** 2).sum())
            den = float((s_r * (u_g.T @ weight @ u_a) ** 2).sum())
        else:
            num, den = _energy(diff, ref.total), _energy(weight, ref.total)
        errors.append(math.sqrt(num / max(den, 1e-300)))
    return max(errors)
