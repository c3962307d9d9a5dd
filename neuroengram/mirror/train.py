"""Training loop (Adam, mini-batches from a seeded ``torch.Generator``), reconstruction and accuracy metrics.

Losses: ``"mse"`` (continuous data) is the mean squared error over samples, steps and features; ``"bce"`` (binary
data, model outputs logits) is the mean binary cross-entropy. Baseline: the mean predictor, which outputs the
training set's per-feature mean at every step; its error is the data's variance (MSE) or the entropy of the
per-feature firing probability (BCE). Fraction of variance explained: ``1 - MSE / MSE_mean``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, Literal

import torch
from torch import nn
from torch.nn import functional as F

from neuroengram.errors import StageError

Loss = Literal["mse", "bce"]


def reconstruction_loss(x_hat: torch.Tensor, x: torch.Tensor, loss: Loss) -> torch.Tensor:
    """Mean reconstruction loss of outputs ``x_hat`` (values, or logits for ``"bce"``) against targets ``x``."""
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(x_hat, x)
    return F.mse_loss(x_hat, x)


def mean_predictor_loss(x_train: torch.Tensor, x: torch.Tensor, loss: Loss) -> float:
    """Loss on ``x`` of predicting the per-feature mean of ``x_train`` at every step (the baseline)."""
    mean = x_train.mean(dim=(0, 1)).expand_as(x)
    if loss == "bce":
        p = mean.clamp(1e-6, 1 - 1e-6)
        return float(F.binary_cross_entropy(p, x))
    return float(F.mse_loss(mean, x))


def train(
    model: nn.Module,
    data: tuple[torch.Tensor, ...],
    batch_loss: Callable[[nn.Module, tuple[torch.Tensor, ...]], torch.Tensor],
    *,
    epochs: int,
    lr: float,
    batch_size: int,
    generator: torch.Generator,
    max_grad_norm: float = 1.0,
    progress: Callable[[Iterable[int]], Iterable[int]] = iter,
) -> list[float]:
    """Minimise ``batch_loss(model, batch)`` over mini-batches of ``data`` with Adam; return the mean loss per epoch.

    ``data`` are tensors with a common first (sample) axis. Mini-batches are drawn by
    ``torch.randperm(..., generator=generator)``, so a fixed generator seed and a fixed initialisation give identical
    weights. Gradients are clipped to norm ``max_grad_norm``.

    Raises :class:`StageError` when the loss becomes NaN/inf, naming the epoch and the last finite loss.
    """
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    n_samples = len(data[0])
    history: list[float] = []
    last_finite = math.nan
    model.train()
    for epoch in progress(range(epochs)):
        order = torch.randperm(n_samples, generator=generator)
        total = 0.0
        for start in range(0, n_samples, batch_size):
            index = order[start : start + batch_size]
            value = batch_loss(model, tuple(tensor[index] for tensor in data))
            if not torch.isfinite(value):
                raise StageError(
                    f"training diverged: the loss became {value.item()} in epoch {epoch + 1} "
                    f"(last finite batch loss {last_finite:.6g})",
                    key="lr",
                    fix=f"lower the learning rate (now {lr:g}) or the initial gain, or normalise the data",
                )
            optimiser.zero_grad()
            value.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            optimiser.step()
            last_finite = value.item()
            total += last_finite * len(index)
        history.append(total / n_samples)
    model.eval()
    return history


def train_autoencoder(model: nn.Module, x: torch.Tensor, *, loss: Loss = "mse", **settings: Any) -> list[float]:
    """:func:`train` a sequence autoencoder (``forward(x) -> (x_hat, z)``) on ``x`` ``(n, n_steps, n_features)``."""
    return train(model, (x,), lambda net, batch: reconstruction_loss(net(batch[0])[0], batch[0], loss), **settings)


def train_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor, **settings: Any) -> list[float]:
    """:func:`train` a sequence classifier (``forward(x) -> logits (n, n_classes)``) with cross-entropy."""
    return train(model, (x, y), lambda net, batch: F.cross_entropy(net(batch[0]), batch[1]), **settings)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x`` whose arg-max logit equals ``y`` (evaluation mode, no gradient)."""
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(dim=-1) == y).float().mean())
