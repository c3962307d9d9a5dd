"""Figures of the connectome stage (matplotlib, Agg backend; every function returns a Figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def zscore_figure(tables: Mapping[str, pd.DataFrame], title: str = "") -> Figure:
    """Grouped bars of motif Z-scores, one group per motif and one colour per null model."""
    motifs = list(dict.fromkeys(m for table in tables.values() for m in table.index))
    fig = Figure(figsize=(max(6.0, 0.45 * len(motifs) + 2), 3.6))
    ax = fig.subplots()
    width = 0.8 / len(tables)
    x = np.arange(len(motifs))
    for k, (null, table) in enumerate(tables.items()):
        z = table.z.reindex(motifs).to_numpy(dtype=float)
        ax.bar(x + (k - (len(tables) - 1) / 2) * width, np.nan_to_num(z), width, label=f"{null} null")
    ax.axhline(0, color="black", lw=0.8)
    for level in (-2, 2):
        ax.axhline(level, color="grey", lw=0.6, ls="--")
    ax.set_xticks(x, motifs, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("Z = (N_real - null mean) / null SD")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def degree_figure(in_degree: np.ndarray, out_degree: np.ndarray, title: str = "") -> Figure:
    """Complementary cumulative distributions of in- and out-degree (log-log)."""
    fig = Figure(figsize=(4.5, 3.6))
    ax = fig.subplots()
    for degrees, label in ((in_degree, "in-degree"), (out_degree, "out-degree")):
        values = np.sort(np.asarray(degrees))
        values = values[values > 0]
        ccdf = 1.0 - np.arange(values.size) / values.size
        ax.step(values, ccdf, where="post", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("degree k")
    ax.set_ylabel("P(degree >= k)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def profile_figure(triads: Sequence[str], profiles: Mapping[str, np.ndarray], title: str = "") -> Figure:
    """Triad significance profiles (normalised Z of the 13 connected triads), one line per network."""
    fig = Figure(figsize=(6.5, 3.6))
    ax = fig.subplots()
    x = np.arange(len(triads))
    for label, profile in profiles.items():
        ax.plot(x, profile, marker="o", label=label)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, triads, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("normalised Z")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def activity_figure(
    rates: np.ndarray, labels: np.ndarray, is_sensory: np.ndarray, bin_ms: float, title: str = ""
) -> Figure:
    """Rates (Hz) of all neurons over time, sensory neurons on top, with the stimulus pattern per bin above."""
    order = np.argsort(~is_sensory, kind="stable")
    fig = Figure(figsize=(7.0, 4.5))
    top, ax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 8]})
    extent = (0, rates.shape[0] * bin_ms, 0, 1)
    top.imshow(labels[None, :], aspect="auto", cmap="tab10", interpolation="nearest", extent=extent)
    top.set_yticks([])
    top.set_ylabel("pattern", rotation=0, ha="right", fontsize=8)
    image = ax.imshow(
        rates[:, order].T,
        aspect="auto",
        cmap="viridis",
        interpolation="nearest",
        extent=(0, rates.shape[0] * bin_ms, rates.shape[1], 0),
    )
    ax.axhline(int(is_sensory.sum()), color="white", lw=0.8)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron (sensory first)")
    fig.colorbar(image, ax=[top, ax], label="rate (Hz)")
    top.set_title(title, fontsize=10)
    return fig


def census_table_figure(census: Mapping[str, int], tables: Mapping[str, pd.DataFrame], title: str = "") -> Figure:
    """The triad census as a table: count of each of the 16 classes, and per null model its mean +- SD and Z."""
    header = ["triad", "N_real"]
    for null in tables:
        header += [f"{null}: mean ± SD", f"{null}: Z"]
    rows = []
    for name, count in census.items():
        row = [name, f"{count:,}"]
        for table in tables.values():
            if name in table.index:
                stats = table.loc[name]
                row += [f"{stats.null_mean:,.1f} ± {stats.null_sd:,.1f}", f"{stats.z:.1f}"]
            else:
                row += ["", ""]
        rows.append(row)
    fig = Figure(figsize=(1.4 + 1.5 * (len(header) - 1), 0.3 * (len(rows) + 2)))
    ax = fig.subplots()
    ax.axis("off")
    cells = ax.table(cellText=rows, colLabels=header, loc="center", cellLoc="right")
    cells.auto_set_font_size(False)
    cells.set_fontsize(8)
    ax.set_title(title, fontsize=10)
    return fig
