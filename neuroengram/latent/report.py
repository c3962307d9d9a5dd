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

Beside it: ID against sample size (TwoNN and MLE on disjoint subsamples of n, n/2, n/4, ...; Facco et al.'s
decimation), per-class local ID when labels are given, and the bias-corrected participation ratio.

Validated on the 24 ``skdim.datasets.BenchmarkManifolds`` (``neuroengram id validate``; benchmarks/README.md).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sklearn.base import BaseEstimator

from neuroengram.errors import ConfigError, DataError
from neuroengram.latent import estimators as est
from neuroengram.latent.calibration import invert, reference_curves
from neuroengram.latent.graph import NeighbourGraph, build_graph, check_points, deduplicate

CALIBRATED: tuple[str, ...] = ("TwoNN", "GRIDE_1", "GRIDE_2", "GRIDE_4", "MLE_10", "MLE_20", "MiND_ML")
"""kNN estimators corrected by the hyper-ball calibration (GRIDE_a: n1 = a, n2 = 2a; MLE_k: k neighbours)."""
POINT_SET: tuple[str, ...] = ("TwoNN", "GRIDE_1", "MLE_10", "MiND_ML", "DANCo")
"""Calibrated estimators whose median is the recommended estimate."""
INTERVAL_SET: tuple[str, ...] = (*CALIBRATED, "DANCo")
"""Calibrated estimators whose resampling intervals' envelope is the recommended interval."""

ESTIMATORS: dict[str, tuple[str, ...]] = {
    "twonn": ("TwoNN",),
    "gride": ("GRIDE_1", "GRIDE_2", "GRIDE_4"),
    "mle": ("MLE_5", "MLE_10", "MLE_20"),
    "mind_ml": ("MiND_ML",),
    "danco": ("DANCo",),
    "ess": ("ESS",),
    "corrint": ("CorrInt",),
    "lpca": ("lPCA_local",),
    "pca": ("PR", "PR_corrected", "lPCA_FO", "PCA_90"),
}
"""Estimator names accepted by ``estimators=`` (and ``--estimators``) -> the entries of ``estimates_`` they report.
``ess`` and ``lpca`` (per-neighbourhood work) run only when selected and ``heavy``."""

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


def count_unit(X: np.ndarray) -> float:
    """The counting unit if all values are non-negative integer multiples of the smallest positive value, else 0."""
    positive = X[X > 0]
    if X.min() < 0 or positive.size == 0:
        return 0.0
    unit = float(positive.min())
    ratio = X / unit
    return unit if np.allclose(ratio, np.round(ratio), atol=1e-6) else 0.0


POISSON_FANO: tuple[float, float] = (0.8, 3.0)
"""Range of the median Fano factor (variance / mean, in counting units) over the lower-mean half of the columns
that marks count data as spike-count-like. Poisson counts, modulated or not, have Fano factors near 1 in low-rate
columns (measured: 1.0-1.7 for mean counts up to 20 per bin); bounded integer data such as digit pixel intensities
(0-16) do not (digits: 4.7)."""


def is_spike_count_like(X: np.ndarray) -> tuple[bool, float, float]:
    """``(flag, unit, fano)``: non-negative integer multiples of a unit with a Poisson-like mean-variance relation."""
    unit = count_unit(X)
    if unit == 0:
        return False, 0.0, float("nan")
    counts = X / unit
    mean, var = counts.mean(axis=0), counts.var(axis=0, ddof=1)
    varying = var > 0
    if not varying.any():
        return False, unit, float("nan")
    mean, fano = mean[varying], var[varying] / mean[varying]
    low = float(np.median(fano[mean <= np.median(mean)]))
    return bool(POISSON_FANO[0] <= low <= POISSON_FANO[1]), unit, low


def decimation(
    X: np.ndarray,
    times: np.ndarray,
    exclude_window: int,
    rng: np.random.Generator,
    min_points: int = 100,
    max_blocks: int = 8,
) -> dict[str, np.ndarray]:
    """ID against sample size: raw TwoNN and MLE (k = 10) on disjoint random subsamples of n, n/2, n/4, ...

    At level ``j`` a random permutation is cut into ``2^j`` disjoint blocks (at most ``max_blocks`` are used) of
    ``n / 2^j >= min_points`` rows (Facco et al. 2017's decimation; level 0, all rows, always). Returns arrays over
    levels: ``n``, ``blocks``, ``TwoNN`` / ``MLE_10`` (mean over blocks) and ``TwoNN_sd`` / ``MLE_10_sd``
    (standard deviation over blocks; 0 at full n). Raw (uncalibrated) values: kNN estimators of a high ID
    drift up with n.
    """
    order = rng.permutation(len(X))
    out: dict[str, list[float]] = {key: [] for key in ("n", "blocks", "TwoNN", "TwoNN_sd", "MLE_10", "MLE_10_sd")}
    size, level = len(X), 0
    while level == 0 or size >= min_points:
        values = []
        for block in range(min(2**level, max_blocks)):
            rows = np.sort(order[block * size : (block + 1) * size])
            graph = build_graph(X[rows], 11, exclude_window=exclude_window, times=times[rows])
            values.append((est.twonn(graph), est.mle(graph, 10)))
        arr = np.array(values)
        out["n"].append(size)
        out["blocks"].append(len(values))
        for col, name in enumerate(("TwoNN", "MLE_10")):
            out[name].append(float(arr[:, col].mean()))
            out[f"{name}_sd"].append(float(arr[:, col].std(ddof=1)) if len(arr) > 1 else 0.0)
        level += 1
        size = len(X) // 2**level
    return {key: np.array(v) for key, v in out.items()}


