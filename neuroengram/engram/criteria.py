"""The four engram criteria as measured numbers (Kwon et al., ICML 2026, Figure 1; definitions here are ours).

For a target subset with engram ``E`` (per linear map, :class:`~neuroengram.engram.estimator.EngramEstimator`),
``A⁺`` / ``A⁻`` the input rows a map receives from the target / from the rest of the reference set in the original
network, ``W̃`` the map's weights:

specificity
    ``1 − mean_maps ‖A⁻Eᵀ‖_F / ‖A⁻W̃ᵀ‖_F``: 1 when the engram is silent on the other memories.
reactivation
    ``1 − mean_maps ‖A⁺(E − W̃)ᵀ‖_F / ‖A⁺W̃ᵀ‖_F``: 1 when the engram alone reproduces the layer's response to its
    own memories.
sufficiency
    the isolated engram (every map set to ``0 + E``) recalls the memory. Classifier: hit rate, the fraction of
    target samples it assigns to their class, always reported with its **false-positive rate**, the fraction of
    other samples it assigns to a target class (a constant "always c" network would score hit rate 1).
    Autoencoder: ``MSE_original(target) / MSE_isolated(target)`` (1 = recall as good as the original). The null
    network is all zeros (tabula rasa); the stage also reports the hit rate on a random-initialisation null.
necessity
    erasure (every map set to ``W̃ − alpha E``) removes the memory and leaves the rest. Classifier:
    ``1 − acc_erased(target) / acc_original(target)``, reported with the retain accuracy drop
    ``acc_original(rest) − acc_erased(rest)``. Autoencoder: forget and retain MSE ratios ``MSE_erased / MSE_original``.

The layer-level numbers come from the estimator's statistics (training inputs); the network-level ones are measured on
the samples passed in (held-out test samples in the stage).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from neuroengram.engram.digits import forget_retain_accuracy, predict
from neuroengram.engram.estimator import EngramEstimator


def layer_summary(estimator: EngramEstimator) -> dict[str, float]:
    """Specificity and reactivation averaged over the maps (NaN maps skipped)."""
    per_map = estimator.layer_criteria().values()
    out = {}
    for key in ("specificity", "reactivation"):
        values = [v[key] for v in per_map if not math.isnan(v[key])]
        out[key] = sum(values) / len(values) if values else math.nan
    return out


def classification_criteria(
    estimator: EngramEstimator,
    original: nn.Module,
    erased: nn.Module,
    isolated: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    forget: list[int],
) -> dict[str, float]:
    """The four criteria of a class engram of a classifier, measured on ``(x, y)`` (see the module docstring)."""
    orig_forget, orig_retain = forget_retain_accuracy(original, x, y, forget)
    erased_forget, erased_retain = forget_retain_accuracy(erased, x, y, forget)
    mask = torch.isin(y, torch.tensor(forget))
    pred = predict(isolated, x)
    return {
        **layer_summary(estimator),
        "sufficiency": float((pred[mask] == y[mask]).float().mean()),
        "false_positive_rate": float(torch.isin(pred[~mask], torch.tensor(forget)).float().mean()),
        "necessity": 1.0 - erased_forget / orig_forget if orig_forget > 0 else math.nan,
        "retain_drop": orig_retain - erased_retain,
    }
