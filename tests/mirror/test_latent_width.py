"""Latent width against complexity: the reconstruction elbow sits at the number of hidden factors."""

from __future__ import annotations

import numpy as np
import pytest
import skdim

from neuroengram.errors import ConfigError
from neuroengram.mirror.data import factor_sequences
from neuroengram.mirror.sweep import elbow_width, latent_width_curve


def test_elbow_is_the_width_of_maximum_curvature() -> None:
    assert elbow_width([1, 2, 3, 4, 5], [1.0, 0.5, 0.05, 0.045, 0.04]) == 3
    with pytest.raises(ConfigError, match="consecutive"):
        elbow_width([1, 2, 4], [1.0, 0.5, 0.4])


@pytest.mark.slow
def test_reconstruction_elbow_at_two_factors() -> None:
    x, _ = factor_sequences(224, 10, 8, 2, np.random.default_rng(3), noise=0.05)
    curve = latent_width_curve(x[:160], x[160:], [1, 2, 3, 4], n_units=24, epochs=30, lr=0.01, seed=0)
    elbow = elbow_width(curve["widths"], curve["test_loss"])
    assert abs(elbow - 2) <= 1, curve["test_loss"]
    # At the elbow the loss is a small fraction of the mean predictor's; one width below, over twice as high.
    assert curve["test_loss"][1] < 0.15 * curve["baseline_loss"], curve
    assert curve["test_loss"][0] > 2.5 * curve["test_loss"][1], curve
    # The widest model's held-out codes lie on a manifold of dimension close to the factor count (TwoNN).
    assert abs(skdim.id.TwoNN().fit(curve["codes"][-1]).dimension_ - 2) < 1
