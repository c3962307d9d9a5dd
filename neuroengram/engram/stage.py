"""The engram stage: find a memory's trace in a trained network's weights, erase it, isolate it, compose it.

Quickstart (``dataset = "digits"``): train a ReLU MLP on scikit-learn's digits, erase one class with the closed-form
:class:`~neuroengram.engram.estimator.EngramEstimator` (statistics from the training set), and report forget/retain
test accuracy before and after, next to the gold standard (the same network retrained without the class), the four
criteria (:mod:`~neuroengram.engram.criteria`), the composition identity error (engram of two classes vs the sum of
their engrams), the partition-sum error (the ten class engrams against the layer's function) and the wall times of
erasure and retraining. Writes ``engram/erasure.npz`` and the figure ``engram/figures/forget_retain``.

``dataset = "mirror"``: the mirror stage's recurrent autoencoder (``mirror/model.pt`` + ``mirror/model.json``) and its
labelled sequences (``mirror/sequences.npz`` with ``x`` (n, n_steps, n_features), ``labels`` (n,), ``is_test`` (n,);
or the same keys in ``mirror/latent.npz``). One class (a melody / stimulus pattern) is erased at every ``alpha`` of
:data:`SEQUENCE_ALPHAS` and at ``alpha`` (the metrics are those at ``alpha``), from the maps named in ``edit_maps``
(default: all six; ``["to_latent"]``, the map that writes the latent code, is the setting that meets the per-erasure
target on the melody mirror, see :mod:`~neuroengram.engram.sequences`); reported: held-out reconstruction-error
ratios of the forgotten class and of the others, against an untrained model (the mirror's own initial weights,
rebuilt from its seed) and against the mean predictor. ``recurrent_guard`` caps the edit of the hidden-to-hidden maps
(:mod:`~neuroengram.engram.stability`); its action (applied strengths, radii before/after) is in the metrics
(``guard_*``, ``spectral_radius_*``) and in ``sequence_erasure.npz`` (``guard_alpha`` per alpha). Writes
``engram/sequence_erasure.npz`` and the figure ``engram/figures/sequence_alpha_sweep`` (ratios against alpha and the
forget/retain trade-off). ``alpha_reaching_untrained`` / ``alpha_reaching_mean_predictor``: the smallest swept alpha
at which the forgotten class's error reaches that reference, with the retained classes' ratios there.

``task = "melody_bridge"``: erase melody ``forget_class`` from the mirror stage's melody mirror (``task =
"melody_bridge"`` there) and replay the spiking network in Brian2 before and after
(:mod:`~neuroengram.engram.spiking_erase`). Writes ``engram/bridge_erasure.npz`` and the figures
``bridge_erasure`` and ``bridge_erasure_raster``.

``task = "curvature"`` (digits): train the MLP with a fraction ``label_noise`` of random wrong labels, keep per layer
the top-ρ K-FAC curvature mass (:func:`~neuroengram.engram.curvature.memorisation_spectrum`) and report recall of the
memorised labels and clean/test accuracy for every ρ of :data:`~neuroengram.engram.curvature.RHOS`. Writes
``engram/curvature.npz`` and the figure ``engram/figures/curvature_spectrum``.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

import numpy as np
import torch
from pydantic import Field

from neuroengram.engram.criteria import classification_criteria, layer_summary
from neuroengram.engram.curvature import memorisation_spectrum, spectrum_figure
from neuroengram.engram.digits import (
    N_CLASSES,
    accuracy,
    forget_retain_accuracy,
    load_split,
    make_mlp,
    train_classifier,
)
from neuroengram.engram.estimator import EngramEstimator, composition_error, partition_error, select_maps
from neuroengram.engram.sequences import erase_sequence_class
from neuroengram.engram.statistics import collect_moments, linear_maps
from neuroengram.errors import ConfigError, StageError
from neuroengram.stages import StageContext, StageParams

REQUIRES: tuple[str, ...] = ()

ALPHA_SWEEP = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
SEQUENCE_ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.25, 1.5)
TRADE_OFF_XMAX = 3.0


class Params(StageParams):
    """``[stages.engram]``: which memory to erase from which model, and how."""

    task: Literal["erase", "curvature", "melody_bridge"] = Field(
        "erase",
        description="'erase' one class; 'curvature' = memorised-label spectrum (digits, label_noise); "
        "'melody_bridge' = erase melody forget_class from the mirror's melody mirror and replay it in Brian2",
    )
    dataset: Literal["digits", "mirror"] = Field(
        "digits", description="'digits' = MLP on sklearn digits; 'mirror' = the mirror stage's recurrent autoencoder"
    )
    forget_class: int = Field(3, ge=0, le=N_CLASSES - 1, description="the class whose engram is erased")
    alpha: float = Field(1.0, ge=0.0, le=10.0, description="edit strength: W - alpha * engram")
    method: Literal["input", "kfac"] = Field(
        "input", description="'input' (input second moments) or 'kfac' (also the output-gradient factor)"
    )
    hidden: tuple[Annotated[int, Field(ge=1, le=4096)], ...] = Field(
        (128, 64), min_length=1, max_length=8, description="hidden layer widths of the MLP"
    )
    bias: bool = Field(False, description="whether the MLP's layers have biases (absorbed as a constant input)")
    epochs: int = Field(60, ge=1, le=1000, description="training epochs (Adam, batch 64, lr 3e-3)")
    test_fraction: float = Field(0.3, gt=0.0, lt=1.0, description="held-out fraction of each digit class")
    retrain_gold: bool = Field(True, description="retrain without the forget class (gold standard, one more run)")
    recurrent_guard: Literal["none", "radius", "jacobian"] = Field(
        "jacobian",
        description="dataset 'mirror': cap the edit of recurrent maps so the edited dynamics keep the original's "
        "spectral radius ('radius' of W, 'jacobian' of the linearisation on the training sequences) or 'none'",
    )
    edit_maps: tuple[str, ...] = Field(
        (),
        max_length=64,
        description="task 'erase': names of the linear maps to edit (the estimator's map names, e.g. 'to_latent' = "
        "the mirror's encoder -> latent-code map, '0' = the digits MLP's first layer); empty = every linear map",
    )
    label_noise: float = Field(
        0.1, gt=0.0, lt=1.0, description="task 'curvature': fraction of training images given a random wrong label"
    )


def run(params: Params, ctx: StageContext) -> dict[str, float | int | str | bool]:
    if params.edit_maps and params.task != "erase":
        raise ConfigError(
            f"edit_maps applies to task 'erase', not {params.task!r}",
            key="stages.engram.edit_maps",
            fix="remove edit_maps or set task = 'erase'",
        )
    if params.task == "curvature":
        return _run_curvature(params, ctx)
    if params.task == "melody_bridge":
        from neuroengram.engram.spiking_erase import run_bridge_erasure

        return run_bridge_erasure(params.forget_class, params.alpha, ctx)
    if params.dataset == "mirror":
        return _run_mirror(params, ctx)
    split = load_split(ctx.seed, params.test_fraction)
    forget = [params.forget_class]
    x_tr, y_tr, x_te, y_te = split.x_train, split.y_train, split.x_test, split.y_test

    ctx.log.info("training the MLP %s on digits (%d samples)", params.hidden, len(x_tr))
    model = train_classifier(
        make_mlp(params.hidden, params.bias, ctx.seed), x_tr, y_tr, epochs=params.epochs, seed=ctx.seed
    )

    start = time.perf_counter()
    estimator = EngramEstimator(
        alpha=params.alpha, method=params.method, random_state=ctx.seed, maps=_edit_maps(params, model)
    )
    estimator.fit(model, [x_tr[y_tr == params.forget_class]], [x_tr])
    erased = estimator.erase(model)
    erase_time = time.perf_counter() - start
    isolated = estimator.isolate(model)

    metrics: dict[str, float | int | str | bool] = {}
    orig_f, orig_r = forget_retain_accuracy(model, x_te, y_te, forget)
    er_f, er_r = forget_retain_accuracy(erased, x_te, y_te, forget)
    metrics |= {"original_test_acc": accuracy(model, x_te, y_te), "original_forget_acc": orig_f}
    metrics |= {"original_retain_acc": orig_r, "erased_forget_acc": er_f, "erased_retain_acc": er_r}
    metrics |= classification_criteria(estimator, model, erased, isolated, x_te, y_te, forget)
    random_null = estimator.isolate(model, null="random")
    metrics["sufficiency_random_null"] = forget_retain_accuracy(random_null, x_te, y_te, forget)[0]

    # Identities (input method: exact algebra): composition of two classes, partition of the training set.
    reference = collect_moments(model, [x_tr])
    per_class = [EngramEstimator().fit(model, [x_tr[y_tr == c]], reference) for c in range(N_CLASSES)]
    other = (params.forget_class + 1) % N_CLASSES
    union = EngramEstimator().fit(model, [x_tr[(y_tr == params.forget_class) | (y_tr == other)]], reference)
    metrics["composition_error"] = composition_error(union, per_class[params.forget_class], per_class[other])
    metrics["partition_error"] = partition_error(per_class)

    sweep = np.array([forget_retain_accuracy(estimator.erase(model, a), x_te, y_te, forget) for a in ALPHA_SWEEP])
    metrics["erase_seconds"] = erase_time
    gold_acc = (np.nan, np.nan)
    if params.retrain_gold:
        start = time.perf_counter()
        keep = y_tr != params.forget_class
        gold = train_classifier(
            make_mlp(params.hidden, params.bias, ctx.seed), x_tr[keep], y_tr[keep], epochs=params.epochs, seed=ctx.seed
        )
        metrics["retrain_seconds"] = time.perf_counter() - start
        metrics["retrain_speedup"] = metrics["retrain_seconds"] / erase_time
        gold_acc = forget_retain_accuracy(gold, x_te, y_te, forget)
        metrics |= {"gold_forget_acc": gold_acc[0], "gold_retain_acc": gold_acc[1]}

    ctx.save_arrays(
        "erasure",
        alpha=np.array(ALPHA_SWEEP),
        sweep_forget_acc=sweep[:, 0],
        sweep_retain_acc=sweep[:, 1],
        accuracy=np.array([[orig_f, orig_r], [er_f, er_r], list(gold_acc)]),
        rows=np.array(["original", "erased", "gold"]),
        forget_class=params.forget_class,
    )
    ctx.save_figure("forget_retain", _figure(params, np.array([[orig_f, orig_r], [er_f, er_r], gold_acc]), sweep))
    return {k: float(v) if isinstance(v, np.floating) else v for k, v in metrics.items()}


def _edit_maps(params: Params, model: torch.nn.Module) -> tuple[str, ...] | None:
    """``params.edit_maps`` checked against the model's linear maps (``None`` = every map)."""
    if not params.edit_maps:
        return None
    return tuple(select_maps(linear_maps(model), params.edit_maps, key="stages.engram.edit_maps"))


