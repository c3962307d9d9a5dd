"""Matplotlib figures of the mirror, built without pyplot (headless); save with ``StageContext.save_figure``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure


def loss_curve(history: Sequence[float], baseline: float, test_loss: float, loss_name: str = "MSE") -> Figure:
    """Training loss per epoch against the mean-predictor baseline and the held-out loss."""
    fig = Figure(figsize=(5, 3.2))
    ax = fig.subplots()
    epochs = np.arange(1, len(history) + 1)
    ax.plot(epochs, history, label="training loss")
    ax.axhline(baseline, color="grey", linestyle="--", label="mean predictor (held out)")
    ax.axhline(test_loss, color="C3", linestyle=":", label="autoencoder (held out)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(loss_name)
    ax.set_yscale("log")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Dale autoencoder training")
    fig.tight_layout()
    return fig


def reconstruction_panel(x: np.ndarray, x_hat: np.ndarray) -> Figure:
    """One sequence ``(n_steps, n_features)`` and its reconstruction side by side (time on the x axis)."""
    fig = Figure(figsize=(7, 3))
    axes = fig.subplots(1, 2, sharey=True)
    vmax = float(max(np.abs(x).max(), np.abs(x_hat).max(), 1e-9))
    vmin = -vmax if min(x.min(), x_hat.min()) < 0 else 0.0
    for ax, data, title in zip(axes, (x, x_hat), ("input", "reconstruction"), strict=True):
        image = ax.imshow(data.T, aspect="auto", origin="lower", vmin=vmin, vmax=vmax, cmap="viridis")
        ax.set_title(title)
        ax.set_xlabel("time step")
    axes[0].set_ylabel("feature (neuron)")
    fig.colorbar(image, ax=axes, shrink=0.8)
    return fig


def elbow_plot(curves: Sequence[tuple[int, Sequence[int], Sequence[float], int]]) -> Figure:
    """Held-out loss against latent width, one line per ``(n_factors, widths, losses, elbow)``; elbows marked."""
    fig = Figure(figsize=(5, 3.4))
    ax = fig.subplots()
    for i, (n_factors, widths, losses, elbow) in enumerate(curves):
        color = f"C{i}"
        ax.plot(widths, losses, "o-", color=color, label=f"d = {n_factors} (elbow {elbow})")
        ax.plot([elbow], [losses[list(widths).index(elbow)]], "s", color=color, markersize=11, fillstyle="none")
        ax.axvline(n_factors, color=color, linestyle=":", linewidth=1)
    ax.set_xlabel("latent width")
    ax.set_ylabel("held-out loss")
    ax.set_yscale("log")
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("reconstruction elbow (dotted: true factor count d)", fontsize=9)
    fig.tight_layout()
    return fig


def trace_heatmap(attention: np.ndarray, trace: np.ndarray, title: str = "Hebbian trace") -> Figure:
    """Per-step slot activations ``(T, K)`` and trace ``(T, K, H)`` of one sample as heatmaps over time.

    Panels: slot activation ``a_t`` (which engram slots are active at each step), the trace norm ``|𝐇_t,i|`` per
    slot over time (how the engram builds up and decays), and the final trace ``𝐇_T`` (slots x hidden units).
    """
    fig = Figure(figsize=(11, 3.2))
    axes = fig.subplots(1, 3)
    panels = (
        (attention.T, "slot activation a_t", "time step"),
        (np.linalg.norm(trace, axis=2).T, "trace norm |H_t,i|", "time step"),
        (trace[-1], "final trace H_T", "hidden unit"),
    )
    for ax, (data, name, xlabel) in zip(axes, panels, strict=True):
        image = ax.imshow(data, aspect="auto", origin="lower", interpolation="nearest", cmap="magma")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("slot")
        fig.colorbar(image, ax=ax)
    fig.suptitle(title, fontsize=10)
    return fig
