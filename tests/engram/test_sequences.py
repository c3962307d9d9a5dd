"""Erasing one melody from the mirror's Dale-constrained recurrent autoencoder (runs where the mirror stage exists)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from neuroengram.engram import stage
from neuroengram.stages import StageContext

autoencoder = pytest.importorskip("neuroengram.mirror.autoencoder")
train = pytest.importorskip("neuroengram.mirror.train")


def melodies(n: int, n_classes: int, n_steps: int, n_features: int, gen: torch.Generator):
    """``n`` noisy copies (gain ±20 %, noise s.d. 0.1) of ``n_classes`` sinusoidal templates, labels cycling."""
    t = torch.linspace(0, 1, n_steps)[:, None]
    templates = torch.stack(
        [
            torch.sin(2 * math.pi * (1 + 2 * torch.rand(n_features, generator=gen)) * t
                      + 2 * math.pi * torch.rand(n_features, generator=gen))
            for _ in range(n_classes)
        ]
    )  # fmt: skip
    labels = torch.arange(n) % n_classes
    gain = 1 + 0.2 * torch.randn(n, 1, 1, generator=gen)
    return templates[labels] * gain + 0.1 * torch.randn(n, n_steps, n_features, generator=gen), labels.numpy()


@pytest.mark.slow
def test_erasing_a_melody_reaches_the_untrained_error_and_keeps_the_others(tmp_path):
    gen = torch.Generator().manual_seed(0)
    x, labels = melodies(240, 4, 10, 8, gen)
    is_test = np.arange(240) >= 180
    torch.manual_seed(0)
    model = autoencoder.DaleAutoencoder(8, 4, n_units=32)
    train.train_autoencoder(model, x[~torch.from_numpy(is_test)], epochs=60, lr=1e-2, batch_size=32, generator=gen)
    folder = tmp_path / "mirror"
    folder.mkdir()
    torch.save(model.state_dict(), folder / "model.pt")
    (folder / "model.json").write_text(json.dumps({"model": model.config(), "training": {"loss": "mse"}}))
    np.savez(folder / "sequences.npz", x=x.numpy(), labels=labels, is_test=is_test)

    ctx = StageContext("engram", seed=0, point_dir=tmp_path)
    metrics = stage.run(stage.Params(dataset="mirror", forget_class=1, alpha=0.3, recurrent_guard="none"), ctx)
    assert metrics["untrained_forget_error_ratio"] > 2.0  # the trained model does recall the melody
    assert metrics["forget_error_ratio"] >= 0.9 * metrics["untrained_forget_error_ratio"]
    assert metrics["retain_error_ratio_max"] <= 1.1
    assert metrics["partition_error"] <= 1e-3
    assert metrics["mean_predictor_forget_error_ratio"] > 2.0
    assert metrics["guard_active"] is False and metrics["guard_alpha_encoder_recurrent"] == 0.3
    with np.load(ctx.out_dir / "sequence_erasure.npz") as data:
        assert np.all(np.diff(data["forget_ratio"]) > 0)  # erasure grows with alpha
    assert (ctx.out_dir / "figures" / "sequence_alpha_sweep.png").is_file()
