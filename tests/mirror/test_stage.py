"""The mirror stage end to end on synthetic sequences and on spiking-format rates."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from neuroengram.errors import ConfigError, StageError
from neuroengram.mirror.stage import REQUIRES, Params, run
from neuroengram.stages import StageContext


def _fake_spiking(point_dir: Path, seed: int = 1) -> None:
    """A spiking/activity.npz in the shared format: 100 neurons (80 E), 4 stimulus patterns, 10-ms bins."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(8) % 4, 25)
    patterns = rng.random((4, 100)) < 0.25
    rates = rng.poisson((2 + 40 * patterns[labels]) * 0.01) / 0.01
    (point_dir / "spiking").mkdir(parents=True)
    np.savez(
        point_dir / "spiking" / "activity.npz",
        rates=rates,
        bin_ms=10.0,
        is_excitatory=np.arange(100) < 80,
        labels=labels,
    )


def test_params_are_documented_and_bounded() -> None:
    assert REQUIRES == ()  # the spiking input is optional (data="auto")
    for name, field in Params.model_fields.items():
        assert field.description, name
    with pytest.raises(ValueError):
        Params(latent_width=0)
    with pytest.raises(ValueError):
        Params(unknown=1)


def test_stage_on_synthetic_sequences(tmp_path: Path) -> None:
    params = Params(data="synthetic", n_factors=2, n_sequences=128, latent_width=2, n_units=20, epochs=20)
    metrics = run(params, StageContext("mirror", 11, tmp_path))
    assert metrics["data_source"] == "synthetic" and metrics["dale_violations"] == 0
    assert metrics["loss_ratio"] < 0.25 and metrics["variance_explained"] > 0.75
    out = tmp_path / "mirror"
    with np.load(out / "latent.npz", allow_pickle=False) as latent:
        assert latent["codes"].shape == (128, 2) and latent["is_test"].sum() == metrics["n_test"]
    assert json.loads((out / "model.json").read_text())["model"]["latent_width"] == 2
    assert torch.load(out / "model.pt", weights_only=True)
    assert (out / "figures" / "loss_curve.png").is_file() and (out / "figures" / "reconstruction.svg").is_file()


def test_stage_on_spiking_rates(tmp_path: Path) -> None:
    _fake_spiking(tmp_path)
    metrics = run(Params(), StageContext("mirror", 11, tmp_path))
    assert metrics["data_source"] == "spiking" and metrics["n_features"] == 32
    # Held-out windows share no bin with training windows, and every stimulus pattern is on both sides.
    with np.load(tmp_path / "mirror" / "latent.npz", allow_pickle=False) as latent:
        starts, is_test, labels = latent["start_bin"], latent["is_test"], latent["labels"]
        assert np.abs(starts[~is_test][:, None] - starts[is_test][None, :]).min() >= Params().window
        assert set(labels[is_test]) == set(labels[~is_test]) == {0, 1, 2, 3}
    with np.load(tmp_path / "mirror" / "sequences.npz", allow_pickle=False) as sequences:
        assert sequences["x"].shape == (len(labels), Params().window, 32)
        np.testing.assert_array_equal(sequences["labels"], labels)
        assert 0.0 <= sequences["x"].min() and sequences["x"].max() <= 1.0
    # Pattern-driven rates: the autoencoder explains part of the held-out variance.
    assert metrics["loss_ratio"] < 0.9


def test_stage_rejects_a_latent_wider_than_the_inputs(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"stages\.mirror\.latent_width"):
        run(Params(data="synthetic", n_features=3, latent_width=4), StageContext("mirror", 0, tmp_path))


def test_stage_needs_the_named_upstream(tmp_path: Path) -> None:
    with pytest.raises(StageError, match=r"needs the output of stage 'spiking'.*fix: add a \[stages\.spiking\]"):
        run(Params(data="spiking"), StageContext("mirror", 0, tmp_path))
