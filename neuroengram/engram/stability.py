"""A stability guard for erasing engrams from recurrent (hidden-to-hidden) maps.

Erasure sets every map to ``W̃ − alpha · E``. For a feed-forward map this changes one layer's response by a bounded
amount. For a hidden-to-hidden map it changes the dynamics: for the rate networks of the mirror,
``r_t = (1 − leak) r_{t−1} + leak · relu(W r_{t−1} + drive_t)``, the linearisation with every unit active has
eigenvalues ``(1 − leak) + leak · λ_i(W)``, so a map whose spectral radius ``ρ(W) = max_i |λ_i(W)|`` grows lets
activity grow from step to step, and an edit that does not respect the original's radius can turn a stable network
into an exploding one (measured on the mirror trained on spiking activity: ``alpha = 1`` gave error ratios up to
2e7 on the erased stimulus). The engram of a recurrent map is estimated from hidden states of the *unedited*
network; after the edit the states differ, so the least-squares guarantees of :mod:`.estimator` do not bound the
edited dynamics.

Rules. Feed-forward maps always get ``alpha``. A recurrent map gets ``alpha`` where the full edit keeps the
original's radius (the guard does nothing), else the largest strength a bisection of ``[0, alpha]``
(``BISECTION_STEPS`` halvings, keeping the admissible end) finds admissible, or 0 if even the unedited map is not
(not for the rules below, whose bound holds at 0). The bisection assumes the radius grows with the strength along
the segment; every reported radius is measured at the applied strength.

- ``"radius"``: per recurrent map ``m``, ``ρ(W_m − alpha_m E_m) <= ρ(W_m)``, the spectral radius of the map itself
  (cheap; generic). It bounds the linearisation with all units active, but in a rectified network with ``ρ(W) > 1``
  (inhibition-stabilised, as the trained mirrors are) the dynamics are stable only because rectification removes
  units; measured on the spiking-activity mirror it leaves blow-ups in place.
- ``"jacobian"``: one strength for all recurrent maps (they interact through the trajectories) such that, for every
  recurrent map, the largest spectral radius of the linearised dynamics ``J_t = (1 − leak) I + leak · D_t W`` over
  the reference sequences and steps (:func:`trajectory_radius`, ``D_t`` the active units of the *edited* network) is
  at most the larger of the original network's and that of the network whose feed-forward maps alone are edited
  (those edits move the trajectories too; the guard only limits what the recurrent edit adds). This is the growth
  factor that actually applies on the data.

The guard never acts silently: :class:`GuardAction` holds, per recurrent map, the applied strength and the radii
(of the guard's measure) of the original, the unguarded and the applied edit, and :meth:`GuardAction.metrics`
flattens them for a stage's metrics. ``W`` is the square hidden-to-hidden part of ``W̃`` (a bias column is not
part of the dynamics).

Recurrent maps are found by :func:`recurrent_maps`: the ``hh`` maps of PyTorch recurrent modules and cells, and every
square ``nn.Linear`` whose module path ends in ``recurrent`` (the convention of
:class:`~neuroengram.mirror.autoencoder.EIRateRNN`); pass ``maps`` to name them explicitly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn

from neuroengram.engram.estimator import EngramEstimator
from neuroengram.engram.statistics import Batch, LinearMap, model_input
from neuroengram.errors import ConfigError

GUARDS = ("none", "radius", "jacobian")
TOLERANCE = 1e-9
"""Relative slack of the radius comparisons (rounding of the eigenvalue solver)."""
BISECTION_STEPS = 8
"""Halvings of ``[0, alpha]`` when the full edit is not admissible (resolution ``alpha / 256``)."""
MAX_ACTIVE_SETS = 256


def spectral_radius(matrix: torch.Tensor) -> float:
    """``max |λ|`` of the square hidden-to-hidden part ``matrix[:, :out]`` of a map ``W̃`` (out, D)."""
    square = matrix[:, : matrix.shape[0]].to(torch.float64)
    return float(torch.linalg.eigvals(square).abs().max())


def recurrent_maps(estimator: EngramEstimator) -> list[str]:
    """Names of the fitted estimator's hidden-to-hidden maps (see the module docstring)."""
    names = []
    for name, lin in estimator.maps_.items():
        weight = estimator.weights_[name]
        square = weight.shape[0] == weight.shape[1] - (lin.bias is not None)
        if name.endswith(".hh") or (square and lin.module.rsplit(".", 1)[-1] == "recurrent"):
            names.append(name)
    return names


