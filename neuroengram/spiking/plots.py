"""Figures of the spiking stage (matplotlib; each function returns a Figure, closed by ``ctx.save_figure``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

EXC_COLOUR = "tab:blue"
INH_COLOUR = "tab:red"


def raster_figure(
    spike_index: np.ndarray,
    spike_time_ms: np.ndarray,
    is_excitatory: np.ndarray,
    rates: np.ndarray,
    bin_ms: float,
    labels: np.ndarray | None = None,
    title: str = "",
) -> Figure:
    """Spike raster (E blue, I red) above the binned population rates of E and I cells."""
    fig, (ax_raster, ax_rate) = plt.subplots(2, 1, figsize=(8, 5), sharex=True, height_ratios=(3, 1))
    exc = is_excitatory[spike_index]
    ax_raster.scatter(spike_time_ms[exc], spike_index[exc], s=2, c=EXC_COLOUR, marker="|", label="excitatory")
    ax_raster.scatter(spike_time_ms[~exc], spike_index[~exc], s=2, c=INH_COLOUR, marker="|", label="inhibitory")
    ax_raster.set_ylabel("neuron")
    ax_raster.set_ylim(-0.5, is_excitatory.size - 0.5)
    ax_raster.legend(loc="upper right", markerscale=4, fontsize=8)
    ax_raster.set_title(title)
    t_ms = (np.arange(rates.shape[0]) + 0.5) * bin_ms
    ax_rate.plot(t_ms, rates[:, is_excitatory].mean(axis=1), c=EXC_COLOUR, label="E")
    ax_rate.plot(t_ms, rates[:, ~is_excitatory].mean(axis=1), c=INH_COLOUR, label="I")
    if labels is not None:
        changes = np.flatnonzero(np.diff(labels)) + 1
        for start in changes:
            ax_rate.axvline(start * bin_ms, c="0.6", lw=0.8, ls=":")
    ax_rate.set_xlabel("time (ms)")
    ax_rate.set_ylabel("rate (Hz)")
    ax_rate.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    return fig


def truth_table_figure(cases: np.ndarray, readout_hz: np.ndarray, threshold_hz: float, title: str = "") -> Figure:
    """Read-out rate of every trial per input case (dots, jittered), with the decision threshold."""
    fig, ax = plt.subplots(figsize=(5, 3.5))
    labels = [f"{a}{b}" for a, b in ((0, 0), (0, 1), (1, 0), (1, 1))]
    rng = np.random.default_rng(0)
    for k, label in enumerate(labels):
        rows = (cases[:, 0] == int(label[0])) & (cases[:, 1] == int(label[1]))
        colour = EXC_COLOUR if label in ("01", "10") else "0.4"
        ax.scatter(k + 0.15 * rng.standard_normal(rows.sum()), readout_hz[rows], s=10, c=colour, alpha=0.7)
    ax.axhline(threshold_hz, c=INH_COLOUR, ls="--", lw=1, label=f"threshold {threshold_hz:g} Hz")
    ax.set_xticks(range(4), labels)
    ax.set_xlabel("inputs (A B)")
    ax.set_ylabel("read-out rate (Hz)")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def heatmap_figure(
    accuracy: np.ndarray, rows: np.ndarray, columns: np.ndarray, panels: np.ndarray, labels: tuple[str, str, str]
) -> Figure:
    """One heatmap per value of ``panels``: ``accuracy`` float (n_panels, n_rows, n_columns) in [0, 1]."""
    fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.2), squeeze=False, layout="constrained")
    for ax, panel, values in zip(axes[0], panels, accuracy, strict=True):
        image = ax.imshow(values, origin="lower", vmin=0.5, vmax=1.0, cmap="viridis", aspect="auto")
        for (r, c), value in np.ndenumerate(values):
            ax.text(c, r, f"{value:.2f}", ha="center", va="center", fontsize=7, c="w" if value < 0.8 else "k")
        ax.set_xticks(range(len(columns)), [f"{v:g}" for v in columns])
        ax.set_yticks(range(len(rows)), [f"{v:g}" for v in rows])
        ax.set_xlabel(labels[1])
        ax.set_title(f"{labels[2]} = {panel:g}")
    axes[0, 0].set_ylabel(labels[0])
    fig.colorbar(image, ax=axes[0].tolist(), label="accuracy", shrink=0.9)
    return fig


def error_curve_figure(curves: np.ndarray, labels: tuple[str, ...]) -> Figure:
    """One line per column of ``curves`` float (n_evaluations, n_curves) against the epoch."""
    fig, ax = plt.subplots(figsize=(5, 3.2))
    epochs = np.arange(curves.shape[0])
    for column, label in enumerate(labels):
        ax.plot(epochs, curves[:, column], marker="o", ms=3, label=label)
    ax.set_xlabel("epoch (evaluation before its update)")
    ax.set_ylabel("fraction")
    ax.set_ylim(-0.02, max(0.5, float(curves.max()) + 0.05))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def replay_figure(targets: np.ndarray, replayed: np.ndarray, cue_steps: int) -> Figure:
    """Target (top row) and replayed (bottom row) bits per melody: bool (n_melodies, n_steps, n_channels); the
    cue steps are left of the dashed line."""
    n_melodies = targets.shape[0]
    fig, axes = plt.subplots(2, n_melodies, figsize=(2.2 * n_melodies + 1, 4), squeeze=False, sharey=True)
    for m in range(n_melodies):
        for row, (bits, name) in enumerate(((targets[m], "target"), (replayed[m], "replayed"))):
            ax = axes[row, m]
            ax.imshow(bits.T, aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
            ax.axvline(cue_steps - 0.5, c=INH_COLOUR, ls="--", lw=1)
            ax.set_title(f"melody {m}: {name}", fontsize=8)
            ax.set_xlabel("step", fontsize=8)
        axes[0, m].set_xticks([])
    axes[0, 0].set_ylabel("channel")
    axes[1, 0].set_ylabel("channel")
    fig.tight_layout()
    return fig
