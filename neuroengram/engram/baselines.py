"""Unlearning baselines for class erasure in a classifier, run on the same model and split as the engram estimator.

- **Retraining** without the forget set (the gold standard): :func:`neuroengram.engram.digits.train_classifier` on the
  retain set from the same initialisation seed.
- **Fine-tuning** on the retain set (:func:`finetune`): Adam on cross-entropy for a few epochs from the trained model.
- **Gradient ascent** on the forget set (:func:`gradient_ascent`): Adam *maximising* cross-entropy on the forget set,
  stopped once the forget set's training accuracy reaches ``stop_acc``.
- **Selective Synaptic Dampening** (Foster, Schoepf & Brintrup, AAAI 2024, arXiv:2308.07707; :func:`ssd`): with
  importances ``[]_D`` and ``[]_Df``, the mean over mini-batches of squared loss gradients on the whole training set
  and on the forget set, every parameter with ``[]_Df > alpha · []_D`` is multiplied by
  ``min(lam · []_D / []_Df, 1)`` (defaults ``alpha = 10``, ``lam = 1``).
- **Output masking** (:class:`OutputMask`): the forgotten classes' logits are set to ``-inf``.

Every function returns a new model and leaves its input untouched.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from neuroengram.engram.digits import adam_epochs


def finetune(
    model: nn.Module,
    x_retain: torch.Tensor,
    y_retain: torch.Tensor,
    *,
    epochs: int = 5,
    lr: float = 3e-3,
    seed: int = 0,
) -> nn.Module:
    """Fine-tune a copy of ``model`` on the retain set for ``epochs`` epochs (Adam, batch 64)."""
    return adam_epochs(copy.deepcopy(model), x_retain, y_retain, epochs=epochs, lr=lr, seed=seed)


def gradient_ascent(
    model: nn.Module,
    x_forget: torch.Tensor,
    y_forget: torch.Tensor,
    *,
    max_epochs: int = 20,
    lr: float = 1e-3,
    stop_acc: float = 0.05,
    seed: int = 0,
) -> nn.Module:
    """Gradient ascent on the forget set's cross-entropy (Adam, batch 64) on a copy of ``model``, stopped after the
    first epoch whose forget-set (training) accuracy is at most ``stop_acc``, or after ``max_epochs``."""
    return adam_epochs(
        copy.deepcopy(model), x_forget, y_forget, epochs=max_epochs, lr=lr, seed=seed, sign=-1.0, stop_acc=stop_acc
    )


def _importance(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
    """Mean over mini-batches (64, in order) of the squared gradient of the batch-mean cross-entropy."""
    imp = {name: torch.zeros_like(p) for name, p in model.named_parameters()}
    n_batches = 0
    for start in range(0, len(x), 64):
        model.zero_grad()
        nn.functional.cross_entropy(model(x[start : start + 64]), y[start : start + 64]).backward()
        for name, p in model.named_parameters():
            imp[name] += p.grad.detach() ** 2
        n_batches += 1
    model.zero_grad()
    return {name: v / n_batches for name, v in imp.items()}


def ssd(
    model: nn.Module,
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_forget: torch.Tensor,
    y_forget: torch.Tensor,
    *,
    alpha: float = 10.0,
    lam: float = 1.0,
) -> nn.Module:
    """Selective Synaptic Dampening (see the module docstring) on a copy of ``model``."""
    out = copy.deepcopy(model).eval()
    imp_d = _importance(out, x_train, y_train)
    imp_f = _importance(out, x_forget, y_forget)
    with torch.no_grad():
        for name, p in out.named_parameters():
            select = imp_f[name] > alpha * imp_d[name]
            beta = torch.clamp(lam * imp_d[name] / imp_f[name].clamp_min(1e-30), max=1.0)
            p[select] *= beta[select]
    return out


class OutputMask(nn.Module):
    """``model`` with the logits of ``classes`` set to ``-inf`` (never predicted)."""

    def __init__(self, model: nn.Module, classes: list[int]) -> None:
        super().__init__()
        self.model = model
        self.classes = list(classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.model(x).clone()
        logits[:, self.classes] = -torch.inf
        return logits
