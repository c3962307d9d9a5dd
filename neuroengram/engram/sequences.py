"""Erasing one sequence class (a melody, a stimulus pattern) from a sequence autoencoder.

The autoencoder maps sequences ``x`` (n, n_steps, n_features) to reconstructions (``model(x)`` returns ``x_hat`` or a
tuple whose first element is ``x_hat``; logits for ``loss="bce"``). Its reconstruction error per sample is the mean
squared error (``"mse"``) or binary cross-entropy (``"bce"``) over steps and features. Erasing class ``c`` with the
engram estimator (statistics: the training sequences of class ``c`` as target, all training sequences as reference)
should raise the error on class ``c`` towards that of an **untrained** model (the memory is gone) while the other
classes keep theirs. Two untrained references, both as error ratios ``err_untrained(c) / err_original(c)``:

- the *initialised* model: the same architecture with the weights it had before training (the caller passes it; the
  engram stage rebuilds it from the mirror's seed), i.e. what the network "knows" before any memory;
- the *mean predictor*: outputs the per-feature mean of the training sequences at every step (the mirror's baseline,
  :func:`neuroengram.mirror.train.mean_predictor_loss`; probabilities for ``loss="bce"``), i.e. the best
  memory-free constant reconstruction.

Reported per edit strength ``alpha``: the forget ratio ``err_erased(c) / err_original(c)``, the retain ratios
``err_erased(k) / err_original(k)`` of every other class ``k`` (mean and worst), all on held-out sequences. With
``guard="radius"`` the hidden-to-hidden maps get the strengths of :func:`~neuroengram.engram.stability.guard_alphas`
(the edited recurrent map keeps the original's spectral radius); the guard's action at every ``alpha`` is returned.

Which maps to edit (``maps``). The autoencoder of the mirror has six linear maps: the per-step input map of the
encoder, the two hidden-to-hidden maps, the encoder -> latent map ``to_latent``, the latent -> decoder map
``decoder.afferent`` and the read-out. A melody's engram is only specific where its inputs are: the per-step input
map sees the same few step vectors (bits) in every melody, and the recurrent and read-out maps see rates that all
melodies drive, so their least-squares engrams are compromises that also move the retained melodies (and the
recurrent edits change the dynamics, :mod:`.stability`). ``to_latent`` reads the encoder's *final* state, one
cluster per melody, and writes the latent code (the engram of the mission), so its engram removes the melody's code
and leaves the others' (``decoder.afferent`` reads the code itself: one cluster per melody too). Measured on the
melody mirror (3 mirror seeds x 4 melodies, benchmarks/README.md): editing all six maps meets the target
(erased melody at the untrained model's error, every other melody within 10 %) for 8 of 12 erasures at any alpha and
explodes above alpha 0.5; editing ``to_latent`` alone meets it for 12 of 12 at every alpha in [1.1, 1.5] with the
worst retained melody at +3.5 %. At ``alpha = 1`` the edited code is the least-squares compromise between removing
the melody's code and keeping the others' (the encoder's rates are non-negative, so the clusters share a common
direction and are not orthogonal); ``alpha`` a little above 1 removes the rest.

Sufficiency of an autoencoder engram: ``err_original(c) / err_isolated(c)`` (1 = the isolated engram reconstructs the
class as well as the whole network).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from neuroengram.engram.estimator import EngramEstimator
from neuroengram.engram.stability import GuardAction, guarded_erase
from neuroengram.errors import DataError


class MeanPredictor(nn.Module):
    """Reconstructs every sequence as the per-feature mean of ``x_train`` (n, n_steps, n_features) at every step.

    Outputs logits of the clamped mean for ``loss="bce"`` (so :func:`reconstruction_errors` applies unchanged)."""

    def __init__(self, x_train: torch.Tensor, loss: str = "mse") -> None:
        super().__init__()
        mean = x_train.mean(dim=(0, 1))
        self.register_buffer("output", torch.logit(mean.clamp(1e-6, 1 - 1e-6)) if loss == "bce" else mean)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output.expand_as(x)


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
    class_ratio: np.ndarray
    """(n_alphas, n_classes) error ratio of every class (``classes``) at every alpha."""
    classes: np.ndarray
    untrained_forget_ratio: float
    mean_predictor_forget_ratio: float
    sufficiency: float
    estimator: EngramEstimator
    guard: tuple[GuardAction, ...]


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
    guard: str = "none",
    maps: tuple[str, ...] | None = None,
) -> SequenceErasure:
    """Erase class ``forget`` of a sequence autoencoder at each ``alpha``; compare with an ``untrained`` model (the
    architecture at initialisation) and with the mean predictor. ``guard``: ``"none"``, ``"radius"`` or
    ``"jacobian"``; ``maps``: the linear maps to edit (``None`` = all; see the module docstring).

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
    est = EngramEstimator(method=method, likelihood=likelihood, maps=maps)
    est.fit(model, [x_train[torch.from_numpy(y_train == forget)]], [x_train])
    base = class_errors(model, x_test, y_test, classes, loss)
    forget_idx = int(np.flatnonzero(classes == forget)[0])
    keep = classes != forget
    ratios, actions = [], []
    for alpha in alphas:
        erased, action = guarded_erase(est, model, alpha, guard, reference=[x_train])
        ratios.append(class_errors(erased, x_test, y_test, classes, loss) / base)
        actions.append(action)
    ratio = np.array(ratios)
    untrained_err = class_errors(untrained, x_test, y_test, classes, loss)[forget_idx]
    mean_err = class_errors(MeanPredictor(x_train, loss), x_test, y_test, classes, loss)[forget_idx]
    isolated_err = class_errors(est.isolate(model), x_test, y_test, classes, loss)[forget_idx]
    return SequenceErasure(
        alphas=np.asarray(alphas, dtype=float),
        forget_ratio=ratio[:, forget_idx],
        retain_ratio_mean=np.nanmean(ratio[:, keep], axis=1),
        retain_ratio_max=np.nanmax(ratio[:, keep], axis=1),
        class_ratio=ratio,
        classes=classes,
        untrained_forget_ratio=float(untrained_err / base[forget_idx]),
        mean_predictor_forget_ratio=float(mean_err / base[forget_idx]),
        sufficiency=float(base[forget_idx] / isolated_err),
        estimator=est,
        guard=tuple(actions),
    )