def _figure(params: Params, table: np.ndarray, sweep: np.ndarray):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_bar, ax_sweep) = plt.subplots(1, 2, figsize=(9, 3.5))
    pos = np.arange(3)
    ax_bar.bar(pos - 0.2, table[:, 0], 0.4, label=f"forget (class {params.forget_class})", color="tab:red")
    ax_bar.bar(pos + 0.2, table[:, 1], 0.4, label="retain (other classes)", color="tab:blue")
    ax_bar.set_xticks(pos, ["original", f"erased (α={params.alpha:g})", "retrained (gold)"])
    ax_bar.set_ylabel("test accuracy")
    ax_bar.set_ylim(0, 1.25)
    ax_bar.legend(loc="upper center", ncol=2, fontsize=8)
    ax_sweep.plot(ALPHA_SWEEP, sweep[:, 0], "o-", color="tab:red", label="forget")
    ax_sweep.plot(ALPHA_SWEEP, sweep[:, 1], "o-", color="tab:blue", label="retain")
    ax_sweep.set_xlabel("α (edit strength, W − α·engram)")
    ax_sweep.set_ylabel("test accuracy")
    ax_sweep.set_ylim(0, 1.05)
    ax_sweep.legend(fontsize=8)
    fig.suptitle(f"Engram erasure on digits ({params.method} estimator)")
    fig.tight_layout()
    return fig


