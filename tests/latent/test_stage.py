"""The latent stage end to end on small synthetic upstream outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuroengram.errors import StageError
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
    assert Params().source == "auto"


def test_latent_codes_of_known_id(tmp_path: Path) -> None:
    _write(tmp_path, "mirror", "latent", codes=tanh_manifold(2000, 3, 16, 0), labels=np.zeros(2000, int))
    metrics = run(Params(), _ctx(tmp_path))
    assert metrics["source"] == "mirror/latent.npz:codes"
    assert metrics["id"] == pytest.approx(3, rel=0.12)
    assert metrics["id_low"] <= 3 <= metrics["id_high"]
    assert all(isinstance(v, float | int | str | bool) for v in metrics.values())
    assert (tmp_path / "latent" / "figures" / "id.png").is_file()
    with np.load(tmp_path / "latent" / "id.npz", allow_pickle=False) as out:
        assert out["local_id"].shape == (2000,)
        assert out["recommended"][0] == pytest.approx(metrics["id"])


def test_spiking_activity_with_temporal_and_count_handling(tmp_path: Path) -> None:
    rates = _activity(2500, 1)
    _write(tmp_path, "spiking", "activity", rates=rates, bin_ms=np.array(10.0), is_excitatory=np.ones(60, bool))
    metrics = run(Params(n_bootstrap=20, heavy=False), _ctx(tmp_path))
    assert metrics["source"] == "spiking/activity.npz:rates"
    assert metrics["warn_count_data"] is True
    # smoothing over 2 bins removes part of the count noise: the ID falls towards the latent's 3
    assert metrics["id_smoothed"] < metrics["id"]


def test_missing_upstream_is_a_stage_error(tmp_path: Path) -> None:
    with pytest.raises(StageError, match=r"stages\.latent\.source"):
        run(Params(), _ctx(tmp_path))
    with pytest.raises(StageError, match="mirror"):
        run(Params(source="mirror"), _ctx(tmp_path))
