"""The intrinsic-dimension report: all estimators from one neighbour graph, intervals, warnings.

:class:`IntrinsicDimension` (scikit-learn estimator API) runs, on one shared kNN graph of the de-duplicated rows:
TwoNN, GRIDE at n1 = 1, 2, 4 (and the ID-against-scale curve n1 = 1 ... 32), Levina-Bickel MLE at k = 5, 10, 20,
MiND_ML, DANCo, ESS, CorrInt, local PCA, and on the covariance spectrum the participation ratio, the
Fukunaga-Olsen rule and the 90 %-variance count.

**Recommended estimate** (one rule, no per-data-set tuning):

1. each kNN estimator ``E`` in ``CALIBRATED`` is corrected for finite ``n`` by inverting its reading on uniform
   hyper-balls of the same ``n`` (:mod:`neuroengram.latent.calibration`); DANCo is calibrated that way by design;
2. the point estimate is the median of the calibrated small-scale estimators ``POINT_SET`` (TwoNN, GRIDE n1 = 1,
   MLE k = 10, MiND_ML, DANCo);
3. the interval is the envelope of the 95 % resampling intervals (points resampled with their neighbour statistics,
   so no duplicate points are created) of all calibrated estimators ``INTERVAL_SET``, which span neighbourhood
   scales from 1 to 20 neighbours: it widens when estimators disagree or the estimate drifts with scale, not only
   with sampling noise. A calibrated value compares the data with one simulated reference sample of the same ``n``,
   so its resampling spread is multiplied by sqrt(2) (two independent samples); DANCo's table averages 100
   reference samples, so its bootstrap interval is not widened, but it is at least +-0.5 (the table is tabulated
   at integer dimensions).

Validated on the 24 ``skdim.datasets.BenchmarkManifolds`` (``neuroengram id validate``; benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator

from neuroengram.errors import DataError
from neuroengram.latent import estimators as est
from neuroengram.latent.calibration import invert, reference_curves
from neuroengram.latent.graph import NeighbourGraph, build_graph, check_points, deduplicate

CALIBRATED: tuple[str, ...] = ("TwoNN", "GRIDE_1", "GRIDE_2", "GRIDE_4", "MLE_10", "MLE_20", "MiND_ML")
"""kNN estimators corrected by the hyper-ball calibration (GRIDE_a: n1 = a, n2 = 2a; MLE_k: k neighbours)."""
POINT_SET: tuple[str, ...] = ("TwoNN", "GRIDE_1", "MLE_10", "MiND_ML", "DANCo")
"""Calibrated estimators whose median is the recommended estimate."""
INTERVAL_SET: tuple[str, ...] = (*CALIBRATED, "DANCo")
"""Calibrated estimators whose resampling intervals' envelope is the recommended interval."""

WARNING_CODES: tuple[str, ...] = (
    "duplicates",
    "time_grid",
    "count_data",
    "n_too_small",
    "disagreement",
    "no_plateau",
    "capped",
)


def _knn_readings(graph: NeighbourGraph, mind_max: int) -> dict[str, float]:
    """Raw readings of the :data:`CALIBRATED` estimators on ``graph``."""
    out = {"TwoNN": est.twonn(graph)}
    for a in (1, 2, 4):
        out[f"GRIDE_{a}"] = est.gride(graph.distances, a, 2 * a)[0]
    for k in (10, 20):
        out[f"MLE_{k}"] = est.mle(graph, k)
    out["MiND_ML"] = est.mind_ml(graph, 20, mind_max)
    return out


