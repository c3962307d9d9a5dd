"""Finite-sample calibration of kNN estimators against uniform hyper-balls of the same size.

kNN estimators read high intrinsic dimensions too low at finite ``n`` (a 70-dimensional cube reads about 40 at
n = 2500) because the neighbourhoods are no longer small. DANCo (Ceruti et al. 2012) corrects this by comparing the
data with uniform samples of hyper-balls of the same ``n``; this module does the same for any kNN estimator ``E``:

    ``ref_n(d) = E(n uniform points in the d-dimensional unit ball)``, for d on a grid,
    calibrated ID of the data = the ``d`` with ``ref_n(d) = E(data)`` (monotone interpolation).

The correction is small at low ID (``ref_n(d) ~ d``) and large at high ID. The rule has no free parameter fitted to
any benchmark: the reference is the textbook locally-uniform model the estimators are derived under.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from neuroengram.latent.graph import NeighbourGraph, build_graph

DIM_GRID: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 24, 29, 35, 42, 50, 60, 72, 86, 100, 120, 150)
"""Dimensions at which the reference curves are simulated."""


def uniform_ball(n: int, d: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points uniform in the unit ball of R^d: Gaussian directions times ``U^(1/d)`` radii, shape (n, d)."""
    g = rng.standard_normal((n, d))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g * rng.random((n, 1)) ** (1.0 / d)


def reference_curves(
    n: int,
    estimators: dict[str, Callable[[NeighbourGraph], float]],
    targets: dict[str, float],
    k: int,
    rng: np.random.Generator,
    min_value: float = 0.0,
    max_dim: int = DIM_GRID[-1],
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Simulate ``ref_n(d)`` for each estimator on :data:`DIM_GRID` until every target is bracketed.

    Returns ``(dims, {name: values})``. Grid dimensions below ``0.8 min_value`` are skipped (kNN estimators
    rarely over-read a uniform ball), and the simulation stops at the first grid dimension whose reference values
    exceed all ``targets`` or at ``max_dim``, so low-ID data cost only a few small simulations.
    """
    grid = [d for d in DIM_GRID if d >= 0.8 * min_value] or [DIM_GRID[-1]]
    start = DIM_GRID.index(grid[0])
    grid = list(DIM_GRID[max(start - 1, 0) :])
    dims: list[int] = []
    values: dict[str, list[float]] = {name: [] for name in estimators}
    for d in grid:
        if d > max_dim and dims:
            break
        graph = build_graph(uniform_ball(n, d, rng), k)
        dims.append(d)
        for name, fn in estimators.items():
            values[name].append(fn(graph))
        if all(values[name][-1] > targets[name] for name in estimators):
            break
    return np.array(dims), {name: np.array(v) for name, v in values.items()}


def invert(value: float, dims: np.ndarray, ref: np.ndarray) -> float:
    """The ``d`` with ``ref(d) = value``: linear interpolation on the monotone envelope of the reference curve.

    Below the first grid point the ratio ``value / ref(d_1)`` scales ``d_1``; above the last, ``value / ref(d_max)``
    scales ``d_max`` (the reference stopped at the largest dimension searched).
    """
    env = np.maximum.accumulate(ref)
    if value <= env[0]:
        return float(dims[0] * value / env[0])
    if value >= env[-1]:
        return float(dims[-1] * value / env[-1])
    return float(np.interp(value, env, dims))
