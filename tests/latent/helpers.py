"""Small data sets of known intrinsic dimension for the latent tests."""

from __future__ import annotations

import numpy as np


def linear_subspace(n: int, d: int, D: int, seed: int) -> np.ndarray:
    """``n`` points uniform in a d-cube, mapped into R^D by a random linear map (ID d)."""
    rng = np.random.default_rng(seed)
    return rng.random((n, d)) @ rng.standard_normal((d, D))


def tanh_manifold(n: int, d: int, D: int, seed: int) -> np.ndarray:
    """A curved d-manifold: ``tanh(Z W)`` for Z uniform in [-1, 1]^d, W (d, D) Gaussian (a network-made manifold)."""
    rng = np.random.default_rng(seed)
    return np.tanh(rng.uniform(-1, 1, (n, d)) @ rng.normal(0, 1.0, (d, D)))


def torus_trajectory(n: int) -> np.ndarray:
    """Quasi-periodic trajectory on a flat 2-torus in R^4 sampled on a regular time grid (ID 2)."""
    t = np.linspace(0, 200, n)
    return np.column_stack([np.cos(t), np.sin(t), np.cos(np.sqrt(2) * t), np.sin(np.sqrt(2) * t)])