@dataclass(frozen=True)
class GuardAction:
    """What the guard did to each recurrent map at one requested ``alpha``."""

    alpha: float
    measure: str
    """``"weight"`` (radii of ``W``) or ``"jacobian"`` (largest radius of the linearisation on the reference data)."""
    map_alpha: dict[str, float]
    radius_original: dict[str, float]
    radius_bound: dict[str, float]
    """The radius the guard allowed: the original's (``"weight"``), or the larger of the original's and that of the
    network with only the feed-forward maps edited (``"jacobian"``)."""
    radius_unguarded: dict[str, float]
    radius_edited: dict[str, float]

    @property
    def active(self) -> bool:
        """Whether any recurrent map got a smaller strength than requested."""
        return any(a < self.alpha for a in self.map_alpha.values())

    def metrics(self, prefix: str = "guard") -> dict[str, float | bool]:
        """Flat metrics: ``<prefix>_active``, and per map ``<prefix>_alpha_<map>`` and the three radii."""
        out: dict[str, float | bool] = {f"{prefix}_active": self.active}
        for name in self.map_alpha:
            key = name.replace(".", "_")
            out[f"{prefix}_alpha_{key}"] = self.map_alpha[name]
            out[f"spectral_radius_original_{key}"] = self.radius_original[name]
            out[f"spectral_radius_bound_{key}"] = self.radius_bound[name]
            out[f"spectral_radius_unguarded_{key}"] = self.radius_unguarded[name]
            out[f"spectral_radius_edited_{key}"] = self.radius_edited[name]
        return out


def _largest_admissible(admissible: Callable[[float], bool], alpha: float) -> float:
    """``alpha`` if admissible, else 0 if 0 is not, else the admissible end of a bisection of ``[0, alpha]``."""
    if admissible(alpha):
        return alpha
    low, high = 0.0, alpha
    if not admissible(low):
        return low
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if admissible(mid) else (low, mid)
    return low


@torch.no_grad()
def trajectory_radius(model: nn.Module, batches: Iterable[Batch], maps: dict[str, LinearMap]) -> dict[str, float]:
    """Per recurrent map of a leaky rate network, ``max`` over rows and steps of ``ρ(J_t)`` on ``batches``.

    ``J_t = (1 − leak) I + leak · D_t W`` is the linearisation of ``r_t = (1 − leak) r_{t−1} + leak · relu(W r_{t−1}
    + drive_t)``, ``D_t`` the diagonal of ReLU slopes (1 where ``r_t − (1 − leak) r_{t−1} > 0``), over the distinct
    active sets ``D_t`` (at most ``MAX_ACTIVE_SETS``, evenly spaced in their sorted order, to bound the cost of the
    eigenvalue solver, which dominates: ~0.3 ms per 32-unit set). The map's parent
    module must have a ``leak`` attribute and return the rates ``(batch, n_steps, n_units)`` (like
    :class:`~neuroengram.mirror.autoencoder.EIRateRNN`); else :class:`ConfigError`.
    """
    masks: dict[str, list[torch.Tensor]] = {name: [] for name in maps}
    handles = []
    for name, lin in maps.items():
        parent_path = lin.module.rpartition(".")[0]
        parent = model.get_submodule(parent_path)
        if not hasattr(parent, "leak"):
            raise ConfigError(
                f"the jacobian guard needs a leaky rate network around {name!r}; {type(parent).__name__} has no leak",
                key="guard",
                fix="use guard = 'radius' for this model",
            )

        def hook(mod: nn.Module, args: tuple, rates: torch.Tensor, name: str = name) -> None:
            prev = torch.cat([torch.zeros_like(rates[:, :1]), rates[:, :-1]], dim=1)
            masks[name].append(((rates - (1.0 - mod.leak) * prev) > 0).reshape(-1, rates.shape[-1]))

        handles.append(parent.register_forward_hook(hook))
    try:
        for batch in batches:
            model(model_input(batch))
    finally:
        for handle in handles:
            handle.remove()
    out = {}
    for name, lin in maps.items():
        leak = model.get_submodule(lin.module.rpartition(".")[0]).leak
        weight = lin.matrix(model)
        weight = weight[:, : weight.shape[0]]
        active = torch.unique(torch.cat(masks[name]), dim=0).to(weight.dtype)  # distinct D_t, sorted
        if len(active) > MAX_ACTIVE_SETS:
            active = active[torch.linspace(0, len(active) - 1, MAX_ACTIVE_SETS).round().long()]
        eye = torch.eye(len(weight), dtype=weight.dtype)
        jac = (1.0 - leak) * eye + leak * active[:, :, None] * weight[None]
        out[name] = float(torch.linalg.eigvals(jac).abs().max())
    return out


