"""Erasing one sequence class (a melody, a stimulus pattern) from a sequence autoencoder.

The autoencoder maps sequences ``x`` (n, n_steps, n_features) to reconstructions (``model(x)`` returns ``x_hat`` or a
tuple whose first element is ``x_hat``; logits for ``loss="bce"``). Its reconstruction error per sample is the mean
squared error (``"mse"``) or binary cross-entropy (``"bce"``) over steps and features. Erasing class ``c`` with the
engram estimator (statistics: the training sequences of class ``c`` as target, all training sequences as reference)
should raise the error on class ``c`` towards that of an **untrained** model of the same architecture (the memory is
gone) while the other classes keep theirs. Reported per edit strength ``alpha``: the forget ratio
``err_erased(c) / err_original(c)``, the retain ratios ``err_erased(k) / err_original(k)`` of every other class
``k`` (mean and worst), and the untrained model's forget ratio, all on held-out sequences.

Sufficiency of an autoencoder engram: ``err_original(c) / err_isolated(c)`` (1 = the isolated engram reconstructs the
class as well as the whole network).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from neuroengram.engram.estimator import EngramEstimator
from neuroengram.errors import DataError


@torch.no_grad()
def reconstruction_errors(model: nn.Module, x: torch.Tensor, loss: str = "mse") -> torch.Tensor:
    """Per-sample reconstruction error (n,): mean over steps and features of the squared error or the BCE."""
    out = model(x)
    x_hat = out[0] if isinstance(out, tuple | list) else out
    if loss == "bce":
        err = nn.functional.binary_cross_entropy_with_logits(x_hat, x, reduction="none")
    else:
        err = (x_hat - x) ** 2
    return err.reshape(len(x), -1).mean(dim=1)


def class_errors(model: nn.Module, x: torch.Tensor, labels: np.ndarray, classes: np.ndarray, loss: str) -> np.ndarray:
    """Mean reconstruction error of each class in ``classes`` (NaN for a class without samples)."""
    err = reconstruction_errors(model, x, loss).numpy()
    return np.array([err[labels == c].mean() if np.any(labels == c) else np.nan for c in classes])


@dataclass(frozen=True)
class SequenceErasure:
    """Result of :func:`erase_sequence_class` (arrays over ``alphas``; errors on held-out sequences)."""

    alphas: np.ndarray
    forget_ratio: np.ndarray
    retain_ratio_mean: np.ndarray
    retain_ratio_max: np.ndarray
    untrained_forget_ratio: float
    sufficiency: float
    estimator: EngramEstimator


def erase_sequence_class(
    model: nn.Module,
    untrained: nn.Module,
    x_train: torch.Tensor,
    y_train: np.ndarray,
    x_test: torch.Tensor,
    y_test: np.ndarray,
    forget: int,
    alphas: tuple[float, ...],
    loss: str = "mse",
    method: str = "input",
) -> SequenceErasure:
    """Erase class ``forget`` of a sequence autoencoder at each ``alpha``; compare with an ``untrained`` model.

    Raises :class:`DataError` when the class has no training or no held-out sequence, or no other class exists.
    """
    classes = np.unique(np.concatenate([y_train, y_test]))
    others = classes[classes != forget]
    if not np.any(y_train == forget) or not np.any(y_test == forget):
        raise DataError(
            f"class {forget} needs training and held-out sequences (train {int(np.sum(y_train == forget))}, "
            f"held out {int(np.sum(y_test == forget))})",
            key="forget_class",
            fix=f"choose one of the classes {sorted(set(y_train) & set(y_test))}",
        )
    if len(others) == 0:
        raise DataError("there is no other class to retain", key="labels", fix="use data with several classes")
    likelihood = "bernoulli" if loss == "bce" else "gaussian"
    est = EngramEstimator(method=method, likelihood=likelihood)
    est.fit(model, [x_train[torch.from_numpy(y_train == forget)]], [x_train])
    base = class_errors(model, x_test, y_test, classes, loss)
    forget_idx = int(np.flatnonzero(classes == forget)[0])
    keep = classes != forget
    forget_ratio, retain_mean, retain_max = [], [], []
    for alpha in alphas:
        ratio = class_errors(est.erase(model, alpha), x_test, y_test, classes, loss) / base
        forget_ratio.append(ratio[forget_idx])
        retain_mean.append(np.nanmean(ratio[keep]))
        retain_max.append(np.nanmax(ratio[keep]))
    untrained_err = class_errors(untrained, x_test, y_test, classes, loss)[forget_idx]
    isolated_err = class_errors(est.isolate(model), x_test, y_test, classes, loss)[forget_idx]
    return SequenceErasure(
        alphas=np.asarray(alphas, dtype=float),
        forget_ratio=np.array(forget_ratio),
        retain_ratio_mean=np.array(retain_mean),
        retain_ratio_max=np.array(retain_max),
        untrained_forget_ratio=float(untrained_err / base[forget_idx]),
        sufficiency=float(base[forget_idx] / isolated_err),
        estimator=est,
    )
