"""The report figures: estimators with intervals, ID against scale and sample size, local ID (overall and per
class), PCA spectrum; and the autoencoder elbow of a latent-width sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neuroengram.latent.report import INTERVAL_SET, IntrinsicDimension

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _log_x_if_wide(ax: Axes, x: np.ndarray) -> None:
    """Log x axis when ``x`` spans more than a decade (narrower ranges get crowded minor-tick labels)."""
    if np.max(x) > 10 * np.min(x):
        ax.set_xscale("log")


def _estimators(ax: Axes, model: IntrinsicDimension) -> None:
    lo, hi = model.interval_
    names = list(model.reported_)
    y = np.arange(len(names))
    ax.axvspan(lo, hi, color="tab:green", alpha=0.15, label=f"recommended interval [{lo:.1f}, {hi:.1f}]")
    ax.axvline(model.dimension_, color="tab:green", label=f"recommended {model.dimension_:.2f}")
    ax.plot([model.estimates_[n] for n in names], y, "o", color="0.5", label="raw")
    cal = [n for n in names if n in model.calibrated_]
    ax.plot(
        [model.calibrated_[n] for n in cal], [names.index(n) for n in cal], "D", color="tab:blue", label="calibrated"
    )
    for name in INTERVAL_SET:
        if name in names:
            a, b = model.intervals_[name]
            ax.plot([a, b], [names.index(name)] * 2, color="tab:blue")
    ax.set_yticks(y, names)
    ax.set_xlabel("intrinsic dimension")
    ax.legend(fontsize=7)
    ax.set_title("estimators (bars: 95 % resampling intervals)")


def _scale(ax: Axes, model: IntrinsicDimension) -> None:
    sc = model.scales_
    ax.errorbar(sc["radius"], sc["id"], yerr=2 * sc["se"], marker="o", label="GRIDE (n1, 2 n1), +-2 SE")
    for a, r, v in zip(sc["n1"], sc["radius"], sc["id"], strict=True):
        ax.annotate(f"n1={int(a)}", (r, v), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.axhspan(*model.interval_, color="tab:green", alpha=0.15)
    _log_x_if_wide(ax, sc["radius"])
    ax.set_xlabel("mean neighbour distance (scale)")
    ax.set_ylabel("ID (raw)")
    ax.legend(fontsize=7)
    ax.set_title("ID against scale")


def _sample_size(ax: Axes, model: IntrinsicDimension) -> None:
    dec = model.decimation_
    for name, color in (("TwoNN", "tab:blue"), ("MLE_10", "tab:orange")):
        ax.errorbar(dec["n"], dec[name], yerr=dec[f"{name}_sd"], marker="o", color=color, capsize=3, label=name)
    ax.axhspan(*model.interval_, color="tab:green", alpha=0.15, label="recommended interval")
    _log_x_if_wide(ax, dec["n"])
    ax.set_xlabel("points (disjoint subsamples n, n/2, n/4, ...)")
    ax.set_ylabel("ID (raw)")
    ax.legend(fontsize=7)
    ax.set_title("ID against sample size (bars: s.d. over subsamples)")


def _local(ax: Axes, model: IntrinsicDimension) -> None:
    local = model.local_id_[np.isfinite(model.local_id_)]
    ax.hist(np.clip(local, *np.percentile(local, [1, 99])), bins=40, color="tab:purple", alpha=0.8)
    ax.axvline(np.median(local), color="k", label=f"median {np.median(local):.2f}")
    ax.set_xlabel("local ID (Levina-Bickel, k = 20)")
    ax.set_ylabel("points")
    ax.legend(fontsize=7)
    ax.set_title("local ID distribution")


def _spectrum(ax: Axes, model: IntrinsicDimension) -> None:
    ev = model.spectrum_[model.spectrum_ > 1e-12 * model.spectrum_[0]]  # drop numerically zero directions
    frac = np.cumsum(ev) / ev.sum()
    ax.semilogy(np.arange(1, len(ev) + 1), ev / ev.sum(), "o-", ms=3, label="explained variance")
    ax.axvline(model.estimates_["PR"], color="tab:orange", label=f"participation ratio {model.estimates_['PR']:.1f}")
    ax.axvline(
        model.estimates_["PR_corrected"],
        color="tab:orange",
        ls=":",
        label=f"bias-corrected PR {model.estimates_['PR_corrected']:.1f}",
    )
    ax.axvline(int(np.searchsorted(frac, 0.9) + 1), color="tab:red", ls="--", label="90 % variance")
    ax.set_xlabel("principal component")
    ax.legend(fontsize=7)
    ax.set_title("PCA spectrum (linear dimension)")


def _classes(ax: Axes, model: IntrinsicDimension) -> None:
    cl = model.classes_
    x = np.arange(len(cl["label"]))
    err = [cl["local_median"] - cl["local_q25"], cl["local_q75"] - cl["local_median"]]
    ax.errorbar(x, cl["local_median"], yerr=err, fmt="o", color="tab:purple", capsize=3, label="local ID median, IQR")
    ax.plot(x, cl["TwoNN"], "s", color="tab:blue", label="TwoNN on the class")
    ax.plot(x, cl["MLE_20"], "^", color="tab:orange", label="MLE (k = 20) on the class")
    ax.axhspan(*model.interval_, color="tab:green", alpha=0.15, label="recommended interval (all)")
    ax.set_xticks(x, [str(label) for label in cl["label"]])
    ax.set_xlabel("class")
    ax.set_ylabel("ID (raw)")
    ax.legend(fontsize=7)
    ax.set_title("ID per class")


def plot_report(model: IntrinsicDimension, title: str = "") -> Figure:
    """Five or six panels of a fitted :class:`IntrinsicDimension` (per class only with labels); the caller saves
    and closes the figure."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 11), layout="constrained")
    ax = fig.subplots(3, 2)
    _estimators(ax[0, 0], model)
    _scale(ax[0, 1], model)
    _sample_size(ax[1, 0], model)
    _local(ax[1, 1], model)
    _spectrum(ax[2, 0], model)
    if model.classes_ is not None:
        _classes(ax[2, 1], model)
    else:
        ax[2, 1].set_axis_off()
    lo, hi = model.interval_
    fig.suptitle(title or f"intrinsic dimension {model.dimension_:.2f} [{lo:.2f}, {hi:.2f}], n = {model.n_points_}")
    return fig