def _mirror_inputs(ctx: StageContext) -> tuple[torch.nn.Module, torch.nn.Module, str, dict[str, np.ndarray]]:
    """The mirror's trained autoencoder, an untrained one of the same architecture, its loss and its sequences."""
    import json

    from neuroengram.mirror.autoencoder import DaleAutoencoder

    folder = ctx.input_dir("mirror")
    meta = json.loads((folder / "model.json").read_text())
    if meta.get("kind") == "melody_mirror":
        raise StageError(
            "the mirror ran task 'melody_bridge' (a rate mirror of the melody circuit, not an autoencoder)",
            key="stages.engram.dataset",
            fix="use task = 'melody_bridge' in [stages.engram], or task = 'autoencoder' in [stages.mirror]",
        )
    model = DaleAutoencoder(**meta["model"])
    model.load_state_dict(torch.load(folder / "model.pt", weights_only=True))
    with torch.random.fork_rng(devices=[]):  # the initial weights of the trained model (the mirror seeds its init)
        torch.manual_seed(meta["training"].get("seed", ctx.seed))
        untrained = DaleAutoencoder(**meta["model"])
    name = "sequences" if (folder / "sequences.npz").is_file() else "latent"
    data = ctx.load_arrays("mirror", name)
    missing = [key for key in ("x", "labels", "is_test") if key not in data]
    if missing:
        raise StageError(
            f"mirror/{name}.npz lacks {missing}: the engram stage needs the labelled input sequences",
            key="stages.engram.dataset",
            fix="run the mirror on labelled data (data = 'spiking') with a mirror version that writes sequences.npz",
        )
    return model.eval(), untrained.eval(), meta["training"].get("loss", "mse"), data


