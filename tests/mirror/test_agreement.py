"""Mean-field mirror pieces: transfer fit, closed-loop fixed point, split-half noise ceiling, and the agreement
with the spiking network on held-out cues against its seed-to-seed noise ceiling."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from neuroengram.errors import DataError
from neuroengram.mirror.agreement import (
    fit_transfer,
    held_out_agreement,
    mean_input,
    mirror_fixed_point,
    noise_ceiling,
)
from neuroengram.spiking.model import set_target
from neuroengram.spiking.network import EIConfig, simulate_ei_network


def test_fit_transfer_recovers_threshold_linear_parameters() -> None:
    mu = np.random.default_rng(0).uniform(0, 30, size=400)
    g, theta = fit_transfer(mu, 2.5 * np.maximum(mu - 12.0, 0.0))
    assert g == pytest.approx(2.5, rel=1e-3) and theta == pytest.approx(12.0, abs=1e-2)


def test_mirror_fixed_point_solves_the_mean_field_equation() -> None:
    # Two cells: E (0) -> I (1) with +2 mV, I -> E with -4 mV; r = g [mu - theta]_+ must hold at the fixed point.
    pre, post, weight = np.array([0, 1]), np.array([1, 0]), np.array([2.0, -4.0])
    is_exc = np.array([True, False])
    ext, gain, theta = np.array([2000.0, 1000.0]), np.array([3.0, 2.0]), np.array([5.0, 5.0])
    rates = mirror_fixed_point(pre, post, weight, is_exc, ext, gain, theta, (5.0, 10.0), 1.0, steps=800)
    mu = mean_input(pre, post, weight, is_exc, rates, ext, (5.0, 10.0), 1.0)
    np.testing.assert_allclose(rates, gain * np.maximum(mu - theta, 0.0), rtol=1e-4)
    assert rates[0] > 0 and rates[1] > 0


def test_noise_ceiling_falls_with_trial_noise() -> None:
    rng = np.random.default_rng(0)
    profile = rng.uniform(0, 20, size=50)
    labels = np.repeat(np.zeros(20, dtype=int), 10)  # one cue, 20 presentations of 10 bins
    epoch = np.repeat(np.arange(20), 10)
    quiet = profile + rng.normal(0, 1, size=(200, 50))
    noisy = profile + rng.normal(0, 30, size=(200, 50))
    r_quiet, ceiling_quiet = noise_ceiling(quiet, epoch, labels, 0)
    r_noisy, ceiling_noisy = noise_ceiling(noisy, epoch, labels, 0)
    assert r_quiet > 0.98 and ceiling_quiet > r_quiet
    assert r_noisy < r_quiet and ceiling_noisy < ceiling_quiet


@pytest.fixture(scope="module")
def two_noise_seeds():
    """The spiking stage's E/I network (80 E / 20 I, 4 cues, 4 s), one wiring (connectivity seed 1), noise seeds
    1 and 2."""
    set_target("numpy")
    config = EIConfig(duration_ms=4000.0, n_patterns=4, connectivity_seed=1)
    return config, simulate_ei_network(config, 1), simulate_ei_network(config, 2)


@pytest.mark.slow
def test_mirror_reaches_the_seed_to_seed_ceiling_on_held_out_cues(two_noise_seeds) -> None:
    """Measured (4 s, seeds 1/2): mean rates r(mirror, A) 0.92-0.96 vs r(B, A) 0.91-0.96, ratios 0.99-1.02;
    time courses (20-ms Gaussian) r(mirror, A) 0.56 vs r(B, A) 0.58, ratio 0.97. Goal (issue #5): >= 0.8."""
    config, run_a, run_b = two_noise_seeds
    result = held_out_agreement(config, run_a, run_b, (5.0, 10.0))
    assert len(result.cues) == 4
    assert np.all(result.r_seeds > 0.85)  # the ceiling itself: two noise realisations agree on the mean rates
    assert np.all(result.ratio >= 0.8), result.ratio
    assert result.r_course_seeds > 0.4
    assert result.course_ratio >= 0.8, (result.r_course_mirror, result.r_course_seeds)


def test_held_out_agreement_refuses_runs_of_different_networks(two_noise_seeds) -> None:
    config, run_a, run_b = two_noise_seeds
    with pytest.raises(DataError, match="wiring"):
        held_out_agreement(config, run_a, replace(run_b, labels=np.roll(run_b.labels, 25)), (5.0, 10.0))
