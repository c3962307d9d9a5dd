"""Dale's law for PyTorch linear maps: every unit is either excitatory or inhibitory.

A weight matrix ``W`` (shape ``(n_post, n_pre)``, the ``nn.Linear`` convention) obeys Dale's law when all
outgoing weights of a presynaptic unit share its sign:

    W[i, j] = s_j · |V[i, j]|,   s_j = +1 (unit j excitatory) or -1 (unit j inhibitory),

where ``V`` is the free (trained) parameter. The sign pattern is a fixed buffer, so the constraint holds exactly
after any optimiser step (no projection step needed). It is registered with
:func:`torch.nn.utils.parametrize.register_parametrization`, so the layer stays a plain ``nn.Linear``:
``layer.weight`` is the effective signed matrix and forward hooks see ordinary linear maps.

References: Song, Yang & Wang (2016), PLoS Comput Biol 12:e1004792 (E/I RNNs trained with Dale's law);
Cornford et al. (2021), ICLR, "Learning to live with Dale's principle".
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize

from neuroengram.errors import ConfigError


def ei_signs(n_units: int, exc_fraction: float = 0.8) -> torch.Tensor:
    """Signs of ``n_units`` units, excitatory first: ``+1`` for the first ``round(exc_fraction * n)``, ``-1`` after.

    The default 0.8 is the cortical 4:1 E:I ratio. At least one unit of each type is kept when ``n_units >= 2``.
    """
    if n_units < 1:
        raise ConfigError(f"needs at least one unit, got {n_units}", key="n_units", fix="use n_units >= 2")
    if not 0.0 < exc_fraction <= 1.0:
        raise ConfigError(f"exc_fraction must be in (0, 1], got {exc_fraction}", key="exc_fraction")
    n_exc = round(exc_fraction * n_units)
    if n_units >= 2 and exc_fraction < 1.0:
        n_exc = min(max(n_exc, 1), n_units - 1)
    signs = -torch.ones(n_units)
    signs[:n_exc] = 1.0
    return signs


class DaleSign(nn.Module):
    """Parametrization ``V -> |V| * signs`` (signs broadcast over the columns = presynaptic units)."""

    def __init__(self, signs: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("signs", signs.detach().clone().float())

    def forward(self, free: torch.Tensor) -> torch.Tensor:
        return free.abs() * self.signs

    def right_inverse(self, weight: torch.Tensor) -> torch.Tensor:
        """Setting ``layer.weight = W`` stores ``|W|`` (the signs of ``W`` are replaced by the unit types)."""
        return weight.abs()


def dale_linear(pre_signs: torch.Tensor, n_out: int, bias: bool = True) -> nn.Linear:
    """An ``nn.Linear(len(pre_signs), n_out)`` whose columns carry the signs ``pre_signs`` of the presynaptic units."""
    layer = nn.Linear(len(pre_signs), n_out, bias=bias)
    parametrize.register_parametrization(layer, "weight", DaleSign(pre_signs))
    return layer


def dale_violations(weight: torch.Tensor, pre_signs: torch.Tensor) -> int:
    """Number of entries of ``weight`` (``(n_post, n_pre)``) whose sign contradicts its presynaptic unit's type."""
    return int((weight.detach() * pre_signs < 0).sum())
