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
