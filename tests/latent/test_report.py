"""The recommended estimate on manifolds of known ID, its interval, and the automatic warnings."""

from __future__ import annotations

import numpy as np
import pytest
import skdim
from sklearn.datasets import load_digits

from neuroengram.errors import ConfigError, DataError
from neuroengram.latent import IntrinsicDimension
from neuroengram.latent.report import is_spike_count_like

from .helpers import linear_subspace, tanh_manifold, torus_trajectory

# (name, data, true ID, relative tolerance of the recommended estimate)
CASES = [
    ("5-d subspace of R^20", lambda: linear_subspace(1500, 5, 20, 0), 5, 0.10),
    ("2-sphere in R^3", lambda: skdim.datasets.hyperSphere(1500, 2, random_state=0), 2, 0.08),
    ("curved 4-manifold in R^30", lambda: tanh_manifold(1500, 4, 30, 1), 4, 0.12),
    (
        "10-d cube (M10a)",
        lambda: skdim.datasets.BenchmarkManifolds(random_state=0).generate("M10a_Cubic", n=1500, dim=11, d=10),
        10,
        0.10,
    ),
]


@pytest.mark.parametrize("name,make,d,tol", CASES, ids=[c[0] for c in CASES])
def test_known_id(name: str, make, d: int, tol: float) -> None:
    model = IntrinsicDimension(n_bootstrap=30, heavy=False).fit(make())
    assert model.dimension_ == pytest.approx(d, rel=tol), name
    lo, hi = model.interval_
    assert lo <= d <= hi, (name, model.interval_)
    assert hi - lo < 0.6 * d  # the interval is informative, not arbitrarily wide


def test_calibration_corrects_high_id_bias() -> None:
    """Raw kNN estimators read a 24-d cube low at n = 1500; the calibrated estimate recovers it."""
    X = skdim.datasets.BenchmarkManifolds(random_state=1).generate("M10c_Cubic", n=1500, dim=25, d=24)
    model = IntrinsicDimension(n_bootstrap=0, heavy=False).fit(X)
    assert model.estimates_["TwoNN"] < 21
    assert model.dimension_ == pytest.approx(24, rel=0.1)
    assert model.flags_["n_too_small"]


def test_duplicates_are_removed_and_reported() -> None:
    X = linear_subspace(1000, 4, 10, 2)
    rng = np.random.default_rng(0)
    X_dup = np.vstack([X, X[rng.choice(1000, 30, replace=False)]])
    clean = IntrinsicDimension(n_bootstrap=0, heavy=False).fit(X)
    dup = IntrinsicDimension(n_bootstrap=0, heavy=False).fit(X_dup)
    assert dup.flags_["duplicates"] and not clean.flags_["duplicates"]
    assert dup.n_duplicates_ == 30
    assert dup.estimates_["MLE_20"] == pytest.approx(clean.estimates_["MLE_20"], rel=1e-9)  # not 0
    assert "30 exact duplicate rows" in dup.summary()["warnings"]


def test_time_grid_trajectory_is_flagged() -> None:
    model = IntrinsicDimension(n_bootstrap=0, heavy=False).fit(torus_trajectory(3000))
    assert model.flags_["time_grid"]
    assert model.summary()["warn_time_grid"] is True
    iid = IntrinsicDimension(n_bootstrap=0, heavy=False).fit(linear_subspace(1000, 3, 6, 0))
    assert not iid.flags_["time_grid"]


def test_count_warning_is_specific_to_spike_count_like_data() -> None:
    rng = np.random.default_rng(0)
    rates = np.exp(rng.random((1500, 3)) @ rng.normal(0, 1, (3, 40)) - 1)
    fast = {"n_bootstrap": 0, "heavy": False, "estimators": ("twonn",)}
    for scale in (0.5, 5, 20):  # mean counts per bin from below 1 to about 40: Fano factor near 1 in dim columns
        counts = rng.poisson(scale * rates) / 0.01  # as rates in Hz of 10 ms bins
        flagged, unit, fano = is_spike_count_like(counts)
        assert flagged and unit == pytest.approx(100) and 0.9 < fano < 2, (scale, fano)
        assert IntrinsicDimension(**fast).fit(counts).flags_["count_data"]
    assert not IntrinsicDimension(**fast).fit(rates).flags_["count_data"]
    digits = load_digits().data  # integers 0..16, bounded, Fano factor 4.7 in dim pixels
    assert not is_spike_count_like(digits)[0]
    assert not IntrinsicDimension(**fast).fit(digits).flags_["count_data"]
    # any count-valued data is flagged when declared as binned activity
    assert IntrinsicDimension(**fast, activity=True).fit(digits).flags_["count_data"]


