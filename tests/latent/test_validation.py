"""A reduced version of the benchmark validation (the full 24 x 3 seeds is benchmarks/latent_validation.py)."""

from __future__ import annotations

import pytest

from neuroengram.latent.validation import run_validation, summarize

REDUCED = ["M1_Sphere", "M6_Nonlinear", "M10b_Cubic", "M13a_Scurve", "Mp2_Paraboloid", "Mn1_Nonlinear"]


@pytest.mark.slow
def test_recommended_beats_single_estimators_on_reduced_benchmark() -> None:
    rows = run_validation(seeds=[0], n=1000, names=REDUCED, n_bootstrap=30)
    summary = summarize(rows)
    assert summary["mre_id"] <= 10.0
    assert summary["mre_id"] < min(summary["mre_raw_TwoNN"], summary["mre_raw_MLE_20"], summary["mre_raw_DANCo"])
    assert summary["coverage"] >= len(REDUCED) - 1
