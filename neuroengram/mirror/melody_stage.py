"""The mirror stage's ``melody_bridge`` task: the rate mirror of the spiking melody network, both directions.

Reads the spiking stage's ``task = "melody"`` outputs (``spiking/melody.npz``: ``melodies``, ``replayed``;
``spiking/weights.npz``: network 0's synapses; ``spiking/activity.npz``: network 0's replay rates per step) and
the melody parameters that stage ran with (``spiking/melody_config.json``).

1. Mirror -> Brian2: calibrate the transfer functions in Brian2, train the mirror in PyTorch (seeded), export its
   chain -> P weights as synapses and replay every melody from its cue in Brian2 without learning.
2. Brian2 -> mirror: load the spiking-learned chain -> P weights into the mirror and predict the spiking replay
   from the chain activity the spiking network produced (``activity.npz``): bit agreement with the spiking replay,
   Pearson r of the P rates (free steps), and the mirror's predicted accuracy next to the spiking one.

Outputs: ``mirror/model.pt`` + ``mirror/model.json`` (:func:`~neuroengram.mirror.melody.save_mirror`),
``mirror/bridge.npz`` (the zero-weight calibration windows the mirror was trained on: ``h``, ``melody``, ``step``,
``network``, ``p_hz``, ``x_hz``; the transfer samples ``calibration_drive_mv``, ``calibration_p_hz``,
``calibration_x_hz``; ``replayed`` of the Brian2 replay with the mirror's weights), ``mirror/bridge_weights.npz`` (the
exported chain -> P synapses in the ``spiking/weights.npz`` format), figures ``bridge_replay`` and
``bridge_transfer``.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from neuroengram.errors import StageError
from neuroengram.mirror.melody import (
    build_bridge,
    predict_replay,
    readout_matrix,
    readout_synapses,
    save_mirror,
)
from neuroengram.spiking.melody import MELODY_CONFIG, Layout, MelodyConfig
from neuroengram.spiking.model import set_target
from neuroengram.stages import Metric, StageContext

if TYPE_CHECKING:
    from neuroengram.mirror.stage import Params


def spiking_melody_config(ctx: StageContext) -> MelodyConfig:
    """The melody parameters the spiking stage ran with at this point (``spiking/melody_config.json``)."""
    path = ctx.input_dir("spiking") / MELODY_CONFIG
    if not path.is_file():
        raise StageError(
            "task 'melody_bridge' needs the spiking stage's melody task at this point",
            key="stages.mirror.task",
            fix="add [stages.spiking] with task = 'melody' to the study",
        )
    return MelodyConfig.model_validate_json(path.read_text(encoding="utf-8"))


def use_spiking_target(ctx: StageContext) -> dict[str, np.ndarray]:
    """Set Brian2's code-generation target to the one the spiking stage ran with (``codegen_target`` in
    ``spiking/melody.npz``; ``cpp_standalone`` runs replays on numpy) and return that file's arrays.

    Brian2's target is a process-wide preference: a stage that simulates after a spiking stage reused from the
    runner's stage cache (which did not run in this process) must set it itself, or its results would depend on
    the scheduler."""
    learned = ctx.load_arrays("spiking", "melody")
    set_target(str(learned["codegen_target"]) if "codegen_target" in learned else "numpy")
    return learned


def run_melody_bridge(params: Params, ctx: StageContext) -> dict[str, Metric]:
    config = spiking_melody_config(ctx)
    learned = use_spiking_target(ctx)
    synapses = ctx.load_arrays("spiking", "weights")
    activity = ctx.load_arrays("spiking", "activity")
    melodies = learned["melodies"].astype(bool)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)

    start = time.perf_counter()
    bridge = build_bridge(config, melodies, ctx.seed, params.bridge_networks, params.bridge_epochs, params.bridge_lr_mv)
    seconds = time.perf_counter() - start
    ctx.log.info("Brian2 replay with the mirror's weights: accuracy %s", np.round(bridge.accuracy, 3))
    cal = bridge.calibration
    save_mirror(
        ctx.out_dir,
        bridge.mirror,
        config,
        melodies,
        epochs=params.bridge_epochs,
        lr_mv=params.bridge_lr_mv,
        seed=ctx.seed,
        loss_history=bridge.loss_history,
    )
    w = cal.chain
    ctx.save_arrays(
        "bridge",
        h=w.h,
        melody=w.melody,
        step=w.step,
        network=w.network,
        p_hz=w.p_hz,
        x_hz=w.x_hz,
        calibration_drive_mv=cal.drive_mv,
        calibration_p_hz=cal.windows.p_hz,
        calibration_x_hz=cal.windows.x_hz,
        replayed=bridge.replay.replayed[0],
        melodies=melodies,
    )
    export = readout_synapses(bridge.mirror.weight_mv, layout, config.w_max_mv)
    ctx.save_arrays(
        "bridge_weights",
        pre=export["pre"],
        post=export["post"],
        weight=export["weight"],
        n_neurons=layout.n_cells,
        is_excitatory=synapses["is_excitatory"],
    )

    # Brian2 -> mirror: the spiking-learned weights in the mirror, on the spiking network's own chain activity.
    spiking_weights = readout_matrix(synapses["pre"], synapses["post"], synapses["weight"], layout)
    counts = np.rint(activity["rates"] * config.step_ms / 1000.0).reshape(1, n_melodies, n_steps, -1)
    reverse = predict_replay(bridge.mirror, spiking_weights, counts, layout, config.step_ms, learned["replayed"][:1])

    replayed = np.stack([learned["replayed"][0], bridge.replay.replayed[0]])
    names = ["Brian2, spiking-learned weights", "Brian2, mirror weights"]
    ctx.save_figure("bridge_replay", replay_rows_figure(melodies, replayed, config.cue_steps, names))
    ctx.save_figure("bridge_transfer", _transfer_figure(cal))
    metrics: dict[str, Metric] = {
        "task": "melody_bridge",
        "bridge_replay_accuracy": float(bridge.accuracy.mean()),
        "bridge_replay_accuracy_min": float(bridge.accuracy.min()),
        "bridge_bits_on_recall": float(bridge.recall.mean()),
        "mirror_train_loss": float(bridge.loss_history[-1]),
        "exported_clipped_fraction": float(export["clipped_fraction"]),
        "spiking_replay_accuracy": float(learned["replay_accuracy"][0].mean()),
        **{f"reverse_{key}": value for key, value in reverse.items()},
        "bridge_seconds": round(seconds, 3),
    }
    for m, accuracy in enumerate(bridge.accuracy):
        metrics[f"bridge_replay_accuracy_melody{m}"] = float(accuracy)
    return metrics


def _transfer_figure(cal):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_p, ax_x) = plt.subplots(1, 2, figsize=(8, 3.2))
    for ax, x, y, transfer, labels in (
        (ax_p, cal.drive_mv, cal.windows.p_hz, cal.p_transfer, ("chain drive Σ w h (mV)", "P rate (Hz)")),
        (ax_x, cal.windows.p_hz, cal.windows.x_hz, cal.x_transfer, ("P rate (Hz)", "X rate in replay (Hz)")),
    ):
        ax.scatter(x.ravel(), y.ravel(), s=4, c="0.6", label="Brian2 windows")
        grid = torch.linspace(float(x.min()), float(x.max()), 200)
        with torch.no_grad():
            ax.plot(grid.numpy(), transfer(grid).numpy(), c="tab:blue", label="isotonic fit")
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def replay_rows_figure(melodies: np.ndarray, replayed: np.ndarray, cue_steps: int, names: list[str]):
    """Bits per melody (columns): the target, then one row per replay of ``replayed`` bool (n_rows, n_melodies,
    n_steps, n_channels) titled by ``names``. The cue is left of the dashed line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n_melodies = melodies.shape[0]
    rows = [("target", melodies), *zip(names, replayed, strict=True)]
    fig, axes = plt.subplots(len(rows), n_melodies, figsize=(2.2 * n_melodies + 1, 1.8 * len(rows)), squeeze=False)
    for m in range(n_melodies):
        for r, (name, bits) in enumerate(rows):
            ax = axes[r, m]
            ax.imshow(bits[m].T, aspect="auto", cmap="Greys", vmin=0, vmax=1, interpolation="nearest")
            ax.axvline(cue_steps - 0.5, c="tab:red", ls="--", lw=1)
            ax.set_title(f"melody {m}: {name}", fontsize=7)
        axes[-1, m].set_xlabel("step", fontsize=8)
    for r in range(len(rows)):
        axes[r, 0].set_ylabel("channel", fontsize=8)
    fig.tight_layout()
    return fig
