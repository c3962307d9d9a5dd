"""Storage capacity curves: classical Hopfield breaks down near 0.138 N; the slot memory and modern Hopfield do not."""

from __future__ import annotations

import numpy as np

from neuroengram.mirror.memory import capacity_curve


def test_classical_hopfield_breaks_down_near_its_critical_load() -> None:
    recall = capacity_curve("hopfield", 100, [0.05, 0.3], np.random.default_rng(0), trials=2)
    assert recall[0] >= 0.9 and recall[1] <= 0.2


def test_slot_memory_and_modern_hopfield_beyond_classical_capacity() -> None:
    rng = np.random.default_rng(1)
    slot = capacity_curve("hebbian", 100, [0.05, 0.3], rng, trials=3)
    modern = capacity_curve("modern", 100, [1.0], rng, trials=2)
    # One-slot (k=1) writes with overwrite: recall falls only through slot collisions, ~exp(-P/(2N)) on average.
    assert slot[0] >= 0.95 and slot[1] >= 0.7
    assert modern[0] == 1.0


def test_fast_forgetting_trace_loses_old_patterns() -> None:
    recall = capacity_curve("hebbian", 100, [0.3], np.random.default_rng(2), trials=2, k=2, eta=0.5, rule="ema")
    assert recall[0] < 0.3
