"""Shared fixtures of the engram tests: one digits MLP trained once per session (seed 0)."""

from __future__ import annotations

import pytest

from neuroengram.engram.digits import load_split, make_mlp, train_classifier
from neuroengram.engram.statistics import collect_moments


@pytest.fixture(scope="session")
def digits():
    """``(split, model, reference_moments)``: the benchmark MLP (seed 0, 150 epochs) and its training moments."""
    split = load_split(0)
    model = train_classifier(make_mlp(seed=0), split.x_train, split.y_train, epochs=150, seed=0)
    return split, model, collect_moments(model, [split.x_train])
