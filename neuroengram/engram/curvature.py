"""Curvature spectrum of a trained network: keep its high-curvature weight components, drop the low-curvature tail.

After Merullo, Vatsavaya, Bushnaq & Lewis, "From Memorization to Reasoning in the Spectrum of Loss Curvature"
(arXiv:2510.24256): per linear map, the K-FAC Fisher ``F ≈ A ⊗ G`` with ``A = Σ x̃x̃ᵀ`` (inputs) and
``G = Σ_k Σ g_k g_kᵀ`` (output gradients of the model's own predictive distribution, the true Fisher; see
:func:`~neuroengram.engram.statistics.fisher_cotangents`). With ``A = U_A diag(μ) U_Aᵀ`` and
``G = U_G diag(λ) U_Gᵀ``, the weight component ``u_i v_jᵀ`` (coefficient ``C_ij = u_iᵀ W̃ v_j``) has curvature
``λ_i μ_j``. Memorised examples are individually sharp but idiosyncratic, so in the population Fisher they live in
the **low**-curvature components, while structure shared by many examples is high-curvature.

:func:`keep_curvature_mass` keeps, per map, the components of largest ``λ_i μ_j`` until their curvature reaches a
fraction ``rho`` of the total ``(Σλ)(Σμ)`` and sets ``W̃ ← U_G (C ⊙ M) U_Aᵀ`` (``M`` the 0/1 mask): an untargeted
edit (no forget set), a projection rather than an engram, so it does not compose.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from neuroengram.engram.statistics import Batch, LinearMap, collect_moments, for_each_fisher_pair, linear_maps
from neuroengram.errors import ConfigError


@dataclass(frozen=True)
class KFACFactors:
    """Per map: input eigenvalues ``mu`` (D,) and eigenvectors ``u_a`` (D, D), output ones ``lam`` (out,), ``u_g``."""

    maps: dict[str, LinearMap]
    mu: dict[str, torch.Tensor]
    u_a: dict[str, torch.Tensor]
    lam: dict[str, torch.Tensor]
    u_g: dict[str, torch.Tensor]


def kfac_factors(
    model: nn.Module, batches: Iterable[Batch], *, likelihood: str = "categorical", mc_samples: int = 1, seed: int = 0
) -> KFACFactors:
    """Eigen-decomposed K-FAC factors of every ``nn.Linear`` map of ``model`` (eval mode) over ``batches``."""
    batches = list(batches)
    maps = linear_maps(model)
    inputs = collect_moments(model, batches, maps)
    out_factor: dict[str, torch.Tensor] = {}

    def add(name: str, x: torch.Tensor, g: torch.Tensor) -> None:
        out_factor[name] = out_factor.get(name, 0) + g.T @ g

    gen = torch.Generator().manual_seed(seed)
    for_each_fisher_pair(model, batches, maps, add, likelihood=likelihood, generator=gen, mc_samples=mc_samples)
    mu, u_a, lam, u_g = {}, {}, {}, {}
    for name in maps:
        mu[name], u_a[name] = torch.linalg.eigh(inputs[name].total)
        lam[name], u_g[name] = torch.linalg.eigh(0.5 * (out_factor[name] + out_factor[name].T))
    return KFACFactors(maps, mu, u_a, lam, u_g)


def curvature_mask(lam: torch.Tensor, mu: torch.Tensor, rho: float) -> torch.Tensor:
    """0/1 mask (out, D) of the components of largest ``λ_i μ_j`` holding a fraction ``rho`` of ``(Σλ)(Σμ)``."""
    product = lam.clamp_min(0)[:, None] * mu.clamp_min(0)[None, :]
    order = torch.argsort(product.reshape(-1), descending=True)
    cumulative = torch.cumsum(product.reshape(-1)[order], dim=0)
    n_keep = int(torch.searchsorted(cumulative, rho * float(cumulative[-1]))) + 1
    mask = torch.zeros(product.numel(), dtype=torch.float64)
    mask[order[: min(n_keep, product.numel())]] = 1.0
    return mask.reshape(product.shape)


def keep_curvature_mass(model: nn.Module, factors: KFACFactors, rho: float) -> nn.Module:
    """A copy of ``model`` whose maps keep only their top-``rho`` curvature mass (see the module docstring)."""
    if not 0.0 < rho <= 1.0:
        raise ConfigError(f"rho must be in (0, 1], got {rho}", key="rho", fix="e.g. rho = 0.8")
    out = copy.deepcopy(model)
    for name, lin in factors.maps.items():
        u_a, u_g = factors.u_a[name], factors.u_g[name]
        coeff = u_g.T @ lin.matrix(model) @ u_a
        mask = curvature_mask(factors.lam[name], factors.mu[name], rho)
        lin.assign(out, u_g @ (coeff * mask) @ u_a.T)
    return out


RHOS = (1.0, 0.999, 0.99, 0.98, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5)
"""Fractions of curvature mass kept in :func:`memorisation_spectrum`."""


def memorisation_spectrum(
    seed: int, *, epochs: int = 300, noise: float = 0.1, rhos: tuple[float, ...] = RHOS
) -> dict[str, np.ndarray | int]:
    """Train the digits MLP with a fraction ``noise`` of random wrong training labels, then keep top-ρ curvature mass.

    Returns ``rho``, ``memorised_recall`` (accuracy on the mislabelled images w.r.t. their random labels),
    ``clean_train_acc``, ``test_acc`` (arrays over ``rhos``) and ``n_memorised``.
    """
    from neuroengram.engram.digits import accuracy, load_split, make_mlp, train_classifier

    if not 0.0 < noise < 1.0:
        raise ConfigError(f"noise must be in (0, 1), got {noise}", key="label_noise", fix="e.g. 0.1")
    split = load_split(seed)
    gen = torch.Generator().manual_seed(seed)
    y = split.y_train.clone()
    noisy = torch.randperm(len(y), generator=gen)[: max(1, round(noise * len(y)))]
    y[noisy] = (y[noisy] + torch.randint(1, 10, (len(noisy),), generator=gen)) % 10  # a wrong label, uniformly
    clean = torch.ones(len(y), dtype=torch.bool)
    clean[noisy] = False
    model = train_classifier(make_mlp(seed=seed), split.x_train, y, epochs=epochs, seed=seed)
    factors = kfac_factors(model, [split.x_train], likelihood="categorical", seed=seed)
    rows = []
    for rho in rhos:
        edited = keep_curvature_mass(model, factors, rho)
        rows.append(
            (
                accuracy(edited, split.x_train[noisy], y[noisy]),
                accuracy(edited, split.x_train[clean], y[clean]),
                accuracy(edited, split.x_test, split.y_test),
            )
        )
    table = np.array(rows)
    return {
        "rho": np.array(rhos),
        "memorised_recall": table[:, 0],
        "clean_train_acc": table[:, 1],
        "test_acc": table[:, 2],
        "n_memorised": len(noisy),
    }


def spectrum_figure(result: dict):
    """Accuracy against ρ: memorised recall, clean training and held-out accuracy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    rho = result["rho"]
    ax.plot(rho, result["memorised_recall"], "o-", color="tab:red", label="memorised random labels (recall)")
    ax.plot(rho, result["clean_train_acc"], "o-", color="tab:green", label="clean training images")
    ax.plot(rho, result["test_acc"], "o-", color="tab:blue", label="held-out test images")
    ax.set_xlabel("ρ, fraction of K-FAC curvature mass kept")
    ax.set_ylabel("accuracy")
    ax.invert_xaxis()
    ax.legend(fontsize=7)
    ax.set_title("Digits MLP: low-curvature components hold the memorised labels", fontsize=9)
    fig.tight_layout()
    return fig
