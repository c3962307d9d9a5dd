"""The recommended estimate on manifolds of known ID, its interval, and the automatic warnings."""

from __future__ import annotations

import numpy as np
import pytest
import skdim

from neuroengram.errors import DataError
from neuroengram.latent import IntrinsicDimension

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


def test_count_data_is_flagged() -> None:
    rng = np.random.default_rng(0)
    rates = np.exp(rng.random((1500, 3)) @ rng.normal(0, 1, (3, 40)) - 1)
    counts = rng.poisson(5 * rates).astype(float)
    assert IntrinsicDimension(n_bootstrap=0, heavy=False).fit(counts).flags_["count_data"]
    assert not IntrinsicDimension(n_bootstrap=0, heavy=False).fit(rates).flags_["count_data"]


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
    assert {"raw_ESS", "raw_lPCA_local", "raw_DANCo", "raw_CorrInt", "raw_PR", "cal_TwoNN"} <= set(summary)
    assert summary["id_low"] <= summary["id"] <= summary["id_high"]
