"""Erasing one melody from the spiking network through the mirror and the bridge, run as the three stages.

spiking (task "melody", reduced setting 2 melodies x 8 steps x 4 channels, no training epochs: the melodies, the
circuit and its replay) -> mirror (task "melody_bridge": calibrate in Brian2, train the mirror in PyTorch, replay
in Brian2 with its weights) -> engram (task "melody_bridge": the estimator on the mirror's chain -> P map, the
edit carried back to Brian2). Seed 1: melodies whose cues select their own chains. Full size and every melody
erased over 3 seeds: benchmarks/bridge_melody.py."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from brian2 import prefs

from neuroengram.engram import stage as engram_stage
from neuroengram.errors import ConfigError, StageError
from neuroengram.mirror import stage as mirror_stage
from neuroengram.spiking import stage as spiking_stage
from neuroengram.stages import StageContext

SMALL = {"n_melodies": 2, "n_steps": 8, "n_channels": 4, "n_pool": 22}


def _ctx(point_dir, stage: str, seed: int) -> StageContext:
    return StageContext(stage=stage, seed=seed, point_dir=point_dir)


def test_mirror_melody_task_needs_the_spiking_melody(tmp_path):
    with pytest.raises(StageError, match="spiking"):
        mirror_stage.run(mirror_stage.Params(task="melody_bridge"), _ctx(tmp_path, "mirror", 0))
    (tmp_path / "spiking").mkdir()  # a spiking stage that ran another task
    with pytest.raises(StageError, match="melody"):
        mirror_stage.run(mirror_stage.Params(task="melody_bridge"), _ctx(tmp_path, "mirror", 0))


@pytest.mark.slow
def test_erasing_one_melody_through_the_bridge(tmp_path):
    """The erased melody's replay falls to chance (its off bits only: the prediction cells fall silent, bits-on
    recall 0) while the other melody keeps its accuracy. Measured (seed 1; engram stage: means of 3 Brian2 replays per
    weight set): Brian2 replay with the mirror's weights 1.0 / 1.0; after erasing melody 0: 0.458 (chance 0.458,
    recall 0.0) and 1.0, specificity, reactivation and locality 1.0."""
    prefs.codegen.target = "numpy"
    spiking = spiking_stage.Params(task="melody", epochs=0, **SMALL)
    spiking_stage.run(spiking, _ctx(tmp_path, "spiking", 1))
    mirror = mirror_stage.run(mirror_stage.Params(task="melody_bridge"), _ctx(tmp_path, "mirror", 1))
    assert mirror["bridge_replay_accuracy_min"] >= 0.9
    assert mirror["exported_clipped_fraction"] == 0.0
    assert mirror["reverse_bit_agreement"] >= 0.9  # untrained spiking weights: a silent replay, predicted silent
    torch.load(tmp_path / "mirror" / "model.pt", weights_only=True)
    with np.load(tmp_path / "mirror" / "bridge_weights.npz", allow_pickle=False) as exported:
        assert exported["weight"].min() >= 0 and exported["pre"].size == exported["post"].size

    ctx = _ctx(tmp_path, "engram", 2)
    prefs.codegen.target = "cython"  # left over by another stage: the spiking stage's own target must win
    m = engram_stage.run(engram_stage.Params(task="melody_bridge", forget_class=0, alpha=1.0), ctx)
    assert prefs.codegen.target == "numpy"
    assert m["erased_accuracy_before"] >= 0.9
    assert m["erased_accuracy_after"] <= m["erased_chance"] + 0.05 and m["erased_chance"] <= 0.75
    assert m["erased_recall_after"] <= 0.1 <= 0.9 <= m["erased_recall_before"]
    assert m["kept_accuracy_after"] >= 0.9 and m["kept_max_drop"] <= 0.05
    assert m["engram_specificity"] >= 0.99 and m["engram_reactivation"] >= 0.99 and m["engram_locality"] >= 0.9
    for name in ("bridge_erasure", "bridge_erasure_raster"):
        assert (tmp_path / "engram" / "figures" / f"{name}.png").is_file()
    with pytest.raises(ConfigError, match="forget_class"):
        engram_stage.run(engram_stage.Params(task="melody_bridge", forget_class=2), ctx)
    with pytest.raises(StageError, match="melody_bridge"):  # the autoencoder path refuses the circuit mirror
        engram_stage.run(engram_stage.Params(task="erase", dataset="mirror"), ctx)
