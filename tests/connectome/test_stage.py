"""The connectome stage runs its quickstart default, writes its outputs and compares with a spiking network."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from neuroengram.connectome import stage
from neuroengram.connectome.motifs import CONNECTED_TRIADS
from neuroengram.stages import StageContext


def write_weights(point_dir: Path, n: int = 60, seed: int = 0) -> None:
    """A random E/I network (Dale's law, 4:1) in the shared ``spiking/weights.npz`` format."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < 0.15
    np.fill_diagonal(mask, False)
    pre, post = np.nonzero(mask)
    exc = np.arange(n) < int(0.8 * n)
    (point_dir / "spiking").mkdir(parents=True)
    np.savez(
        point_dir / "spiking" / "weights.npz",
        pre=pre,
        post=post,
        weight=np.where(exc[pre], 0.5, -2.0),
        n_neurons=n,
        is_excitatory=exc,
    )


def test_quickstart_default_with_spiking(tmp_path: Path) -> None:
    write_weights(tmp_path)
    ctx = StageContext("connectome", seed=5, point_dir=tmp_path)
    metrics = stage.run(stage.Params(n_null=12), ctx)
    assert (metrics["n_nodes"], metrics["n_edges"], metrics["n_synapses"]) == (279, 2194, 6394)
    assert metrics["n_mutual_pairs"] == 233 and metrics["ffl_count"] == 1453
    assert metrics["ffl_z_mutual"] > 8 > metrics["ffl_z_degree"]
    assert metrics["xor_count"] > 10 * metrics["xor_null_mean"]
    assert -1 <= metrics["profile_correlation"] <= 1
    out = tmp_path / "connectome"
    with np.load(out / "motifs.npz", allow_pickle=False) as arrays:
        assert arrays["census"][list(arrays["triads"]).index("030T")] == 1453
        assert arrays["profile"].shape == arrays["spiking_profile"].shape == (len(CONNECTED_TRIADS),)
        assert arrays["z_mutual"].shape == arrays["motifs"].shape
    for name in ("census", "zscores", "degrees", "profile_comparison"):
        assert (out / "figures" / f"{name}.png").stat().st_size > 1000
    again = stage.run(stage.Params(n_null=12), StageContext("connectome", seed=5, point_dir=tmp_path / "b"))
    assert again["ffl_z_mutual"] == metrics["ffl_z_mutual"]  # seeded


def test_runs_without_spiking_and_without_signs(tmp_path: Path) -> None:
    params = stage.Params(dataset="witvliet2021_8", sign="none", nulls=("degree",), n_null=5, four_node=False)
    metrics = stage.run(params, StageContext("connectome", seed=1, point_dir=tmp_path))
    assert metrics["n_nodes"] == 180 and "profile_correlation" not in metrics and "xor_count" not in metrics
    assert not (tmp_path / "connectome" / "figures" / "profile_comparison.png").exists()


@pytest.mark.parametrize("bad", [{"dataset": "celegans"}, {"n_null": 1}, {"nulls": ["erdos"]}, {"n_nul": 5}])
def test_params_reject_bad_values(bad: dict) -> None:
    with pytest.raises(ValidationError):
        stage.Params(**bad)