def per_class(
    X: np.ndarray,
    labels: np.ndarray,
    local_id: np.ndarray,
    times: np.ndarray,
    exclude_window: int,
    min_points: int = 30,
) -> dict[str, np.ndarray]:
    """Per-class intrinsic dimension: the pointwise MLE (k = 20, from the shared graph) summarised over each class's
    points (median, 25th and 75th percentile), and TwoNN and MLE (k = 20, harmonic mean) fitted on each class's own
    points with the same Theiler window (NaN below ``min_points`` distinct rows). Arrays over the sorted class
    labels: ``label``, ``n``, ``local_median``, ``local_q25``, ``local_q75``, ``TwoNN``, ``MLE_20``.
    """
    out: dict[str, list[float]] = {
        key: [] for key in ("label", "n", "local_median", "local_q25", "local_q75", "TwoNN", "MLE_20")
    }
    for label in np.unique(labels):
        mask = labels == label
        local = local_id[mask]
        local = local[np.isfinite(local)]
        q25, q50, q75 = np.percentile(local, [25, 50, 75]) if local.size else (np.nan,) * 3
        twonn = mle20 = np.nan
        if mask.sum() >= min_points:
            graph = build_graph(X[mask], 21, exclude_window=exclude_window, times=times[mask])
            twonn, mle20 = est.twonn(graph), est.mle(graph, 20)
        for key, value in zip(out, (label, mask.sum(), q50, q25, q75, twonn, mle20), strict=True):
            out[key].append(value)
    return {key: np.array(v) for key, v in out.items()}


