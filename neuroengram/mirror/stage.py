"""The ``mirror`` stage: train a Dale-constrained recurrent autoencoder on spiking rates; its latent is the engram.

Data (``data``): ``"spiking"`` / ``"connectome"`` read ``<stage>/activity.npz`` (rates in Hz per bin), filter them
in time (``smooth_bins``), keep the ``max_inputs`` most variable neurons, scale each to [0, 1] by its peak and cut
windows of ``window`` bins every ``stride`` bins. A ``test_fraction`` of non-overlapping windows, drawn per label
(:func:`neuroengram.mirror.data.blocked_split`, seeded by ``data_seed``), is held out; training windows share no
bin with them. ``"synthetic"`` generates
``n_sequences`` sequences from ``n_factors`` hidden factors (:func:`neuroengram.mirror.data.factor_sequences`) with a
random held-out split, both from ``data_seed`` (so every point of a sweep sees the same data; the model's
initialisation and mini-batch order follow the stage seed). ``"auto"`` uses the spiking output if the study ran
that stage, else synthetic data. ``"melody"`` reads ``spiking/melody.npz`` (the spiking stage's ``melody`` task) and
presents every replayed melody ``n_sequences`` times in all with bits flipped at ``melody_flip``
(:func:`neuroengram.mirror.data.melody_presentations`, seeded by ``data_seed``; labels = melody index; binary, so
trained with cross-entropy).

``task = "melody_bridge"``: the rate mirror of the spiking melody network (:mod:`neuroengram.mirror.melody_stage`).

Outputs: ``mirror/latent.npz`` (``codes`` (n_samples, latent_width), ``labels`` if known, ``is_test`` bool,
``start_bin`` and ``neurons`` for rate windows), ``mirror/sequences.npz`` (the model's input sequences ``x``
(n_samples, n_steps, n_features) with ``is_test`` and ``labels`` if known, for the engram stage),
``mirror/model.pt`` + ``mirror/model.json``, figures ``loss_curve`` and
``reconstruction``. Metrics: held-out reconstruction loss, the mean predictor's loss, their ratio, the fraction of
variance explained, the number of Dale-sign violations (0 by construction) and the training time.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from neuroengram.errors import ConfigError, StageError
from neuroengram.mirror.dale import dale_violations
from neuroengram.mirror.data import blocked_split, factor_sequences, melody_presentations, rate_windows
from neuroengram.mirror.estimator import EngramAutoencoder
from neuroengram.mirror.figures import loss_curve, reconstruction_panel
from neuroengram.stages import Metric, StageContext, StageParams

REQUIRES: tuple[str, ...] = ()
"""Empty because the upstream is optional: ``data="auto"`` reads ``spiking`` only if the study ran it;
``data="spiking"``/``"connectome"`` without that stage fail at run time with a :class:`StageError` naming the fix."""


class Params(StageParams):
    """Parameters of the mirror stage (the ``[stages.mirror]`` table)."""

    task: Literal["autoencoder", "melody_bridge"] = Field(
        "autoencoder",
        description="'autoencoder' (recurrent E/I autoencoder) or 'melody_bridge' (rate mirror of the spiking "
        "melody network, trained in PyTorch and replayed in Brian2; needs [stages.spiking] task = 'melody')",
    )
    bridge_networks: int = Field(4, ge=1, le=64, description="melody_bridge: Brian2 calibration networks (trials)")
    bridge_epochs: int = Field(400, ge=1, le=100000, description="melody_bridge: AdamW epochs (full batch)")
    bridge_lr_mv: float = Field(2.0, gt=0, le=100, description="melody_bridge: AdamW learning rate (mV)")

    data: Literal["auto", "spiking", "connectome", "synthetic", "melody"] = Field(
        "auto",
        description="where sequences come from: upstream activity.npz, synthetic factors, spiking melodies, or auto",
    )
    window: int = Field(8, ge=2, le=2000, description="time bins per sequence (rate data)")
    stride: int = Field(2, ge=1, le=2000, description="bins between window starts (rate data)")
    max_inputs: int = Field(32, ge=1, le=4096, description="neurons kept as inputs (highest rate variance)")
    smooth_bins: float = Field(2.0, ge=0, le=100, description="Gaussian filter s.d. in bins applied to rates")
    test_fraction: float = Field(0.2, ge=0.05, le=0.5, description="held-out fraction of non-overlapping windows")
    n_factors: int = Field(3, ge=1, le=64, description="hidden factors of synthetic sequences")
    data_seed: int = Field(
        0,
        ge=0,
        le=2**31 - 1,
        description="seed of the synthetic data and the held-out split (fixed across sweep points)",
    )
    n_sequences: int = Field(160, ge=8, le=100000, description="number of synthetic sequences")
    n_steps: int = Field(16, ge=2, le=2000, description="time steps of synthetic sequences")
    n_features: int = Field(12, ge=1, le=4096, description="features of synthetic sequences")
    kind: Literal["continuous", "binary"] = Field(
        "continuous", description="synthetic data type (binary data is trained with cross-entropy)"
    )
    noise: float = Field(0.05, ge=0, le=10, description="noise s.d. of synthetic sequences")
    melody_flip: float = Field(
        0.05, ge=0, lt=0.5, description="data 'melody': probability that a presented bit is flipped"
    )
    latent_width: int = Field(4, ge=1, le=512, description="width of the latent bottleneck (the engram code)")
    n_units: int = Field(40, ge=2, le=4096, description="rate units in the encoder and in the decoder")
    exc_fraction: float = Field(0.8, gt=0, le=1, description="fraction of excitatory units (0.8 = 4:1 E:I)")
    leak: float = Field(0.5, gt=0, le=1, description="dt / tau of the rate units")
    epochs: int = Field(60, ge=1, le=100000, description="training epochs (Adam)")
    lr: float = Field(0.01, gt=0, le=1, description="Adam learning rate")
    batch_size: int = Field(32, ge=1, le=100000, description="sequences per mini-batch")


def _load_rates(params: Params, ctx: StageContext) -> tuple[str, dict[str, np.ndarray] | None]:
    source = params.data
    if source == "auto":
        source = "spiking" if (ctx.point_dir / "spiking" / "activity.npz").is_file() else "synthetic"
        ctx.log.info("data='auto' -> using %s sequences", source)
    if source == "synthetic":
        return source, None
    return source, ctx.load_arrays(source, "activity")


def _dataset(params: Params, ctx: StageContext) -> tuple[str, np.ndarray, dict[str, np.ndarray]]:
    """Return ``(source, sequences, extras)``; extras hold ``is_test`` and optional ``labels``/``start_bin``."""
    if params.data == "melody":
        if not (ctx.point_dir / "spiking" / "melody.npz").is_file():
            raise StageError(
                "data = 'melody' reads spiking/melody.npz, which this study's spiking stage did not write",
                key="stages.mirror.data",
                fix="add [stages.spiking] with task = 'melody' to the study",
            )
        melodies = ctx.load_arrays("spiking", "melody")
        x, labels, is_test = melody_presentations(
            melodies["replayed"],
            params.n_sequences,
            params.melody_flip,
            params.test_fraction,
            np.random.default_rng(params.data_seed),
        )
        return "melody", x, {"is_test": is_test, "labels": labels}
    source, activity = _load_rates(params, ctx)
    if activity is None:
        rng = np.random.default_rng(params.data_seed)
        x, _ = factor_sequences(
            params.n_sequences, params.n_steps, params.n_features, params.n_factors, rng, params.kind, params.noise
        )
        is_test = np.zeros(len(x), dtype=bool)
        is_test[rng.permutation(len(x))[: max(1, round(params.test_fraction * len(x)))]] = True
        return source, x, {"is_test": is_test}
    if "rates" not in activity:
        raise StageError(f"{source}/activity.npz has no 'rates' array", key="stages.mirror.data")
    windows = rate_windows(
        activity["rates"],
        params.window,
        params.stride,
        labels=activity.get("labels"),
        max_inputs=params.max_inputs,
        smooth_bins=params.smooth_bins,
    )
    is_test, keep = blocked_split(
        windows.starts, params.window, params.test_fraction, np.random.default_rng(params.data_seed), windows.labels
    )
    if is_test.sum() == 0 or (~is_test & keep).sum() < 2:
        raise StageError(
            f"the recording ({len(activity['rates'])} bins) is too short for windows of {params.window} bins "
            f"with a held-out fraction of {params.test_fraction}",
            key="stages.mirror.window",
            fix="use a shorter window or simulate longer",
        )
    extras = {"is_test": is_test[keep], "start_bin": windows.starts[keep], "neurons": windows.neurons}
    if windows.labels is not None:
        extras["labels"] = windows.labels[keep]
    return source, windows.x[keep], extras


def run(params: Params, ctx: StageContext) -> dict[str, Metric]:
    if params.task == "melody_bridge":
        from neuroengram.mirror.melody_stage import run_melody_bridge

        return run_melody_bridge(params, ctx)
    source, x, extras = _dataset(params, ctx)
    if params.latent_width > x.shape[2]:
        raise ConfigError(
            f"a latent of width {params.latent_width} is wider than the input ({x.shape[2]} features per step)",
            key="stages.mirror.latent_width",
            fix=f"use latent_width <= {x.shape[2]} (or raise max_inputs / n_features)",
        )
    is_test = extras["is_test"]
    loss = "bce" if (source == "synthetic" and params.kind == "binary") or source == "melody" else "mse"
    estimator = EngramAutoencoder(
        latent_width=params.latent_width,
        n_units=params.n_units,
        exc_fraction=params.exc_fraction,
        leak=params.leak,
        loss=loss,
        epochs=params.epochs,
        lr=params.lr,
        batch_size=params.batch_size,
        seed=ctx.seed,
    )
    estimator.fit(x[~is_test], progress=lambda epochs: ctx.progress(epochs, "training", total=params.epochs))
    held_out = estimator.evaluate(x[is_test])
    ctx.log.info(
        "held-out loss %.4g vs mean predictor %.4g", held_out["reconstruction_loss"], held_out["baseline_loss"]
    )

    ctx.save_arrays("latent", codes=estimator.transform(x), **extras)
    ctx.save_arrays("sequences", x=x, **{key: extras[key] for key in ("is_test", "labels") if key in extras})
    estimator.save(ctx.out_dir)
    ctx.save_figure(
        "loss_curve",
        loss_curve(estimator.loss_history_, held_out["baseline_loss"], held_out["reconstruction_loss"], loss.upper()),
    )
    first_test = int(np.flatnonzero(is_test)[0])
    example = x[first_test : first_test + 1]
    ctx.save_figure("reconstruction", reconstruction_panel(example[0], estimator.reconstruct(example)[0]))

    violations = sum(dale_violations(w, s) for w, s in estimator.model_.dale_layers().values())
    return {
        "data_source": source,
        "n_train": int((~is_test).sum()),
        "n_test": int(is_test.sum()),
        "n_features": int(x.shape[2]),
        "loss": loss,
        "train_loss": float(estimator.loss_history_[-1]),
        "test_loss": held_out["reconstruction_loss"],
        "baseline_loss": held_out["baseline_loss"],
        "loss_ratio": held_out["loss_ratio"],
        "variance_explained": held_out["variance_explained"],
        "dale_violations": violations,
        "fit_seconds": round(estimator.fit_seconds_, 3),
    }
