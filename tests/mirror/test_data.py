"""Data helpers: rate windows and the leak-free blocked split."""

from __future__ import annotations

import numpy as np

from neuroengram.mirror.data import blocked_split, rate_windows


def test_rate_windows_keep_the_most_variable_neurons_scaled_to_one() -> None:
    rates = np.zeros((50, 4))
    rates[:, 1] = np.arange(50)  # most variable
    rates[::2, 3] = 10.0
    windows = rate_windows(rates, window=5, stride=5, labels=np.repeat([0, 1], 25), max_inputs=2)
    np.testing.assert_array_equal(windows.neurons, [1, 3])
    assert windows.x.shape == (10, 5, 2) and windows.x.max() == 1.0
    np.testing.assert_array_equal(windows.labels, [0] * 5 + [1] * 5)


def test_blocked_split_is_leak_free_and_stratified() -> None:
    starts = np.arange(0, 191, 2)
    labels = (starts // 25) % 4
    is_test, keep = blocked_split(starts, 10, 0.2, np.random.default_rng(0), labels)
    gaps = np.abs(starts[keep & ~is_test][:, None] - starts[is_test][None, :])
    assert gaps.min() >= 10
    assert set(labels[is_test]) == set(labels[keep & ~is_test]) == {0, 1, 2, 3}
    # About a fifth of the non-overlapping blocks are held out.
    assert 3 <= is_test.sum() <= 6
