"""Intrinsic-dimension estimators, vectorised over one shared :class:`~neuroengram.latent.graph.NeighbourGraph`.

Notation: ``r_j(x)`` is the distance from ``x`` to its ``j``-th nearest neighbour, ``n`` the number of points.
Conventions follow scikit-dimension 0.5.0 (``skdim.id``) so that the numbers can be cross-checked against it.

* **TwoNN** (Facco et al. 2017, Sci. Rep. 7:12140): ``mu = r_2 / r_1`` is Pareto(1, d). ``linear``: slope through
  the origin of ``-log(1 - F_emp(mu))`` against ``log mu`` after discarding the largest 10 % of ``mu``.
* **GRIDE** (Denti et al. 2022, Sci. Rep. 12:20005): ``mu = r_{n2} / r_{n1}`` has density
  ``d (mu^d - 1)^(n2-n1-1) / (B(n2-n1, n1) mu^((n2-1) d + 1))``; the ID is the root of the score, its standard error
  ``1 / sqrt(observed information)``. ``n1 = 1, 2, 4, ...`` with ``n2 = 2 n1`` gives ID against scale.
* **MLE** (Levina & Bickel 2004): pointwise ``m_k(x) = (k - 1) / sum_{j<=k} log(r_k / r_j)``, combined by the
  harmonic mean (MacKay & Ghahramani), as ``skdim.id.MLE(comb="mle")``.
* **MiND_ML** (Rozza et al. 2012): ``rho = r_1 / r_{k+1}``; maximise
  ``n log(k d) + (d - 1) sum log rho + (k - 1) sum log(1 - rho^d)`` over ``d`` in ``[1, D]``.
* **CorrInt** (Grassberger & Procaccia 1983): ``log C(r2)/C(r1) / log(r2/r1)`` with ``C(r)`` the fraction of pairs
  closer than ``r``, ``r1, r2`` the median ``k1``-th / ``k2``-th neighbour distances.
* **ESS** (Johnsson et al. 2015, version a, d = 1): in each 100-neighbourhood (centred on its mean), the ratio of
  ``sum |a||b| sin(a, b)`` to ``sum |a||b|`` over all pairs, inverted through its expectation for isotropic data.
* **DANCo** (Ceruti et al. 2012): MiND_MLk estimate plus the von Mises concentration of neighbour angles, matched by
  Kullback-Leibler divergence to calibration statistics of uniform hyper-balls (skdim's DANCoFit table, k = 10).
* **PCA**: eigenvalues ``lambda`` of the covariance; participation ratio ``(sum lambda)^2 / sum lambda^2``
  (Gao et al. 2017); its finite-sample bias correction (Chun, Canatar, Chung & Lee, ICLR 2026, arXiv:2509.26560):
  the ratio of the unbiased U-statistic estimators of ``(tr C)^2`` and ``tr(C^2)``; Fukunaga-Olsen: number of
  ``lambda > alpha lambda_max``; components for 90 % variance; local
  PCA applies Fukunaga-Olsen inside every neighbourhood.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
from scipy.interpolate import PchipInterpolator, interp1d
from scipy.optimize import brentq, minimize
from scipy.special import digamma, gammaln, i0e, i1e

from neuroengram.errors import DataError
from neuroengram.latent.graph import NeighbourGraph


def _need(graph: NeighbourGraph, k: int, name: str) -> None:
    if graph.k < k:
        raise DataError(
            f"{name} needs {k} neighbours per point but the graph has {graph.k}",
            key="k_max",
            fix=f"build the graph with k >= {k} (and pass at least {k + 1} distinct points)",
        )


def twonn_ratios(graph: NeighbourGraph) -> np.ndarray:
    """``mu = r_2 / r_1`` for every point, shape (n_points,)."""
    _need(graph, 2, "TwoNN")
    return graph.distances[:, 1] / graph.distances[:, 0]


def twonn_from_ratios(mu: np.ndarray, discard_fraction: float = 0.1) -> float:
    """TwoNN linear fit of Facco et al. (2017) from the ratios ``mu`` (= ``skdim.id.TwoNN()``)."""
    mu = np.sort(mu)
    n = len(mu)
    n_keep = int(n * (1 - discard_fraction))
    x = np.log(mu[:n_keep])
    y = -np.log(1 - np.arange(1, n_keep + 1) / n)
    return float(x @ y / (x @ x))


def twonn(graph: NeighbourGraph, discard_fraction: float = 0.1) -> float:
    """TwoNN, linear fit through the origin after discarding the largest ``discard_fraction`` of ``mu``."""
    return twonn_from_ratios(twonn_ratios(graph), discard_fraction)


def gride(distances: np.ndarray, n1: int, n2: int) -> tuple[float, float]:
    """GRIDE maximum-likelihood ID and its standard error from neighbour orders ``n1 < n2`` (= ``skdim.id.GRIDE``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_mu = np.log(distances[:, n2 - 1] / distances[:, n1 - 1])
    log_mu = log_mu[np.isfinite(log_mu) & (log_mu > 0)]
    mu = np.exp(log_mu)
    q95, q50 = np.percentile(mu, [95, 50])
    log_mu = log_mu[mu < 20 * (q95 - q50) + q50]
    n = len(log_mu)
    if n < 2:
        raise DataError("all neighbour-distance ratios are tied", key="X", fix="check for duplicated or gridded rows")
    total = log_mu.sum()

    def score(d: float) -> float:
        return (n - 1) / d + (n2 - n1 - 1) * np.sum(log_mu / -np.expm1(-d * log_mu)) - (n2 - 1) * total

    hi = 1.0
    while score(hi) > 0 and hi < 1e15:
        hi *= 2
    d = brentq(score, 1e-8, hi, xtol=1e-12, rtol=1e-12)
    info = n / d**2 + (n2 - n1 - 1) * np.sum((log_mu / (2 * np.sinh(d * log_mu / 2))) ** 2)
    return float(d), float(1 / np.sqrt(info))


def gride_scales(graph: NeighbourGraph, range_max: int = 64) -> dict[str, np.ndarray]:
    """GRIDE at ``n1 = 1, 2, 4, ...`` with ``n2 = 2 n1 <= min(range_max, k)``: the ID-against-scale curve.

    Returns ``n1``, ``id``, ``se`` and ``radius`` (mean distance to the ``n2``-th neighbour) arrays.
    """
    top = min(range_max, graph.k)
    n1 = 2 ** np.arange(int(np.log2(top)))
    res = np.array([gride(graph.distances, int(a), int(2 * a)) for a in n1])
    return {"n1": n1, "id": res[:, 0], "se": res[:, 1], "radius": graph.distances[:, 2 * n1 - 1].mean(axis=0)}


def mle_pointwise(graph: NeighbourGraph, k: int = 20) -> np.ndarray:
    """Levina-Bickel pointwise ID ``(k - 1) / sum_j log(r_k / r_j)`` for every point, shape (n_points,)."""
    _need(graph, k, f"MLE (k={k})")
    r = graph.distances[:, :k]
    with np.errstate(divide="ignore"):  # inf where all k neighbours are equidistant (discrete data)
        return (k - 1) / np.log(r[:, -1:] / r).sum(axis=1)


def mle(graph: NeighbourGraph, k: int = 20) -> float:
    """Levina-Bickel MLE combined by the harmonic mean (= ``skdim.id.MLE(n_neighbors=k)``)."""
    return float(1 / np.mean(1 / mle_pointwise(graph, k)))


def mind_from_log_ratios(log_rho: np.ndarray, k: int, max_dim: int) -> float:
    """MiND_MLk: the maximiser of the MiND likelihood on ``(0, max_dim]``.

    The log-likelihood is concave in ``d`` (``log(1 - exp(-a d))`` is concave for ``a > 0``), so the maximiser is
    the root of the score, found by Brent's method (skdim: L-BFGS-B from the integer argmax; same optimum).
    """
    log_rho = log_rho[log_rho < 0]  # r_1 = r_{k+1}: tied distances (discrete data) carry no information
    n = len(log_rho)
    if n < 2:
        raise DataError("all neighbour-distance ratios are tied", key="X", fix="check for duplicated or gridded rows")
    total = log_rho.sum()

    def score(d: float) -> float:
        rd = np.exp(d * log_rho)
        return n / d + total - (k - 1) * np.sum(rd * log_rho / -np.expm1(d * log_rho))

    if score(max_dim) >= 0:
        return float(max_dim)
    return float(brentq(score, 1e-8, max_dim, xtol=1e-10))


def mind_ml(graph: NeighbourGraph, k: int = 20, max_dim: int | None = None) -> float:
    """MiND_MLk from ``rho = r_1 / r_{k+1}`` (= ``skdim.id.MiND_ML(k=k, D=max_dim)``).

    ``max_dim`` defaults to the ambient dimension (skdim's default of 10 caps every higher ID at exactly 10).
    """
    _need(graph, k + 1, f"MiND_ML (k={k})")
    max_dim = graph.X.shape[1] if max_dim is None else max_dim
    return mind_from_log_ratios(np.log(graph.distances[:, 0] / graph.distances[:, k]), k, max_dim)


def corrint(graph: NeighbourGraph, k1: int = 10, k2: int = 20) -> float:
    """Correlation dimension between the median ``k1``- and ``k2``-th neighbour radii (= ``skdim.id.CorrInt``)."""
    _need(graph, k2, f"CorrInt (k2={k2})")
    r1 = np.median(graph.distances[:, k1 - 1])
    r2 = np.median(graph.distances[:, k2 - 1])
    # pairs closer than r2 are in the graph unless a point's farthest graph neighbour is within r2
    complete = graph.distances[:, -1] >= r2
    c1 = np.count_nonzero(graph.distances[complete] < r1)
    c2 = np.count_nonzero(graph.distances[complete] < r2)
    if not complete.all():
        dist, _ = graph.index.radius_neighbors(graph.X[~complete], radius=r2, sort_results=False)
        flat = np.concatenate(dist)
        # the queried points find themselves at distance 0
        c1 += np.count_nonzero(flat < r1) - len(dist)
        c2 += np.count_nonzero(flat < r2) - len(dist)
    return float(np.log(c2 / c1) / np.log(r2 / r1))


def _ess_reference(max_dim: int) -> np.ndarray:
    """Expected simplex skewness (version a, d = 1) of isotropic data in dimension 1..max_dim.

    ``E = Gamma(m/2)^2 / (Gamma((m+1)/2) Gamma((m-1)/2))`` for ``m >= 2``, 0 for ``m = 1``.
    """
    m = np.arange(2, max_dim + 1, dtype=float)
    ref = np.exp(2 * gammaln(m / 2) - gammaln((m + 1) / 2) - gammaln((m - 1) / 2))
    return np.concatenate([[0.0], ref])


def ess_pointwise(graph: NeighbourGraph, k: int = 100, chunk: int = 256) -> np.ndarray:
    """ESS (version a, d = 1) local ID in each point's ``k``-neighbourhood, shape (n_points,) (= ``skdim.id.ESS``).

    Vectorised: for centred neighbour vectors ``V`` (k, D) with Gram matrix ``G``, the pair sums are
    ``sum_{i<j} sqrt(G_ii G_jj - G_ij^2)`` and ``sum_{i<j} sqrt(G_ii G_jj)``. With k = 100 all 4950 pairs are used
    (skdim samples up to 5000 pairs, i.e. all of them, so the numbers agree).
    """
    _need(graph, k, f"ESS (k={k})")
    X, idx = graph.X, graph.indices[:, :k]
    ess = np.empty(len(X))
    for start in range(0, len(X), chunk):
        V = X[idx[start : start + chunk]]
        V = V - V.mean(axis=1, keepdims=True)
        G = V @ V.transpose(0, 2, 1)
        diag = np.einsum("pii->pi", G)
        # sums over ordered pairs i != j (twice the unordered sums; the diagonal of vol is 0)
        vol = np.sqrt(np.abs(diag[:, :, None] * diag[:, None, :] - G**2)).sum(axis=(1, 2))
        weight = np.sqrt(diag).sum(axis=1) ** 2 - diag.sum(axis=1)
        ess[start : start + chunk] = vol / weight
    max_dim = 20
    ref = _ess_reference(max_dim)
    while ess.max() > ref[-1]:
        max_dim *= 2
        ref = _ess_reference(max_dim)
    lower = np.searchsorted(ref, ess, side="right")  # dimension index (1-based) with ref[lower-1] <= ess
    lower = np.clip(lower, 1, max_dim - 1)
    return lower + (ess - ref[lower - 1]) / (ref[lower] - ref[lower - 1])


def ess(graph: NeighbourGraph, k: int = 100) -> float:
    """ESS global ID: mean of the pointwise estimates (= ``skdim.id.ESS().fit(X).dimension_``)."""
    return float(np.mean(ess_pointwise(graph, k)))


_DANCO_TABLE = None


def _danco_table() -> dict[str, np.ndarray]:
    """skdim's DANCoFit calibration table (statistics of uniform hyper-balls, k = 10, d = 1..100, n = 20..5000)."""
    global _DANCO_TABLE
    if _DANCO_TABLE is None:
        spec = importlib.util.find_spec("skdim")  # locate the package without importing it (numba start-up)
        path = os.path.join(spec.submodule_search_locations[0], "id", "DANCoFit", "danco_fit_table.npz")
        with np.load(path, allow_pickle=False) as table:
            _DANCO_TABLE = {key: table[key] for key in table.files}
    return _DANCO_TABLE


def _von_mises_kappa(eta: np.ndarray) -> np.ndarray:
    """Best-Fisher approximation of the von Mises concentration from the mean resultant length ``eta``."""
    with np.errstate(divide="ignore"):  # every branch is evaluated; only the selected one is finite
        return np.select(
            [eta < 0.53, eta < 0.85],
            [2 * eta + eta**3 + 5 * eta**5 / 6, -0.4 + 1.39 * eta + 0.43 / (1 - eta)],
            1 / (eta**3 - 4 * eta**2 + 3 * eta),
        )


def _danco_kl(stats: dict[str, float], cal: dict[str, np.ndarray], k: int) -> np.ndarray:
    """KL divergence between the data's DANCo statistics and each calibration dimension (array over d)."""
    j = np.arange(k + 1)
    binom = np.exp(gammaln(k + 1) - gammaln(j + 1) - gammaln(k - j + 1))
    quo = cal["dhat"][:, None] / stats["dhat"]
    kl_d = (
        np.sum(1 / np.arange(1, k + 1)) * quo[:, 0]
        - np.log(quo[:, 0])
        - (k - 1) * np.sum((-1.0) ** j * binom * digamma(1 + j / quo), axis=1)
    )
    tau1, tau2 = stats["mu_tau"], cal["mu_tau"]
    # log(I0(tau2) / I0(tau1)) with exponentially scaled Bessel functions (no overflow)
    kl_vm = (
        np.log(i0e(tau2) / i0e(tau1))
        + tau2
        - tau1
        + i1e(tau1) / i0e(tau1) * (tau1 - tau2 * np.cos(stats["mu_nu"] - cal["mu_nu"]))
    )
    return kl_d + kl_vm


DANCO_K = 10
"""Neighbourhood size of DANCo (fixed by the DANCoFit calibration table)."""


def danco_statistics(graph: NeighbourGraph) -> dict[str, np.ndarray]:
    """Per-point DANCo statistics: ``log_rho = log(r_1 / r_{k+1})`` and the von Mises mean ``nu`` and concentration
    ``tau`` of the angles between the ``k = 10`` neighbour directions; arrays of shape (n_points,)."""
    k = DANCO_K
    _need(graph, k + 1, "DANCo")
    vec = graph.X[graph.indices[:, :k]] - graph.X[:, None, :]
    vec /= np.linalg.norm(vec, axis=2, keepdims=True)
    iu = np.triu_indices(k, 1)
    theta = np.arccos(np.clip((vec @ vec.transpose(0, 2, 1))[:, iu[0], iu[1]], -1.0, 1.0))
    sin, cos = np.sin(theta), np.cos(theta)
    return {
        "log_rho": np.log(graph.distances[:, 0] / graph.distances[:, k]),
        "nu": np.arctan(sin.sum(axis=1) / cos.sum(axis=1)),
        "tau": _von_mises_kappa(np.sqrt(cos.mean(axis=1) ** 2 + sin.mean(axis=1) ** 2)),
    }


def danco_from_statistics(stats: dict[str, np.ndarray], n_features: int, max_dim: int | None = None) -> float:
    """DANCo fractal estimate from per-point statistics (:func:`danco_statistics`) against the DANCoFit table.

    The table covers 20 <= n <= 5000 and d <= 100; call it on a subsample for larger n. Resampling the per-point
    statistics gives DANCo's bootstrap distribution without new neighbour searches.
    """
    k = DANCO_K
    table = _danco_table()
    n = len(stats["log_rho"])
    max_dim = min(n_features if max_dim is None else max_dim, len(table["dhat"]))
    card = table["cardinalities"]
    if not card[0] <= n <= card[-1]:
        raise DataError(
            f"DANCo's calibration covers {card[0]}..{card[-1]} points, got {n}",
            key="n_points",
            fix="estimate DANCo on a subsample",
        )
    data = {
        "dhat": mind_from_log_ratios(stats["log_rho"], k, max_dim),
        "mu_nu": float(stats["nu"].mean()),
        "mu_tau": float(stats["tau"].mean()) if n_features > 1 else 1.0,
    }
    cal = {key: PchipInterpolator(card, table[key][:max_dim], axis=1)(n) for key in ("dhat", "mu_nu", "mu_tau")}
    kl = _danco_kl(data, cal, k)
    best = int(np.argmin(kl)) + 1
    kind = "cubic" if n_features > 3 and max_dim >= 4 else "quadratic" if n_features == 3 else "linear"
    f = interp1d(np.arange(1, max_dim + 1), kl, kind=kind, bounds_error=False, fill_value=(1, max_dim + 1))
    return float(minimize(lambda d: f(d[0]), np.array([float(best)]), bounds=[(1, max_dim + 1)], tol=1e-3).x[0])


def danco(graph: NeighbourGraph, max_dim: int | None = None) -> float:
    """DANCo with the DANCoFit calibration table (k = 10); fractal estimate (= ``skdim.id.DANCo(ver="DANCoFit")``)."""
    return danco_from_statistics(danco_statistics(graph), graph.X.shape[1], max_dim)


def pca_spectrum(X: np.ndarray) -> np.ndarray:
    """Covariance eigenvalues of ``X`` (descending), shape (min(n, D),)."""
    s = np.linalg.svd(X - X.mean(axis=0), compute_uv=False)
    return s**2 / max(len(X) - 1, 1)


def participation_ratio(eigenvalues: np.ndarray) -> float:
    """``(sum lambda)^2 / sum lambda^2``: the linear dimensionality."""
    return float(eigenvalues.sum() ** 2 / np.sum(eigenvalues**2))


def participation_ratio_corrected(X: np.ndarray) -> float:
    """Participation ratio with the finite-sample bias removed: ``U[(tr C)^2] / U[tr(C^2)]``.

    The naive PR of ``P`` samples is biased low (``E[1/PR_naive] ~ 1/P + 1/PR``; Chun, Canatar, Chung & Lee,
    "Estimating dimensionality of neural representations from finite samples", ICLR 2026, arXiv:2509.26560,
    "row" correction; all features are assumed recorded, so no column correction). Numerator and denominator are
    each replaced by their unbiased U-statistic over distinct rows ``i, j, k, l`` (unknown mean), written with the
    Gram matrix ``G = X X^T``, ``n_i = G_ii``, ``r = (G - diag G) 1``, ``S = 1^T r``, ``Q = sum_{i!=j} G_ij^2``:

        ``(tr C)^2 ~ U(n_i n_j) - 2 U(n_i G_jk) + U(G_ij G_kl)``,
        ``tr(C^2)  ~ U(G_ij^2) - 2 U(G_ij G_ik) + U(G_ij G_kl)``

    (the second is the unbiased HSIC of Song et al. 2012 with linear kernels). Every term is a sum over ``X^T X``
    and row norms (O(P D^2), no P x P matrix). The estimators are translation invariant, so ``X`` is centred first
    for numerical accuracy. ``X``: (n_points, n_features), at least 4 rows.
    """
    X = np.asarray(X, dtype=float)
    P = len(X)
    if P < 4:
        raise DataError(f"the corrected participation ratio needs at least 4 rows, got {P}", key="X")
    X = X - X.mean(axis=0)
    norms = np.einsum("ij,ij->i", X, X)
    total = norms.sum()
    r = X @ X.sum(axis=0) - norms
    S = r.sum()
    Q = np.sum((X.T @ X) ** 2) - np.sum(norms**2)
    p2, p3, p4 = P * (P - 1), P * (P - 1) * (P - 2), P * (P - 1) * (P - 2) * (P - 3)
    u_pairs = (S**2 - 4 * np.sum(r**2) + 2 * Q) / p4  # U(G_ij G_kl), all indices distinct
    tr_c_squared = (total**2 - np.sum(norms**2)) / p2 - 2 * (total * S - 2 * norms @ r) / p3 + u_pairs
    tr_c2 = Q / p2 - 2 * (np.sum(r**2) - Q) / p3 + u_pairs
    return float(tr_c_squared / tr_c2)


def pca_fo(eigenvalues: np.ndarray, alpha: float = 0.05) -> int:
    """Fukunaga-Olsen rule: number of eigenvalues above ``alpha`` times the largest (= ``skdim.id.lPCA()``)."""
    return int(np.sum(eigenvalues > alpha * eigenvalues[0]))


def pca_variance(eigenvalues: np.ndarray, fraction: float = 0.9) -> int:
    """Number of principal components needed to explain ``fraction`` of the variance."""
    cum = np.cumsum(eigenvalues) / eigenvalues.sum()
    return int(np.searchsorted(cum, fraction - 1e-12) + 1)


def local_pca_pointwise(graph: NeighbourGraph, k: int = 100, alpha: float = 0.05, chunk: int = 256) -> np.ndarray:
    """Fukunaga-Olsen count in each point's ``k``-neighbourhood (local PCA), shape (n_points,)."""
    _need(graph, k, f"local PCA (k={k})")
    X, idx = graph.X, graph.indices[:, :k]
    out = np.empty(len(X))
    for start in range(0, len(X), chunk):
        V = X[idx[start : start + chunk]]
        V = V - V.mean(axis=1, keepdims=True)
        lam = np.linalg.svd(V, compute_uv=False) ** 2
        out[start : start + chunk] = np.sum(lam > alpha * lam[:, :1], axis=1)
    return out