def _resampled_readings(
    graph: NeighbourGraph, danco_stats: dict[str, np.ndarray], mind_max: int, n_boot: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Bootstrap of the :data:`INTERVAL_SET` readings over points: pointwise statistics are resampled with the graph
    fixed, so no duplicate points (and no zero distances) are created."""
    mu = est.twonn_ratios(graph)
    inv_mle = {k: 1 / est.mle_pointwise(graph, k) for k in (10, 20)}
    log_rho = np.log(graph.distances[:, 0] / graph.distances[:, 20])
    dist8 = graph.distances[:, :8]
    n_danco = len(danco_stats["log_rho"])
    out: dict[str, list[float]] = {name: [] for name in INTERVAL_SET}
    for _ in range(n_boot):
        idx = rng.integers(0, graph.n, graph.n)
        out["TwoNN"].append(est.twonn_from_ratios(mu[idx]))
        for a in (1, 2, 4):
            out[f"GRIDE_{a}"].append(est.gride(dist8[idx], a, 2 * a)[0])
        for k in (10, 20):
            out[f"MLE_{k}"].append(1 / inv_mle[k][idx].mean())
        out["MiND_ML"].append(est.mind_from_log_ratios(log_rho[idx], 20, mind_max))
        sub = rng.integers(0, n_danco, n_danco)
        out["DANCo"].append(est.danco_from_statistics({k: v[sub] for k, v in danco_stats.items()}, mind_max))
    return {name: np.array(v) for name, v in out.items()}


def _is_count_data(X: np.ndarray) -> tuple[bool, float]:
    """Whether all values are non-negative integer multiples of the smallest positive value (binned counts)."""
    positive = X[X > 0]
    if X.min() < 0 or positive.size == 0:
        return False, 0.0
    unit = float(positive.min())
    ratio = X / unit
    return bool(np.allclose(ratio, np.round(ratio), atol=1e-6)), unit


class IntrinsicDimension(BaseEstimator):
    """Intrinsic dimension of a point cloud with a recommended estimate, its interval, and warnings.

    Parameters
    ----------
    k_max:
        Neighbours per point in the shared graph (ESS and local PCA use ``min(k_max, 100)``; others need <= 21).
    n_bootstrap:
        Resamples for the per-estimator 95 % intervals (0: no intervals beyond the point values).
    calibrate:
        Correct kNN estimators for finite ``n`` against uniform hyper-balls (the recommended rule needs it).
    exclude_window:
        For rows ordered in time: neighbours within ``exclude_window`` rows are excluded (Theiler window).
    heavy:
        Also run ESS and local PCA (per-neighbourhood Gram/SVD work; the slowest parts).
    max_danco_points:
        DANCo's calibration table covers n <= 5000; larger inputs use a random subsample of this size.
    random_state:
        Seed of the resampling, the calibration balls and subsamples.

    Attributes (after ``fit``)
    --------------------------
    dimension_: float, recommended estimate; ``interval_``: (low, high).
    estimates_: dict name -> raw estimate; ``calibrated_``: dict name -> calibrated estimate;
    ``intervals_``: dict name -> (low, high) 95 % resampling interval on the calibrated scale.
    scales_: GRIDE ID against scale (``n1``, ``id``, ``se``, ``radius``).
    local_id_: (n_points,) pointwise Levina-Bickel MLE (k = 20; inf where all 20 neighbours are equidistant, as in
    low-count spike data); ``spectrum_``: covariance eigenvalues.
    warnings_: list of (code, message); ``flags_``: dict code -> bool for every code in ``WARNING_CODES``.
    n_input_, n_points_ (after de-duplication), n_duplicates_, n_features_in_, n_constant_features_.
    """

    def __init__(
        self,
        k_max: int = 100,
        n_bootstrap: int = 100,
        calibrate: bool = True,
        exclude_window: int = 0,
        heavy: bool = True,
        max_danco_points: int = 5000,
        random_state: int = 0,
    ) -> None:
        self.k_max = k_max
        self.n_bootstrap = n_bootstrap
        self.calibrate = calibrate
        self.exclude_window = exclude_window
        self.heavy = heavy
        self.max_danco_points = max_danco_points
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: None = None, times: np.ndarray | None = None) -> IntrinsicDimension:
        """Estimate the intrinsic dimension of the rows of ``X`` (n_points, n_features).

        ``times`` (n_points,) int: time-bin number of each row, used by ``exclude_window`` (default: row order).
        """
        X = check_points(X)
        rng = np.random.default_rng(self.random_state)
        self.n_input_, self.n_features_in_ = X.shape
        self.n_constant_features_ = int(np.sum(np.ptp(X, axis=0) == 0))
        Xu, self.kept_rows_ = deduplicate(X)
        self.n_points_ = len(Xu)
        self.n_duplicates_ = self.n_input_ - self.n_points_
        if self.n_points_ < 30:
            raise DataError(
                f"only {self.n_points_} distinct rows (of {self.n_input_}); need at least 30",
                key="X",
                fix="pass more samples; a usable estimate needs hundreds",
            )
        times = np.arange(self.n_input_) if times is None else np.asarray(times)
        self.times_ = times[self.kept_rows_]
        graph = build_graph(Xu, max(self.k_max, 21), exclude_window=self.exclude_window, times=self.times_)
        n, n_features = Xu.shape
        mind_max = n_features

        self.estimates_ = _knn_readings(graph, mind_max)
        self.estimates_["MLE_5"] = est.mle(graph, 5)
        self.estimates_["CorrInt"] = est.corrint(graph)
        danco_graph = graph
        if n > self.max_danco_points:
            sub = np.sort(rng.choice(n, self.max_danco_points, replace=False))
            danco_graph = build_graph(Xu[sub], 11)
        danco_stats = est.danco_statistics(danco_graph)
        self.estimates_["DANCo"] = est.danco_from_statistics(danco_stats, n_features)
        if self.heavy:
            k_local = min(100, graph.k)
            self.estimates_["ESS"] = est.ess(graph, k_local)
            self.local_pca_ = est.local_pca_pointwise(graph, k_local)
            self.estimates_["lPCA_local"] = float(self.local_pca_.mean())
        self.spectrum_ = est.pca_spectrum(Xu)
        self.estimates_["PR"] = est.participation_ratio(self.spectrum_)
        self.estimates_["lPCA_FO"] = float(est.pca_fo(self.spectrum_))
        self.estimates_["PCA_90"] = float(est.pca_variance(self.spectrum_, 0.9))
        self.scales_ = est.gride_scales(graph, range_max=min(64, graph.k))
        self.local_id_ = est.mle_pointwise(graph, 20)
        self.mu_ = est.twonn_ratios(graph)

        boot = _resampled_readings(graph, danco_stats, mind_max, self.n_bootstrap, rng) if self.n_bootstrap else {}
        maps: dict[str, Callable[[float], float]] = {name: (lambda v: v) for name in CALIBRATED}
        if self.calibrate:
            fns = {
                "TwoNN": est.twonn,
                **{f"GRIDE_{a}": (lambda g, a=a: est.gride(g.distances, a, 2 * a)[0]) for a in (1, 2, 4)},
                **{f"MLE_{k}": (lambda g, k=k: est.mle(g, k)) for k in (10, 20)},
                "MiND_ML": lambda g: est.mind_ml(g, 20, 2 * g.X.shape[1] + 5),
            }
            targets = {name: self.estimates_[name] for name in CALIBRATED}
            for name in CALIBRATED:
                if name in boot:
                    targets[name] = max(targets[name], float(np.percentile(boot[name], 97.5)))
            dims, ref = reference_curves(n, fns, targets, 21, rng, min_value=min(targets.values()))
            self.reference_ = {"dims": dims, **ref}
            maps = {name: (lambda v, name=name: invert(v, dims, ref[name])) for name in CALIBRATED}
        self.calibrated_ = {name: maps[name](self.estimates_[name]) for name in CALIBRATED}
        self.calibrated_["DANCo"] = self.estimates_["DANCo"]
        self.intervals_ = {}
        for name in INTERVAL_SET:
            value = self.calibrated_[name]
            if name not in boot:
                self.intervals_[name] = (value, value)
                continue
            lo, hi = np.percentile(boot[name], [2.5, 97.5])
            if name in CALIBRATED:
                # a calibrated value compares two samples of size n (data and reference ball): sqrt(2) x the spread
                widen = np.sqrt(2) if self.calibrate else 1.0
                lo, hi = value - widen * (value - maps[name](lo)), value + widen * (maps[name](hi) - value)
            else:
                # DANCo's table is tabulated at integer dimensions: its resolution is +-0.5
                lo, hi = min(lo, value - 0.5), max(hi, value + 0.5)
            self.intervals_[name] = (float(min(lo, value)), float(max(hi, value)))
        self.dimension_ = float(np.median([self.calibrated_[name] for name in POINT_SET]))
        self.interval_ = (
            float(min(lo for lo, _ in self.intervals_.values())),
            float(max(hi for _, hi in self.intervals_.values())),
        )
        self._collect_warnings(X, graph)
        return self

    def _collect_warnings(self, X: np.ndarray, graph: NeighbourGraph) -> None:
        warn: list[tuple[str, str]] = []
        if self.n_duplicates_:
            warn.append(
                (
                    "duplicates",
                    f"{self.n_duplicates_} exact duplicate rows of {self.n_input_} were removed "
                    "before estimation (zero distances send MLE to 0 and MiND_ML to 1)",
                )
            )
        self.tie_fraction_ = float(np.mean(self.mu_ < 1.001))
        gap = np.abs(self.times_[graph.indices[:, 0]] - self.times_)
        self.adjacent_fraction_ = float(np.mean(gap <= self.exclude_window + 1))
        # under the TwoNN model P(mu < 1.001) = 1 - 1.001^-d; regular grids give many more near-ties
        expected_ties = 1 - 1.001 ** -max(self.dimension_, 1.0)
        if self.tie_fraction_ > 5 * expected_ties + 0.05 or self.adjacent_fraction_ > 0.5:
            warn.append(
                (
                    "time_grid",
                    f"rows look like a trajectory on a regular time grid: {self.adjacent_fraction_:.0%}"
                    f" of nearest neighbours are the next time bin and {self.tie_fraction_:.0%} of points have "
                    f"r2/r1 < 1.001 (expected {expected_ties:.1%}); exclude temporal neighbours "
                    "(exclude_window) or sample at random times / from many trials",
                )
            )
        counts, unit = _is_count_data(X)
        if counts:
            warn.append(
                (
                    "count_data",
                    f"values are non-negative multiples of {unit:g} (counts, e.g. binned spikes): count noise "
                    "and discreteness inflate the ID at small scales; compare smoothed rates and the scale curve",
                )
            )
        limit = 2 * np.log10(self.n_points_)
        if self.dimension_ > limit:
            warn.append(
                (
                    "n_too_small",
                    f"ID {self.dimension_:.1f} exceeds 2 log10(n) = {limit:.1f} "
                    f"(Eckmann-Ruelle): raw kNN estimators read low (TwoNN {self.estimates_['TwoNN']:.1f}); "
                    "the estimate rests on the finite-n calibration",
                )
            )
        values = np.array([self.calibrated_[name] for name in INTERVAL_SET])
        spread = (values.max() - values.min()) / max(self.dimension_, 1e-12)
        if spread > 0.3:
            warn.append(
                (
                    "disagreement",
                    f"calibrated estimators disagree by {spread:.0%} of the estimate "
                    f"({values.min():.1f} to {values.max():.1f})",
                )
            )
        curve = self.scales_["id"][self.scales_["n1"] <= 16]
        drift = (curve.max() - curve.min()) / max(float(np.median(curve)), 1e-12)
        if drift > 0.2:
            warn.append(
                (
                    "no_plateau",
                    f"GRIDE drifts by {drift:.0%} between n1 = 1 and 16 "
                    f"({curve[0]:.1f} -> {curve[-1]:.1f}): the ID depends on scale",
                )
            )
        if self.estimates_["MiND_ML"] >= self.n_features_in_ - 1e-6:
            warn.append(("capped", f"MiND_ML reached its cap (the ambient dimension {self.n_features_in_})"))
        self.warnings_ = warn
        self.flags_ = {code: any(c == code for c, _ in warn) for code in WARNING_CODES}

    def summary(self) -> dict[str, float | int | str | bool]:
        """Flat scalar metrics (one row of a metrics table): estimates, interval, flags and warning text."""
        out: dict[str, float | int | str | bool] = {
            "id": self.dimension_,
            "id_low": self.interval_[0],
            "id_high": self.interval_[1],
            "n_points": self.n_points_,
            "n_features": self.n_features_in_,
            "n_duplicates": self.n_duplicates_,
        }
        out.update({f"raw_{name}": float(v) for name, v in self.estimates_.items()})
        out.update({f"cal_{name}": float(v) for name, v in self.calibrated_.items()})
        out.update(
            {f"gride_scale_{int(a)}": float(v) for a, v in zip(self.scales_["n1"], self.scales_["id"], strict=True)}
        )
        q25, q50, q75 = np.percentile(self.local_id_[np.isfinite(self.local_id_)], [25, 50, 75])
        out.update({"local_id_median": float(q50), "local_id_iqr": float(q75 - q25)})
        out.update({f"warn_{code}": flag for code, flag in self.flags_.items()})
        out["warnings"] = "; ".join(f"{code}: {msg}" for code, msg in self.warnings_)
        return out