def check_estimators(names: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """Validate estimator names (keys of :data:`ESTIMATORS`, case-insensitive); ``None`` means all of them."""
    if names is None:
        return tuple(ESTIMATORS)
    chosen = tuple(dict.fromkeys(name.strip().lower() for name in names if name.strip()))
    unknown = [name for name in chosen if name not in ESTIMATORS]
    if unknown or not chosen:
        raise ConfigError(
            f"unknown estimator names {unknown}" if unknown else "no estimator named",
            key="estimators",
            fix=f"use a comma-separated subset of {', '.join(ESTIMATORS)}",
        )
    return chosen


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
    estimators:
        Names from :data:`ESTIMATORS` to report (default: all). The recommended estimate always uses its fixed
        set (TwoNN, GRIDE, MLE, MiND_ML, DANCo); this chooses the table and whether ESS / local PCA run.
    activity:
        Rows are binned neural activity: count-valued data are flagged as count noise whatever their
        mean-variance relation (otherwise only Poisson-like counts are, see :func:`is_spike_count_like`).
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
    reported_: names in ``estimates_`` selected by ``estimators``.
    decimation_: ID against sample size (:func:`decimation`).
    classes_: per-class ID (:func:`per_class`) when ``fit`` got labels ``y``, else None.
    n_input_, n_points_ (after de-duplication), n_duplicates_, n_features_in_, n_constant_features_.
    """

    def __init__(
        self,
        k_max: int = 100,
        n_bootstrap: int = 100,
        calibrate: bool = True,
        exclude_window: int = 0,
        heavy: bool = True,
        estimators: tuple[str, ...] | None = None,
        activity: bool = False,
        max_danco_points: int = 5000,
        random_state: int = 0,
    ) -> None:
        self.k_max = k_max
        self.n_bootstrap = n_bootstrap
        self.calibrate = calibrate
        self.exclude_window = exclude_window
        self.heavy = heavy
        self.estimators = estimators
        self.activity = activity
        self.max_danco_points = max_danco_points
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray | None = None, times: np.ndarray | None = None) -> IntrinsicDimension:
        """Estimate the intrinsic dimension of the rows of ``X`` (n_points, n_features).

        ``y`` (n_points,): optional class labels, for the per-class breakdown ``classes_``.
        ``times`` (n_points,) int: time-bin number of each row, used by ``exclude_window`` (default: row order).
        """
        selected = check_estimators(self.estimators)
        X = check_points(X)
        if y is not None and len(y) != len(X):
            raise DataError(f"{len(y)} labels for {len(X)} rows", key="y", fix="pass one label per row")
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
        k_local = min(100, graph.k)
        if self.heavy and "ess" in selected:
            self.estimates_["ESS"] = est.ess(graph, k_local)
        if self.heavy and "lpca" in selected:
            self.local_pca_ = est.local_pca_pointwise(graph, k_local)
            self.estimates_["lPCA_local"] = float(self.local_pca_.mean())
        self.spectrum_ = est.pca_spectrum(Xu)
        self.estimates_["PR"] = est.participation_ratio(self.spectrum_)
        self.estimates_["PR_corrected"] = est.participation_ratio_corrected(Xu)
        self.estimates_["lPCA_FO"] = float(est.pca_fo(self.spectrum_))
        self.estimates_["PCA_90"] = float(est.pca_variance(self.spectrum_, 0.9))
        self.scales_ = est.gride_scales(graph, range_max=min(64, graph.k))
        self.local_id_ = est.mle_pointwise(graph, 20)
        self.mu_ = est.twonn_ratios(graph)
        # own generator: the resampling stream (and so every validated number) does not depend on this
        self.decimation_ = decimation(
            Xu,
            self.times_,
            self.exclude_window,
            np.random.default_rng([self.random_state, 1]),
            min_points=max(100, 2 * self.exclude_window + 40),
        )
        self.classes_ = None
        if y is not None:
            labels = np.asarray(y)[self.kept_rows_]
            min_points = max(30, 2 * self.exclude_window + 40)
            self.classes_ = per_class(Xu, labels, self.local_id_, self.times_, self.exclude_window, min_points)
        self.reported_ = [name for family in selected for name in ESTIMATORS[family] if name in self.estimates_]

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
        # under the TwoNN model P(mu < 1.001) = 1 - 1.001^-d; regular grids give many more near-ties, and so do
        # integer-valued data (tied distances), where only the time criterion can tell
        expected_ties = 1 - 1.001 ** -max(self.dimension_, 1.0)
        discrete = count_unit(X) > 0
        if (not discrete and self.tie_fraction_ > 5 * expected_ties + 0.05) or self.adjacent_fraction_ > 0.5:
            warn.append(
                (
                    "time_grid",
                    f"rows look like a trajectory on a regular time grid: {self.adjacent_fraction_:.0%}"
                    f" of nearest neighbours are the next time bin and {self.tie_fraction_:.0%} of points have "
                    f"r2/r1 < 1.001 (expected {expected_ties:.1%}); exclude temporal neighbours "
                    "(exclude_window) or sample at random times / from many trials",
                )
            )
        poisson, unit, fano = is_spike_count_like(X)
        if poisson or (self.activity and unit > 0):
            why = f"Fano factor {fano:.2f} in low-rate columns, Poisson-like" if poisson else "binned activity"
            warn.append(
                (
                    "count_data",
                    f"values are spike-count-like (non-negative multiples of {unit:g}; {why}): count noise "
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
        out.update({f"raw_{name}": float(self.estimates_[name]) for name in self.reported_})
        out.update({f"cal_{name}": float(v) for name, v in self.calibrated_.items() if name in self.reported_})
        out.update(
            {f"gride_scale_{int(a)}": float(v) for a, v in zip(self.scales_["n1"], self.scales_["id"], strict=True)}
        )
        q25, q50, q75 = np.percentile(self.local_id_[np.isfinite(self.local_id_)], [25, 50, 75])
        out.update({"local_id_median": float(q50), "local_id_iqr": float(q75 - q25)})
        dec = self.decimation_
        for i, n in enumerate(dec["n"]):
            out[f"decim_{int(n)}_TwoNN"] = float(dec["TwoNN"][i])
            out[f"decim_{int(n)}_TwoNN_sd"] = float(dec["TwoNN_sd"][i])
        if self.classes_ is not None:
            for label, local, twonn in zip(
                self.classes_["label"], self.classes_["local_median"], self.classes_["TwoNN"], strict=True
            ):
                # a class too small for its own estimate (or without finite local IDs) gets no entry, not a NaN
                out.update(
                    {
                        f"class_{label}_{key}": float(v)
                        for key, v in (("local_id", local), ("TwoNN", twonn))
                        if np.isfinite(v)
                    }
                )
        out.update({f"warn_{code}": flag for code, flag in self.flags_.items()})
        out["warnings"] = "; ".join(f"{code}: {msg}" for code, msg in self.warnings_)
        return out
