"""The curvature-mass projection: exact at rho = 1, keeps the largest-curvature components first."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from neuroengram.engram.curvature import curvature_mask, keep_curvature_mass, kfac_factors
from neuroengram.errors import ConfigError


def test_mask_keeps_the_top_curvature_mass():
    lam = torch.tensor([1.0, 4.0], dtype=torch.float64)
    mu = torch.tensor([2.0, 1.0, 0.0], dtype=torch.float64)
    # products: [[2, 1, 0], [8, 4, 0]], total 15
    assert curvature_mask(lam, mu, 0.5).tolist() == [[0, 0, 0], [1, 0, 0]]  # 8 >= 7.5
    assert curvature_mask(lam, mu, 0.8).tolist() == [[0, 0, 0], [1, 1, 0]]  # 12 >= 12
    assert curvature_mask(lam, mu, 1.0).sum() >= 4  # every component with curvature


def test_projection_is_exact_at_rho_one_and_drops_energy_below():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)).eval()
    x = torch.randn(100, 5)
    factors = kfac_factors(model, [x])
    full = keep_curvature_mass(model, factors, 1.0)
    # only zero-curvature components go: the softmax-invariant logit shift and directions no input or gradient reaches
    assert torch.allclose(full(x).softmax(1), model(x).softmax(1), atol=1e-5)
    assert keep_curvature_mass(model, factors, 0.5)[2].weight.norm() < model[2].weight.norm()
    with pytest.raises(ConfigError, match="rho"):
        keep_curvature_mass(model, factors, 0.0)


@pytest.mark.slow
def test_low_curvature_components_hold_the_memorised_labels(tmp_path):
    """Stage task 'curvature': dropping 2 % of the curvature mass forgets the random labels, not the digits."""
    from neuroengram.engram import stage
    from neuroengram.stages import StageContext

    ctx = StageContext("engram", seed=0, point_dir=tmp_path)
    m = stage.run(stage.Params(task="curvature", epochs=300, label_noise=0.1), ctx)
    assert m["memorised_recall_rho_1000"] >= 0.95  # the network did memorise them
    assert m["memorised_recall_rho_0980"] <= 0.4
    assert m["clean_train_acc_rho_0980"] >= 0.95
    assert m["test_acc_rho_0980"] >= m["test_acc_rho_1000"] - 0.01
    assert m["test_acc_rho_0700"] < 0.5  # keeping too little removes the shared structure too
    assert (ctx.out_dir / "figures" / "curvature_spectrum.png").is_file()
