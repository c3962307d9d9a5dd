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
