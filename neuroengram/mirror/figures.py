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


def elbow_plot(widths: Sequence[int], errors: Sequence[float], n_factors: int, elbow: int) -> Figure:
    """Held-out reconstruction error against latent width, with the true factor count and the detected elbow."""
    fig = Figure(figsize=(4.5, 3.2))
    ax = fig.subplots()
    ax.plot(widths, errors, "o-")
    ax.axvline(n_factors, color="grey", linestyle="--", label=f"hidden factors d = {n_factors}")
    ax.axvline(elbow, color="C3", linestyle=":", label=f"elbow = {elbow}")
    ax.set_xlabel("latent width")
    ax.set_ylabel("held-out loss")
    ax.set_yscale("log")
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
