"""The report figure: estimators with intervals, ID against scale, local ID, PCA spectrum."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from neuroengram.latent.report import INTERVAL_SET, IntrinsicDimension

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def plot_report(model: IntrinsicDimension, title: str = "") -> Figure:
    """Four panels of a fitted :class:`IntrinsicDimension`; returns the figure (caller saves and closes it)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 7.5), layout="constrained")
    ax = fig.subplots(2, 2)
    lo, hi = model.interval_

    names = list(model.estimates_)
    y = np.arange(len(names))
    ax[0, 0].axvspan(lo, hi, color="tab:green", alpha=0.15, label=f"recommended interval [{lo:.1f}, {hi:.1f}]")
    ax[0, 0].axvline(model.dimension_, color="tab:green", label=f"recommended {model.dimension_:.2f}")
    ax[0, 0].plot([model.estimates_[n] for n in names], y, "o", color="0.5", label="raw")
    cal = [n for n in names if n in model.calibrated_]
    ax[0, 0].plot(
        [model.calibrated_[n] for n in cal], [names.index(n) for n in cal], "D", color="tab:blue", label="calibrated"
    )
    for name in INTERVAL_SET:
        a, b = model.intervals_[name]
        ax[0, 0].plot([a, b], [names.index(name)] * 2, color="tab:blue")
    ax[0, 0].set_yticks(y, names)
    ax[0, 0].set_xlabel("intrinsic dimension")
    ax[0, 0].legend(fontsize=7)
    ax[0, 0].set_title("estimators (bars: 95 % resampling intervals)")

    sc = model.scales_
    ax[0, 1].errorbar(sc["radius"], sc["id"], yerr=2 * sc["se"], marker="o", label="GRIDE (n1, 2 n1), +-2 SE")
    for a, r, v in zip(sc["n1"], sc["radius"], sc["id"], strict=True):
        ax[0, 1].annotate(f"n1={int(a)}", (r, v), fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax[0, 1].axhspan(lo, hi, color="tab:green", alpha=0.15)
    ax[0, 1].set_xscale("log")
    ax[0, 1].set_xlabel("mean neighbour distance (scale)")
    ax[0, 1].set_ylabel("ID (raw)")
    ax[0, 1].legend(fontsize=7)
    ax[0, 1].set_title("ID against scale")

    local = model.local_id_[np.isfinite(model.local_id_)]
    ax[1, 0].hist(np.clip(local, *np.percentile(local, [1, 99])), bins=40, color="tab:purple", alpha=0.8)
    ax[1, 0].axvline(np.median(local), color="k", label=f"median {np.median(local):.2f}")
    ax[1, 0].set_xlabel("local ID (Levina-Bickel, k = 20)")
    ax[1, 0].set_ylabel("points")
    ax[1, 0].legend(fontsize=7)
    ax[1, 0].set_title("local ID distribution")

    ev = model.spectrum_[model.spectrum_ > 0]
    frac = np.cumsum(ev) / ev.sum()
    ax[1, 1].semilogy(np.arange(1, len(ev) + 1), ev / ev.sum(), "o-", ms=3, label="explained variance")
    ax[1, 1].axvline(
        model.estimates_["PR"], color="tab:orange", label=f"participation ratio {model.estimates_['PR']:.1f}"
    )
    ax[1, 1].axvline(int(np.searchsorted(frac, 0.9) + 1), color="tab:red", ls="--", label="90 % variance")
    ax[1, 1].set_xlabel("principal component")
    ax[1, 1].legend(fontsize=7)
    ax[1, 1].set_title("PCA spectrum (linear dimension)")
    fig.suptitle(title or f"intrinsic dimension {model.dimension_:.2f} [{lo:.2f}, {hi:.2f}], n = {model.n_points_}")
    return fig
