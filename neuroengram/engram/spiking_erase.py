"""Erase one melody from the spiking melody network through its rate mirror and the bridge.

1. The :class:`~neuroengram.engram.estimator.EngramEstimator` runs on the mirror's chain -> P map
   (:class:`~neuroengram.mirror.melody.MelodyMirror`, an ``nn.Linear`` without bias): the target is the set of
   chain windows of melody ``m`` (the free steps of its replay, measured in the calibration's zero-weight Brian2
   networks and trial-averaged: the mirror's rates), the reference all windows of all melodies. With ``Σ = Σ h hᵀ``
   over those windows the engram is ``E = W Σ_m Σ_all⁺`` and the edit ``W' = W − alpha E`` (``alpha = 1``: the
   least-squares map that is silent on melody m's chain activity and unchanged on the other melodies').
2. ``W'`` is carried to Brian2 as synapses (clipped to ``[0, w_max]``: the chain cells are excitatory) and the
   spiking network replays every melody from its cue, next to the unedited mirror weights in the same simulation
   (``TRIALS`` networks per weight set, each with its own noise; accuracies are their means), with no spiking-side
   learning.

Chance level for the erased melody: if the edit silences its prediction cells, X is silent after the cue and the
replay is right exactly on the melody's off bits, so chance = fraction of zero bits in its free steps; the
bits-on recall (on bits replayed on) is 0 then. Locality: the fraction of the engram's drive energy
``Σ_windows ‖E_S h_S‖²`` carried by the synapses ``S`` of melody m's own chain rather than the other chains' (1 when
the engram sits where the circuit stores the melody; measured through the activity, weight norms mislead).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from neuroengram.engram.estimator import EngramEstimator
from neuroengram.errors import ConfigError
from neuroengram.mirror.melody import (
    ChainWindows,
    MelodyMirror,
    bits_on_recall,
    brian2_replay,
    load_mirror,
    readout_synapses,
)
from neuroengram.spiking.melody import Layout, MelodyConfig, MelodyReplay
from neuroengram.stages import StageContext

TRIALS = 3
"""Brian2 replays per weight set: a single replay occasionally runs away (X fast enough to re-trigger chains
through their cue gates), independently of the edit."""


@dataclass
class MelodyErasure:
    """Outcome of :func:`erase_melody`: ``engram_mv`` and ``erased_mv`` (n_channels, n_readout); the Brian2
    ``replay`` with networks 0 .. trials - 1 = original mirror weights, the next ``trials`` = erased (own noise
    each); ``accuracy`` and ``recall`` float (2, n_melodies): bit accuracy and bits-on recall of the free steps,
    mean over the trials, original and erased; ``chance`` the erased melody's fraction of
    zero bits; ``locality`` the fraction of the engram drive carried by its own chain; ``layer_criteria``
    specificity and reactivation of the map."""

    melody: int
    alpha: float
    engram_mv: np.ndarray
    erased_mv: np.ndarray
    replay: MelodyReplay
    accuracy: np.ndarray
    recall: np.ndarray
    chance: float
    locality: float
    layer_criteria: dict[str, float]


def melody_engram(
    mirror: MelodyMirror, windows: ChainWindows, melody: int, alpha: float
) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """``(E, W − alpha E, criteria)`` of the windows of ``melody`` against all windows (module docstring), from the
    trial-averaged chain activity (:meth:`ChainWindows.averaged`: single-trial rows add near-null directions that the
    pseudo-inverse amplifies)."""
    windows = windows.averaged()
    if melody not in set(windows.melody.tolist()):
        raise ConfigError(
            f"melody {melody} has no windows (melodies {sorted(set(windows.melody.tolist()))})",
            key="forget_class",
            fix="pick one of the mirror's melodies",
        )
    h = torch.as_tensor(windows.h, dtype=torch.float32)
    estimator = EngramEstimator(alpha=alpha).fit(mirror.eval(), [h[windows.melody == melody]], [h])
    erased = estimator.erase(mirror)
    engram = estimator.engrams_["readout"].numpy()
    return engram, erased.readout.weight.detach().double().numpy(), estimator.layer_criteria()["readout"]


def erase_melody(
    mirror: MelodyMirror,
    windows: ChainWindows,
    config: MelodyConfig,
    melodies: np.ndarray,
    melody: int,
    seed: int,
    alpha: float = 1.0,
    trials: int = TRIALS,
) -> MelodyErasure:
    """Erase ``melody`` in the mirror, carry the edit to Brian2 and replay before/after, ``trials`` networks each
    (module docstring)."""
    melodies = np.asarray(melodies, dtype=bool)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)
    engram, erased, criteria = melody_engram(mirror, windows, melody, alpha)
    replay = brian2_replay(config, melodies, [mirror.weight_mv] * trials + [erased] * trials, layout, seed)
    own = np.isin(layout.readout, layout.chain[melody].ravel())
    h = windows.averaged().h
    own_drive, other_drive = ((engram[:, own] @ h[:, own].T) ** 2).sum(), ((engram[:, ~own] @ h[:, ~own].T) ** 2).sum()
    free = melodies[melody, config.cue_steps :]
    return MelodyErasure(
        melody=melody,
        alpha=alpha,
        engram_mv=engram,
        erased_mv=erased,
        replay=replay,
        accuracy=replay.accuracy.reshape(2, trials, n_melodies).mean(axis=1),
        recall=bits_on_recall(replay.replayed, melodies, config.cue_steps).reshape(2, trials, n_melodies).mean(axis=1),
        chance=float(1.0 - free.mean()),
        locality=float(own_drive / max(own_drive + other_drive, 1e-300)),
        layer_criteria=criteria,
    )


def run_bridge_erasure(forget: int, alpha: float, ctx: StageContext) -> dict[str, float | int | str | bool]:
    """The engram stage's ``task = "melody_bridge"``: erase melody ``forget`` from the mirror stage's melody mirror
    (``mirror/model.pt``, ``model.json``, ``bridge.npz``), replay in Brian2 before and after (``TRIALS`` each, one
    simulation, seed ``ctx.seed``). Writes ``engram/bridge_erasure.npz`` and the figures ``bridge_erasure`` (bits:
    target, before, after; first trial) and ``bridge_erasure_raster`` (the erased melody's replay after the edit)."""
    from neuroengram.mirror.melody_stage import replay_rows_figure, use_spiking_target
    from neuroengram.spiking.plots import raster_figure

    use_spiking_target(ctx)
    mirror, config, melodies, _ = load_mirror(ctx.input_dir("mirror"))
    data = ctx.load_arrays("mirror", "bridge")
    windows = ChainWindows(data["h"], data["melody"], data["step"], data["network"], data["p_hz"], data["x_hz"])
    n_melodies = melodies.shape[0]
    if forget >= n_melodies:
        raise ConfigError(
            f"forget_class {forget} is not a melody (the mirror holds {n_melodies})",
            key="stages.engram.forget_class",
            fix=f"use 0 .. {n_melodies - 1}",
        )
    result = erase_melody(mirror, windows, config, melodies, forget, ctx.seed, alpha)
    layout = result.replay.layout
    ctx.save_arrays(
        "bridge_erasure",
        melodies=melodies,
        replayed=result.replay.replayed,
        accuracy=result.accuracy,
        recall=result.recall,
        engram_mv=result.engram_mv,
        erased_mv=result.erased_mv,
        forget=forget,
        alpha=alpha,
    )
    names = ["Brian2, mirror weights", f"Brian2, melody {forget} erased (α={alpha:g})"]
    trials = result.replay.replayed.shape[0] // 2
    first = result.replay.replayed[[0, trials]]  # the first trial of each weight set
    ctx.save_figure("bridge_erasure", replay_rows_figure(melodies, first, config.cue_steps, names))
    copy = trials * n_melodies + forget  # the first erased network, melody ``forget``
    n = layout.n_cells
    mine = result.replay.spike_index // n == copy
    rates = result.replay.counts[trials, forget] * (1000.0 / config.step_ms)
    is_exc = ctx.load_arrays("mirror", "bridge_weights")["is_excitatory"]
    title = f"replay of melody {forget} after its erasure through the bridge (α={alpha:g})"
    ctx.save_figure(
        "bridge_erasure_raster",
        raster_figure(
            result.replay.spike_index[mine] % n,
            result.replay.spike_time_ms[mine],
            is_exc,
            rates,
            config.step_ms,
            None,
            title,
        ),
    )
    kept = np.arange(n_melodies) != forget
    drop = result.accuracy[0, kept] - result.accuracy[1, kept]
    clipped = readout_synapses(result.erased_mv, layout, config.w_max_mv)["clipped_fraction"]
    metrics: dict[str, float | int | str | bool] = {
        "task": "melody_bridge",
        "forget_melody": forget,
        "alpha": alpha,
        "erased_accuracy_before": float(result.accuracy[0, forget]),
        "erased_accuracy_after": float(result.accuracy[1, forget]),
        "erased_chance": result.chance,
        "erased_recall_before": float(result.recall[0, forget]),
        "erased_recall_after": float(result.recall[1, forget]),
        "kept_accuracy_before": float(result.accuracy[0, kept].mean()) if kept.any() else float("nan"),
        "kept_accuracy_after": float(result.accuracy[1, kept].mean()) if kept.any() else float("nan"),
        "kept_max_drop": float(drop.max()) if kept.any() else float("nan"),
        "engram_locality": result.locality,
        "erased_clipped_fraction": float(clipped),
        **{f"engram_{k}": float(v) for k, v in result.layer_criteria.items()},
    }
    for m in range(n_melodies):
        metrics[f"accuracy_before_melody{m}"] = float(result.accuracy[0, m])
        metrics[f"accuracy_after_melody{m}"] = float(result.accuracy[1, m])
    return metrics