def _run_mirror(params: Params, ctx: StageContext) -> dict[str, float | int | str | bool]:
    model, untrained, loss, data = _mirror_inputs(ctx)
    x = torch.as_tensor(data["x"], dtype=torch.float32)
    labels, test = np.asarray(data["labels"]).astype(int), np.asarray(data["is_test"]).astype(bool)
    train_t = torch.from_numpy(~test)
    maps = _edit_maps(params, model)
    alphas = tuple(sorted({*SEQUENCE_ALPHAS, params.alpha}))
    start = time.perf_counter()
    result = erase_sequence_class(
        model, untrained, x[train_t], labels[~test], x[torch.from_numpy(test)], labels[test],
        params.forget_class, alphas, loss=loss, method=params.method, guard=params.recurrent_guard, maps=maps,
    )  # fmt: skip
    sweep_time = time.perf_counter() - start
    est = result.estimator
    classes = np.unique(labels[~test])
    parts = [EngramEstimator(maps=maps).fit(model, [x[train_t][torch.from_numpy(labels[~test] == c)]],
                                            est.reference_moments_) for c in classes]  # fmt: skip
    pick = int(np.flatnonzero(result.alphas == params.alpha)[0])
    ctx.save_arrays(
        "sequence_erasure",
        alpha=result.alphas,
        forget_ratio=result.forget_ratio,
        retain_ratio_mean=result.retain_ratio_mean,
        retain_ratio_max=result.retain_ratio_max,
        untrained_forget_ratio=result.untrained_forget_ratio,
        mean_predictor_forget_ratio=result.mean_predictor_forget_ratio,
        guard_alpha=np.array([list(g.map_alpha.values()) for g in result.guard]),
        guard_maps=np.array(list(result.guard[0].map_alpha)),
    )
    ctx.save_figure("sequence_alpha_sweep", _sequence_figure(params, result))
    guard = result.guard[pick]
    return {
        "forget_class": params.forget_class,
        "alpha": float(result.alphas[pick]),
        "forget_error_ratio": float(result.forget_ratio[pick]),
        "retain_error_ratio_mean": float(result.retain_ratio_mean[pick]),
        "retain_error_ratio_max": float(result.retain_ratio_max[pick]),
        "untrained_forget_error_ratio": result.untrained_forget_ratio,
        "mean_predictor_forget_error_ratio": result.mean_predictor_forget_ratio,
        "recurrent_guard": params.recurrent_guard,
        "edit_maps": ",".join(est.maps_),
        "guard_active_any_alpha": any(g.active for g in result.guard),
        **guard.metrics(),
        **_matched_alpha(result, "untrained", result.untrained_forget_ratio),
        **_matched_alpha(result, "mean_predictor", result.mean_predictor_forget_ratio),
        "sufficiency": result.sufficiency,
        **{k: float(v) for k, v in layer_summary(est).items()},
        "partition_error": partition_error(parts),
        "alpha_sweep_seconds": sweep_time,
    }