@pytest.mark.parametrize("seed", [0, 1])
def test_lorenz_attractor(seed: int) -> None:
    """Lorenz attractor (correlation dimension about 2.05, Kaplan-Yorke 2.06): 2000 random states of a densely
    sampled trajectory (skdim.datasets.lorenz_attractor, 20000 steps); measured 2.08 / 2.25 for seeds 0 / 1."""
    X = skdim.datasets.lorenz_attractor(20000)
    rows = np.sort(np.random.default_rng(seed).choice(len(X), 2000, replace=False))
    model = IntrinsicDimension(n_bootstrap=30, heavy=False, random_state=seed).fit(X[rows])
    assert model.dimension_ == pytest.approx(2.06, rel=0.12)
    assert model.interval_[0] <= 2.06 <= model.interval_[1]
    assert model.estimates_["CorrInt"] == pytest.approx(2.05, abs=0.1)
    assert not model.flags_["time_grid"]


def test_id_against_sample_size() -> None:
    """Decimation: stable on a 5-d subspace; on a 24-d cube the raw TwoNN falls as n shrinks (finite-n bias)."""
    flat = IntrinsicDimension(n_bootstrap=0, heavy=False, estimators=("twonn",)).fit(linear_subspace(1600, 5, 20, 0))
    dec = flat.decimation_
    assert list(dec["n"]) == [1600, 800, 400, 200, 100] and list(dec["blocks"]) == [1, 2, 4, 8, 8]
    np.testing.assert_allclose(dec["TwoNN"], 5, rtol=0.15)
    assert np.all(dec["TwoNN_sd"][1:] > 0) and dec["TwoNN_sd"][0] == 0
    small = IntrinsicDimension(n_bootstrap=0, heavy=False, estimators=("twonn",)).fit(linear_subspace(60, 2, 4, 0))
    assert list(small.decimation_["n"]) == [60]  # below 100 points: the full-n level only
    cube = skdim.datasets.BenchmarkManifolds(random_state=1).generate("M10c_Cubic", n=1600, dim=25, d=24)
    high = IntrinsicDimension(n_bootstrap=0, heavy=False, estimators=("twonn",)).fit(cube).decimation_
    assert np.all(np.diff(high["TwoNN"]) < 0) and high["TwoNN"][0] - high["TwoNN"][-1] > 1  # measured 17.8 -> 16.6


def test_per_class_breakdown_separates_manifolds() -> None:
    """Two classes on manifolds of ID 2 and 6 in one array: the per-class table recovers each."""
    X = np.vstack([linear_subspace(800, 2, 10, 1), linear_subspace(800, 6, 10, 2) + 50])
    y = np.repeat([7, 3], 800)
    model = IntrinsicDimension(n_bootstrap=0, heavy=False).fit(X, y)
    cl = model.classes_
    assert list(cl["label"]) == [3, 7] and list(cl["n"]) == [800, 800]
    np.testing.assert_allclose(cl["TwoNN"], [6, 2], rtol=0.15)
    np.testing.assert_allclose(cl["local_median"], [6, 2], rtol=0.2)
    assert model.summary()["class_7_TwoNN"] == pytest.approx(cl["TwoNN"][1])
    y_small = y.copy()
    y_small[:20] = 9  # a class of 20 points: local ID only, no own-fit TwoNN (NaN in the table, no metric)
    small = IntrinsicDimension(n_bootstrap=0, heavy=False).fit(X, y_small)
    assert np.isnan(small.classes_["TwoNN"][-1]) and "class_9_TwoNN" not in small.summary()
    assert "class_9_local_id" in small.summary()
    with pytest.raises(DataError, match="labels"):
        IntrinsicDimension().fit(X, y[:10])


def test_unknown_estimator_names_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="twonn, gride, mle, mind_ml, danco, ess, corrint, lpca, pca"):
        IntrinsicDimension(estimators=("twonn", "isomap")).fit(linear_subspace(200, 2, 4, 0))


@pytest.mark.parametrize(
    "X,needle",
    [
        (np.array([[0.0, 1.0], [np.nan, 2.0]] * 30), "NaN or inf"),
        (np.arange(100.0), "2-D array"),
        (np.zeros((0, 3)), "empty"),
        (np.random.default_rng(0).random((20, 3)), "need at least 30"),
        (np.ones((500, 4)), "need at least 30"),
    ],
)
def test_bad_input_raises_data_error(X: np.ndarray, needle: str) -> None:
    with pytest.raises(DataError, match=needle):
        IntrinsicDimension().fit(X)


def test_full_estimator_set_and_summary_are_finite() -> None:
    X = tanh_manifold(800, 3, 12, 3)
    model = IntrinsicDimension(n_bootstrap=20).fit(X)
    summary = model.summary()
    numbers = [v for v in summary.values() if isinstance(v, float)]
    assert all(np.isfinite(numbers))
    assert {"raw_ESS", "raw_lPCA_local", "raw_DANCo", "raw_CorrInt", "raw_PR", "raw_PR_corrected", "cal_TwoNN"} <= set(
        summary
    )
    assert summary["id_low"] <= summary["id"] <= summary["id_high"]