def guard_alphas(
    estimator: EngramEstimator,
    model: nn.Module,
    alpha: float,
    guard: str = "radius",
    reference: Iterable[Batch] | None = None,
    maps: Iterable[str] | None = None,
) -> GuardAction:
    """Per recurrent map, the strength the guard allows at the requested ``alpha`` (module docstring).

    ``guard="none"``: every map gets ``alpha`` (the weight radii are still reported); ``"radius"``: per map,
    ``ρ(W_m − alpha_m E_m) <= ρ(W_m)``; ``"jacobian"``: one strength for all recurrent maps such that the largest
    :func:`trajectory_radius` of every recurrent map on the ``reference`` batches stays within the bound of the
    module docstring.
    """
    if guard not in GUARDS:
        raise ConfigError(f"unknown guard {guard!r}", key="guard", fix=f"use one of {GUARDS}")
    estimator._check_fitted()
    names = recurrent_maps(estimator) if maps is None else list(maps)
    unknown = sorted(set(names) - set(estimator.maps_))
    if unknown:
        raise ConfigError(f"no fitted maps {unknown}", key="maps", fix=f"use names from {sorted(estimator.maps_)}")
    weights, engrams = estimator.weights_, estimator.engrams_
    if not names:  # no recurrent map is edited: nothing to guard
        return GuardAction(alpha, "jacobian" if guard == "jacobian" else "weight", {}, {}, {}, {}, {})
    if guard == "jacobian":
        if reference is None:
            raise ConfigError("the jacobian guard needs reference batches", key="reference", fix="pass them")
        reference = list(reference)
        rec = {n: estimator.maps_[n] for n in names}

        def measure(a: float) -> dict[str, float]:
            edited = estimator.erase(model, alpha, map_alpha={n: a for n in names})
            return trajectory_radius(edited, reference, rec)

        original = trajectory_radius(model, reference, rec)
        without = measure(0.0)  # the feed-forward edits alone also move the trajectories
        bound = {n: max(original[n], without[n]) for n in names}
        applied_alpha = _largest_admissible(
            lambda a: all(v <= bound[n] * (1 + TOLERANCE) for n, v in measure(a).items()), alpha
        )
        applied = {n: applied_alpha for n in names}
        unguarded, edited = measure(alpha), measure(applied_alpha)
    else:
        original = {n: spectral_radius(weights[n]) for n in names}
        bound = original

        def keeps(n: str, a: float) -> bool:
            return spectral_radius(weights[n] - a * engrams[n]) <= bound[n] * (1 + TOLERANCE)

        applied = {
            n: alpha if guard == "none" else _largest_admissible(lambda a, n=n: keeps(n, a), alpha) for n in names
        }
        unguarded = {n: spectral_radius(weights[n] - alpha * engrams[n]) for n in names}
        edited = {n: spectral_radius(weights[n] - applied[n] * engrams[n]) for n in names}
    return GuardAction(
        alpha=alpha,
        measure="jacobian" if guard == "jacobian" else "weight",
        map_alpha=applied,
        radius_original=original,
        radius_bound=bound,
        radius_unguarded=unguarded,
        radius_edited=edited,
    )


def guarded_erase(
    estimator: EngramEstimator,
    model: nn.Module,
    alpha: float | None = None,
    guard: str = "radius",
    reference: Iterable[Batch] | None = None,
    maps: Iterable[str] | None = None,
) -> tuple[nn.Module, GuardAction]:
    """``estimator.erase`` with the recurrent maps' strengths from :func:`guard_alphas`; returns ``(copy, action)``."""
    alpha = estimator.alpha if alpha is None else alpha
    action = guard_alphas(estimator, model, alpha, guard, reference, maps)
    return estimator.erase(model, alpha, map_alpha=action.map_alpha), action
