"""The XOR motif as homeostatic error gating a three-factor rule: learning measured by its numbers."""

from __future__ import annotations

import numpy as np
import pytest

from neuroengram.errors import DataError
from neuroengram.spiking import stage
from neuroengram.spiking.motifs import XORConfig
from neuroengram.spiking.plasticity import LearningConfig, learn_with_xor_error

SMALL = LearningConfig(learn_patterns=6, learn_channels=3, learn_cue_cells=30, learn_epochs=14)


@pytest.mark.slow
def test_xor_gated_learning_reaches_the_targets_and_silences_the_comparators():
    result = learn_with_xor_error(SMALL, XORConfig(), seed=4)
    end = slice(-5, None)
    assert result.prediction_accuracy[0] <= 0.8  # initial weights: the predictions are mostly silent
    assert result.prediction_accuracy[end].mean() >= 0.9
    assert result.error_rate[end].mean() <= 0.6 * result.error_rate[0]  # the XOR error falls (homeostasis)
    assert np.all(result.weights_mv >= 0) and np.all(result.weights_mv <= SMALL.learn_w_max_mv)  # Dale, bounded
    p_rate = result.rates_hz[:, 6 * np.arange(3) + 2]
    targets = np.repeat(result.targets, SMALL.learn_trials_per_pattern, axis=0)
    assert p_rate[targets].mean() > 3 * p_rate[~targets].mean()


def test_no_error_no_plasticity():
    """The third factor gates: with targets all 0 and silent predictions the XOR motifs never fire, and not a
    single weight changes although pre- and postsynaptic-like activity (cue cells) is present."""
    config = LearningConfig(learn_patterns=2, learn_channels=2, learn_cue_cells=10, learn_epochs=2)
    result = learn_with_xor_error(config, XORConfig(trial_ms=120, settle_ms=60), 0, targets=np.zeros((2, 2)))
    assert np.all(result.error_rate == 0)
    assert np.array_equal(result.weights_mv[0], result.weights_mv[-1])


def test_bad_targets_raise_data_error():
    with pytest.raises(DataError, match="binary"):
        learn_with_xor_error(SMALL, XORConfig(), 0, targets=np.array([[0, 2], [1, 0]]))


def test_stage_xor_learning_task_writes_outputs(make_ctx):
    ctx = make_ctx(seed=1)
    params = stage.Params(task="xor_learning", learn_patterns=2, learn_channels=2, learn_cue_cells=10, learn_epochs=1)
    metrics = stage.run(params, ctx)
    assert {"error_rate_start", "error_rate_end", "prediction_accuracy_end"} <= set(metrics)
    with np.load(ctx.out_dir / "learning.npz", allow_pickle=False) as data:
        assert data["weights_mv"].shape == (2, 10, 2) and data["error_rate"].shape == (2,)
    with np.load(ctx.out_dir / "weights.npz", allow_pickle=False) as w:
        assert int(w["n_neurons"]) == 2 * 6 + 10 and np.all((w["weight"] > 0) == w["is_excitatory"][w["pre"]])
    assert (ctx.out_dir / "figures" / "xor_error.png").is_file()