def plot_elbow(sweep: dict[str, np.ndarray], elbow: int | None, title: str = "") -> Figure:
    """Autoencoder panel of a latent-width sweep (:func:`neuroengram.latent.cli.width_sweep`): (a) held-out
    reconstruction loss against latent width with the elbow marked, (b) the codes' ID and participation ratio
    against width (the ID saturates at the data's ID once the width reaches it; the PR keeps growing)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4), layout="constrained")
    ax = fig.subplots(1, 2)
    ax[0].semilogy(sweep["width"], sweep["test_loss"], "o-", label="held-out loss")
    if elbow is not None:
        ax[0].axvline(elbow, color="tab:red", ls="--", label=f"elbow at width {elbow}")
    ax[0].set_xlabel("latent width")
    ax[0].set_ylabel("reconstruction loss")
    ax[0].legend(fontsize=7)
    ax[0].set_title("(a) loss against latent width")
    ax[1].errorbar(
        sweep["width"],
        sweep["id"],
        yerr=[sweep["id"] - sweep["id_low"], sweep["id_high"] - sweep["id"]],
        marker="o",
        capsize=3,
        label="code ID (recommended, interval)",
    )
    ax[1].plot(sweep["width"], sweep["pr"], "s--", label="code participation ratio")
    ax[1].plot(sweep["width"], sweep["width"], ":", color="0.5", label="width")
    ax[1].set_xlabel("latent width")
    ax[1].set_ylabel("dimension")
    ax[1].legend(fontsize=7)
    ax[1].set_title("(b) code ID against latent width")
    fig.suptitle(title or "autoencoder elbow")
    return fig
