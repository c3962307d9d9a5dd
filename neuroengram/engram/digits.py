"""The digits benchmark of the engram stage: scikit-learn's 8×8 digits (offline), a ReLU MLP, training, accuracy.

Data: ``sklearn.datasets.load_digits`` (1 797 images, 10 classes, shipped with scikit-learn), pixels scaled to
[0, 1], a stratified split (``test_fraction`` of each class held out). Model: ``64 → hidden… → 10`` ReLU MLP
(``nn.Sequential`` of ``nn.Linear`` and ``nn.ReLU``, He initialisation), trained with Adam on cross-entropy,
mini-batches drawn from a seeded ``torch.Generator``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from neuroengram.errors import ConfigError, DataError

N_CLASSES = 10


@dataclass(frozen=True)
class Split:
    """Train/test tensors: ``x`` float32 (n, 64) in [0, 1], ``y`` int64 (n,)."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor


def load_split(seed: int, test_fraction: float = 0.3) -> Split:
    """Stratified split of the digits with ``random_state=seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction}", key="test_fraction")
    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    x_tr, x_te, y_tr, y_te = train_test_split(
        x, data.target, test_size=test_fraction, stratify=data.target, random_state=seed
    )
    return Split(
        torch.from_numpy(x_tr), torch.from_numpy(y_tr).long(), torch.from_numpy(x_te), torch.from_numpy(y_te).long()
    )


def make_mlp(hidden: tuple[int, ...] = (128, 64), bias: bool = False, seed: int = 0) -> nn.Sequential:
    """``64 → hidden… → 10`` ReLU MLP, He-initialised (``kaiming_normal_``, ReLU gain; biases 0) from ``seed``.

    The default is bias-free, like the MLPs of Kwon et al.; with ``bias=True`` the estimator absorbs the biases.
    """
    gen = torch.Generator().manual_seed(seed)
    widths = (64, *hidden)
    layers: list[nn.Module] = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [nn.Linear(n_in, n_out, bias=bias), nn.ReLU()]
    layers.append(nn.Linear(widths[-1], N_CLASSES, bias=bias))
    for layer in layers:
        if isinstance(layer, nn.Linear):
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=gen)
            if bias:
                nn.init.zeros_(layer.bias)
    return nn.Sequential(*layers)


def train_classifier(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 60,
    lr: float = 3e-3,
    batch_size: int = 64,
    seed: int = 0,
) -> nn.Module:
    """Train ``model`` in place with Adam on cross-entropy; return it in eval mode."""
    if len(x) == 0:
        raise DataError("no training samples", key="x", fix="pass a non-empty training set")
    return adam_epochs(model, x, y, epochs=epochs, lr=lr, batch_size=batch_size, seed=seed)


def adam_epochs(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    seed: int = 0,
    sign: float = 1.0,
    stop_acc: float | None = None,
) -> nn.Module:
    """Adam on ``sign`` x cross-entropy, in place, over mini-batches shuffled by ``seed`` each epoch; stop after the
    first epoch whose accuracy on ``(x, y)`` is at most ``stop_acc`` (never when None). Returns ``model`` in eval mode.
    """
    gen = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), batch_size):
            idx = order[start : start + batch_size]
            loss = sign * nn.functional.cross_entropy(model(x[idx]), y[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        if stop_acc is not None and accuracy(model.eval(), x, y) <= stop_acc:
            break
    return model.eval()


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Predicted classes (argmax of the logits)."""
    return model(x).argmax(dim=1)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of correct predictions (NaN for no samples)."""
    return float((predict(model, x) == y).float().mean()) if len(y) else float("nan")


def forget_retain_accuracy(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, forget: list[int]
) -> tuple[float, float]:
    """Accuracy on the samples of the ``forget`` classes and on the others."""
    mask = torch.isin(y, torch.tensor(forget))
    return accuracy(model, x[mask], y[mask]), accuracy(model, x[~mask], y[~mask])
