"""Input checks, duplicate handling and the one shared nearest-neighbour graph.

Every kNN estimator in :mod:`neuroengram.latent.estimators` reads the same :class:`NeighbourGraph`: the sorted
distances ``distances[i, j-1]`` from point ``i`` to its ``j``-th nearest neighbour and their row indices, computed
once per array by :class:`sklearn.neighbors.NearestNeighbors` (self excluded). Shapes: ``X`` (n_points, n_features),
``distances``/``indices`` (n_points, k).

For rows sampled along a trajectory (binned activity), ``exclude_window = w`` drops neighbours ``j`` with
``|i - j| <= w`` (a Theiler window, Theiler 1986), so that the neighbours of a time bin are not simply the next
bins of the same trajectory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.neighbors import NearestNeighbors

from neuroengram.errors import DataError


def check_points(X: object, *, name: str = "X") -> np.ndarray:
    """Return ``X`` as a finite float64 (n_points, n_features) array, or raise :class:`DataError` naming the problem."""
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DataError(f"expected a numeric array, got dtype {arr.dtype}", key=name, fix="pass numbers")
    if arr.ndim != 2:
        raise DataError(
            f"expected a 2-D array (n_points, n_features), got shape {arr.shape}",
            key=name,
            fix="reshape a single feature to (n, 1) or stack samples as rows",
        )
    if arr.size == 0:
        raise DataError(f"the array is empty (shape {arr.shape})", key=name, fix="pass at least a few dozen rows")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        raise DataError(
            f"{int(bad.sum())} of {len(arr)} rows contain NaN or inf (first: row {int(np.flatnonzero(bad)[0])})",
            key=name,
            fix="drop or impute those rows before estimating the intrinsic dimension",
        )
    return arr


def deduplicate(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Drop exact duplicate rows, keeping the first occurrence in the original order.

    Returns ``(X_unique, kept_index)``. Duplicates give zero neighbour distances, which send MLE to 0 and
    MiND_ML to 1 silently, so they are removed before any estimator runs (and counted in the report).
    """
    _, first = np.unique(X, axis=0, return_index=True)
    keep = np.sort(first)
    return X[keep], keep


@dataclass
class NeighbourGraph:
    """Sorted k-nearest-neighbour distances and indices of ``X`` (self excluded), and the fitted index.

    Attributes
    ----------
    X: (n_points, n_features) float array the graph was built on.
    distances: (n_points, k) float, ``distances[:, j - 1]`` = distance to the j-th neighbour, ascending.
    indices: (n_points, k) int, the rows of those neighbours.
    index: the fitted :class:`~sklearn.neighbors.NearestNeighbors` (for radius queries).
    exclude_window: temporal neighbours ``|i - j| <= exclude_window`` were excluded (0 = none).
    """

    X: np.ndarray
    distances: np.ndarray
    indices: np.ndarray
    index: NearestNeighbors
    exclude_window: int = 0

    @property
    def k(self) -> int:
        return self.distances.shape[1]

    @property
    def n(self) -> int:
        return self.distances.shape[0]


def build_graph(X: np.ndarray, k: int, *, exclude_window: int = 0, times: np.ndarray | None = None) -> NeighbourGraph:
    """Build the shared kNN graph of ``X`` with ``k`` neighbours per point (``k`` is clipped to what ``n`` allows).

    With ``exclude_window = w > 0`` the index is queried for ``k + 2 w`` neighbours and those with
    ``|t_i - t_j| <= w`` are dropped, keeping the ``k`` nearest of the rest. ``times`` (n_points,) int are the rows'
    time-bin numbers (default: the row order), so the window still means time bins after subsampling.
    """
    n = len(X)
    if n < 3 + 2 * exclude_window:
        raise DataError(
            f"{n} distinct points are too few for neighbour statistics (need at least {3 + 2 * exclude_window})",
            key="X",
            fix="pass more samples (a few hundred or more for a usable estimate)",
        )
    k = min(k, n - 1 - 2 * exclude_window)
    index = NearestNeighbors(n_neighbors=k + 2 * exclude_window).fit(X)
    dist, idx = index.kneighbors()
    if exclude_window:
        t = np.arange(n) if times is None else np.asarray(times)
        far = np.abs(t[idx] - t[:, None]) > exclude_window
        order = np.argsort(~far, axis=1, kind="stable")[:, :k]
        dist = np.take_along_axis(dist, order, axis=1)
        idx = np.take_along_axis(idx, order, axis=1)
    return NeighbourGraph(X=X, distances=dist, indices=idx, index=index, exclude_window=exclude_window)
