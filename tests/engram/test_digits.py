"""The issue's digits targets for one-class erasure in an MLP, on one seed and all ten classes.

The benchmark (benchmarks/engram_digits.py) measures the same over three seeds, next to the baselines.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuroengram.engram import EngramEstimator, classification_criteria
from neuroengram.engram.digits import forget_retain_accuracy


@pytest.fixture(scope="module")
def erasures(digits):
    split, model, reference = digits
    rows = []
    for c in range(10):
        est = EngramEstimator().fit(model, [split.x_train[split.y_train == c]], reference)
        erased = est.erase(model)
        before = forget_retain_accuracy(model, split.x_test, split.y_test, [c])
        after = forget_retain_accuracy(erased, split.x_test, split.y_test, [c])
        crit = classification_criteria(est, model, erased, est.isolate(model), split.x_test, split.y_test, [c])
        rows.append((*before, *after, crit))
    return rows


def test_one_class_erasure_meets_the_targets(erasures):
    orig_forget, orig_retain, forget, retain = (np.array([r[i] for r in erasures]) for i in range(4))
    assert orig_forget.mean() > 0.95
    assert forget.mean() <= 0.05
    assert orig_retain.mean() - retain.mean() <= 0.01
    assert forget.max() <= 0.15  # no class survives


def test_criteria_are_measured_numbers(erasures):
    crit = [r[4] for r in erasures]
    spec = np.array([c["specificity"] for c in crit])
    react = np.array([c["reactivation"] for c in crit])
    assert np.all((spec > 0.7) & (spec < 1.0))  # silent on other classes, not perfectly (shared subspaces)
    assert np.all((react > 0.3) & (react < 1.0))
    assert np.mean([c["sufficiency"] for c in crit]) >= 0.9  # the isolated engram recalls its class ...
    assert np.mean([c["false_positive_rate"] for c in crit]) >= 0.5  # ... and claims other inputs too (reported)
    assert np.mean([c["necessity"] for c in crit]) >= 0.95


def test_composed_engram_of_five_classes_recalls_them_on_the_null_network(digits):
    split, model, reference = digits
    x, y = split.x_train, split.y_train
    parts = [EngramEstimator().fit(model, [x[y == c]], reference) for c in range(5)]
    isolated = parts[0].compose(*parts[1:]).isolate(model)
    pred = isolated(split.x_test).argmax(1)
    in_set = split.y_test < 5
    assert float((pred[in_set] == split.y_test[in_set]).float().mean()) >= 0.95  # sufficiency of the composition
    assert float((pred[~in_set] < 5).float().mean()) >= 0.5  # other inputs mostly mapped into the set (reported)
