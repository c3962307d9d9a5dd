"""The stage's quickstart default: erasure of one digit class, measured against the issue's targets."""

from __future__ import annotations

import numpy as np
import pytest

from neuroengram.engram import stage
from neuroengram.errors import ConfigError
from neuroengram.stages import StageContext


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    ctx = StageContext("engram", seed=0, point_dir=tmp_path_factory.mktemp("point"))
    return stage.run(stage.Params(), ctx), ctx


def test_quickstart_erases_the_class_and_keeps_the_rest(quickstart):
    metrics, _ = quickstart
    # one class, one seed, 60 epochs (the mean-over-classes targets are in test_digits.py)
    assert metrics["original_forget_acc"] > 0.9
    assert metrics["erased_forget_acc"] <= 0.2
    assert metrics["original_retain_acc"] - metrics["erased_retain_acc"] <= 0.02
    assert metrics["gold_forget_acc"] == 0.0
    assert metrics["necessity"] >= 0.8
    assert metrics["composition_error"] <= 1e-8
    assert metrics["partition_error"] <= 1e-3
    assert all(isinstance(v, float | int | str | bool) for v in metrics.values())


def test_quickstart_writes_arrays_and_figure(quickstart):
    metrics, ctx = quickstart
    with np.load(ctx.out_dir / "erasure.npz", allow_pickle=False) as data:
        assert data["sweep_forget_acc"][0] == pytest.approx(metrics["original_forget_acc"])  # alpha = 0
        assert data["accuracy"][1, 0] == pytest.approx(metrics["erased_forget_acc"])
    assert (ctx.out_dir / "figures" / "forget_retain.png").stat().st_size > 1000


def test_params_reject_unknown_keys_and_bad_class():
    with pytest.raises(ValueError):
        stage.Params(forget_klass=3)
    with pytest.raises(ValueError):
        stage.Params(forget_class=10)
    with pytest.raises(ValueError, match="hidden"):
        stage.Params(hidden=[128, 0])


def test_edit_maps_is_checked_against_the_model_and_the_task(tmp_path):
    ctx = StageContext("engram", seed=0, point_dir=tmp_path)
    with pytest.raises(ConfigError, match="edit_maps") as info:
        stage.run(stage.Params(task="curvature", edit_maps=("0",)), ctx)
    assert info.value.key == "stages.engram.edit_maps"
    with pytest.raises(ConfigError, match="edit_maps") as info:
        stage.run(stage.Params(edit_maps=("to_latent",), epochs=1, retrain_gold=False), ctx)
    assert info.value.key == "stages.engram.edit_maps" and "'0'" in info.value.fix
