"""The latent stage end to end on small synthetic upstream outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuroengram.config import load_study, validate_params
from neuroengram.errors import ConfigError, StageError
from neuroengram.latent.stage import REQUIRES, Params, run
from neuroengram.stages import StageContext

from .helpers import tanh_manifold


def _ctx(tmp_path: Path) -> StageContext:
    return StageContext(stage="latent", seed=3, point_dir=tmp_path)


def _write(tmp_path: Path, stage: str, name: str, **arrays: np.ndarray) -> None:
    (tmp_path / stage).mkdir(parents=True, exist_ok=True)
    np.savez(tmp_path / stage / f"{name}.npz", **arrays)


def _activity(n_bins: int, seed: int) -> np.ndarray:
    """Poisson spike counts (as Hz) of 60 neurons driven by a smooth 3-d latent trajectory, 10 ms bins."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_bins) * 0.01
    latent = np.column_stack([np.sin(2 * np.pi * f * t + p) for f, p in rng.uniform([0.3, 0], [1.1, 6], (3, 2))])
    rates = 100 * np.exp(latent @ rng.normal(0, 0.8, (3, 60)))
    return rng.poisson(rates * 0.01) / 0.01


def test_params_defaults_and_requires() -> None:
    assert REQUIRES == ()
    with pytest.raises(ValueError):
        Params(unknown=1)
    assert Params().sources == ("auto",)
    assert Params.model_validate({"sources": ["mirror", "spiking"]}).sources == ("mirror", "spiking")
    with pytest.raises(ValueError, match="distinct"):
        Params(sources=("mirror", "mirror"))


def test_old_source_key_names_the_fix(tmp_path: Path) -> None:
    """Studies written for the single-source stage fail with the replacement spelled out."""
    with pytest.raises(ConfigError, match=r"stages\.latent\.source: .*fix: write sources = \['spiking'\]"):
        validate_params("latent", {"source": "spiking"}, "stages.latent")
    study = tmp_path / "old.toml"
    study.write_text('[study]\nname = "old"\nseed = 1\n[stages.mirror]\n[stages.latent]\nsource = "mirror"\n')
    with pytest.raises(ConfigError, match="sources"):
        load_study(study)


def test_latent_codes_of_known_id(tmp_path: Path) -> None:
    labels = np.repeat([0, 1], 600)
    _write(tmp_path, "mirror", "latent", codes=tanh_manifold(1200, 3, 16, 0), labels=labels)
    metrics = run(Params(), _ctx(tmp_path))
    assert metrics["mirror_source"] == "mirror/latent.npz:codes"
    assert metrics["mirror_id"] == pytest.approx(3, rel=0.12)
    assert metrics["mirror_id_low"] <= 3 <= metrics["mirror_id_high"]
    assert metrics["mirror_class_1_TwoNN"] == pytest.approx(3, rel=0.15)  # labels give the per-class table
    assert all(isinstance(v, float | int | str | bool) for v in metrics.values())
    assert (tmp_path / "latent" / "figures" / "id_mirror.png").is_file()
    with np.load(tmp_path / "latent" / "id_mirror.npz", allow_pickle=False) as out:
        assert out["local_id"].shape == (1200,)
        assert out["recommended"][0] == pytest.approx(metrics["mirror_id"])
        assert list(out["class_label"]) == [0, 1] and out["decimation_n"][0] == 1200


def test_mirror_and_spiking_in_one_run(tmp_path: Path) -> None:
    """Both sources in one stage run: per-source metrics and figures; the activity source gets the Theiler window,
    the count-noise warning and the smoothed-rate estimate."""
    _write(tmp_path, "mirror", "latent", codes=tanh_manifold(800, 3, 16, 0))
    rates = _activity(1500, 1)
    _write(tmp_path, "spiking", "activity", rates=rates, bin_ms=np.array(10.0), is_excitatory=np.ones(60, bool))
    params = Params(sources=("mirror", "spiking"), n_bootstrap=20, heavy=False, max_points=800)
    metrics = run(params, _ctx(tmp_path))
    assert metrics["mirror_source"] == "mirror/latent.npz:codes"
    assert metrics["spiking_source"] == "spiking/activity.npz:rates"
    assert metrics["mirror_id"] == pytest.approx(3, rel=0.12)
    assert metrics["mirror_warn_count_data"] is False and metrics["spiking_warn_count_data"] is True
    assert "mirror_id_smoothed" not in metrics
    # smoothing over 2 bins removes part of the count noise: the ID falls towards the latent's 3
    assert metrics["spiking_id_smoothed"] < metrics["spiking_id"]
    figures = tmp_path / "latent" / "figures"
    assert (figures / "id_mirror.png").is_file() and (figures / "id_spiking.png").is_file()


def test_missing_upstream_is_a_stage_error(tmp_path: Path) -> None:
    with pytest.raises(StageError, match=r"stages\.latent\.sources"):
        run(Params(), _ctx(tmp_path))
    with pytest.raises(StageError, match="mirror"):
        run(Params(sources=("mirror",)), _ctx(tmp_path))