def _matched_alpha(result, name: str, level: float) -> dict[str, float]:
    """The smallest swept alpha whose forget ratio reaches ``level`` and the retain ratios there (NaN if none does)."""
    reached = np.flatnonzero(result.forget_ratio >= level)
    i = int(reached[0]) if len(reached) else None
    return {
        f"alpha_reaching_{name}": float(result.alphas[i]) if i is not None else float("nan"),
        f"retain_error_ratio_max_at_{name}": float(result.retain_ratio_max[i]) if i is not None else float("nan"),
        f"retain_error_ratio_mean_at_{name}": float(result.retain_ratio_mean[i]) if i is not None else float("nan"),
    }


def _sequence_figure(params: Params, result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_trade) = plt.subplots(1, 2, figsize=(10, 3.8))
    ax.plot(result.alphas, result.forget_ratio, "o-", color="tab:red", label=f"forgotten class {params.forget_class}")
    ax.plot(result.alphas, result.retain_ratio_mean, "o-", color="tab:blue", label="other classes (mean)")
    ax.plot(result.alphas, result.retain_ratio_max, "--", color="tab:blue", label="other classes (worst)")
    ax.axhline(result.untrained_forget_ratio, color="grey", ls=":", label="untrained (initial weights)")
    ax.axhline(result.mean_predictor_forget_ratio, color="grey", ls="-.", label="mean predictor")
    ax.axhline(1.1, color="k", lw=0.5)
    ax.set_yscale("log")
    ax.set_xlabel("α (edit strength)")
    ax.set_ylabel("held-out error / original error")
    maps = ", ".join(params.edit_maps) if params.edit_maps else "all maps"
    guard = params.recurrent_guard if result.guard[0].map_alpha else "idle (no recurrent map edited)"
    ax.set_title(f"edited: {maps}; recurrent guard: {guard}", fontsize=9)
    ax.legend(fontsize=7)
    ax_trade.plot(result.retain_ratio_max, result.forget_ratio, "o-", color="tab:purple")
    for alpha, x, y in zip(result.alphas, result.retain_ratio_max, result.forget_ratio, strict=True):
        ax_trade.annotate(f"{alpha:g}", (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax_trade.axvline(1.1, color="k", lw=0.5, label="retain target (+10 %)")
    ax_trade.axhline(result.untrained_forget_ratio, color="grey", ls=":", label="untrained (initial weights)")
    ax_trade.axhline(result.mean_predictor_forget_ratio, color="grey", ls="-.", label="mean predictor")
    ax_trade.set_yscale("log")
    ax_trade.set_xlim(0.98, min(float(np.nanmax(result.retain_ratio_max)) * 1.05, TRADE_OFF_XMAX))
    ax_trade.set_xlabel(f"worst retained class: error ratio (axis ends at {TRADE_OFF_XMAX:g})")
    ax_trade.set_ylabel("forgotten class: error ratio")
    ax_trade.set_title("forget/retain trade-off (labels: α)", fontsize=9)
    ax_trade.legend(fontsize=7)
    fig.tight_layout()
    return fig


def _run_curvature(params: Params, ctx: StageContext) -> dict[str, float | int | str | bool]:
    if params.dataset != "digits":
        raise StageError(
            "task 'curvature' runs on the digits MLP", key="stages.engram.dataset", fix="set dataset = 'digits'"
        )
    result = memorisation_spectrum(ctx.seed, epochs=params.epochs, noise=params.label_noise)
    ctx.save_arrays("curvature", **result)
    ctx.save_figure("curvature_spectrum", spectrum_figure(result))
    metrics: dict[str, float | int | str | bool] = {"n_memorised": int(result["n_memorised"])}
    for i, rho in enumerate(result["rho"]):
        tag = f"rho_{round(1000 * rho):04d}"
        metrics[f"memorised_recall_{tag}"] = float(result["memorised_recall"][i])
        metrics[f"clean_train_acc_{tag}"] = float(result["clean_train_acc"][i])
        metrics[f"test_acc_{tag}"] = float(result["test_acc"][i])
    return metrics
