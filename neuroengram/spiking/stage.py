"""The ``spiking`` stage: simulate a spiking circuit in Brian2 and save its activity and signed weights.

``task`` selects what runs (one stage serves the quickstart and the studies):

``ei_network`` (default, quickstart)
    a recurrent E/I network (:mod:`neuroengram.spiking.network`): ``activity.npz`` holds binned rates (Hz) with
    the stimulus pattern per bin as ``labels``; ``spikes.npz`` every spike (``index``, ``time_ms``); figure
    ``raster``; metrics: E and I rates, CV_ISI, Fano factor, E/I balance index.
``xor``
    the XOR truth table (:mod:`neuroengram.spiking.motifs`), ``n_seeds`` noisy trials per input case, all in one
    network: ``activity.npz`` has one row per trial (rates of nodes 1..6 after ``settle_ms``; ``bin_ms`` = the
    counting window; ``labels`` = case index 0..3 for inputs 00, 01, 10, 11); ``weights.npz`` is the motif;
    figure ``truth_table``; metrics: accuracy per case, fraction of seeds fully correct, xor_index.
``xor_learning``
    the XOR motif as homeostatic error gating a three-factor rule (:mod:`neuroengram.spiking.plasticity`):
    prediction cells learn target bits for cue patterns until the XOR motifs fall silent. ``activity.npz`` has
    one row per trial of the last evaluation (``labels`` = pattern); ``weights.npz`` one copy's synapses;
    ``learning.npz`` (``targets``, ``cue``, ``error_rate``, ``prediction_accuracy``, ``weights_mv`` per epoch);
    figure ``xor_error``; metrics: XOR error rate and prediction accuracy at the start and the end (mean of the
    last ``END_WINDOW`` evaluations), plastic weight statistics.
``melody``
    melody learning and replay (:mod:`neuroengram.spiking.melody`): a recurrent E/I network (one chain of
    excitatory cells per melody slot, an inhibitory pool, one XOR motif per channel) learns its read-out with the
    XOR-gated three-factor rule, then replays every melody from a cue of its first ``cue_steps`` steps.
    ``activity.npz`` has one row per step of network 0 replaying melody 0, 1, ... in turn (``labels`` = melody
    index, ``bin_ms`` = ``step_ms``); ``weights.npz`` network 0's synapses in replay; ``melody.npz``
    (``melodies``, ``replayed``, ``error_rate`` per epoch and network, ``replay_accuracy``, ``weights_mv``,
    ``codegen_target``),
    ``melody_config.json`` (the :class:`~neuroengram.spiking.melody.MelodyConfig` that ran); figures ``raster``
    (network 0 replaying melody 0), ``xor_error``, ``replay``; metrics: replay bit accuracy (mean and per melody),
    XOR error rate at the start and the end, read-out weight statistics.
``xor_robustness``
    truth tables over the grid ``grid_input_rates_hz`` x ``grid_noise_rates_hz`` x ``grid_weight_jitters`` in one
    network: ``robustness.npz`` (``accuracy`` (n_jitter, n_input, n_noise), ``accuracy_per_case``, the grid
    axes); figure ``robustness`` (accuracy heatmaps); ``weights.npz`` the motif; metrics: min / mean accuracy.

``codegen_target``: ``numpy`` (default, no compiler), ``cython``, or ``cpp_standalone`` (task ``melody``: the
training circuit is compiled once and re-run every epoch with the plastic weights and a new noise seed as
``run_args``, the replay circuit once; see :class:`neuroengram.spiking.melody.StandaloneMelody`).

Shared formats: ``activity.npz`` (``rates`` (n_rows, n_neurons) Hz, ``bin_ms``, ``is_excitatory``, ``labels``)
and ``weights.npz`` (``pre``, ``post``, ``weight`` in mV, negative = inhibitory, ``n_neurons``,
``is_excitatory``).
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from brian2 import seed as brian_seed
from pydantic import Field

from neuroengram.errors import ConfigError
from neuroengram.spiking.melody import MELODY_CONFIG, MelodyConfig, learn_melodies
from neuroengram.spiking.model import set_target
from neuroengram.spiking.motifs import (
    XOR_CASES,
    XORConfig,
    fully_correct_fraction,
    graph_weights,
    run_xor_trials,
    truth_table_cases,
    xor_graph,
    xor_index,
    xor_robustness,
)
from neuroengram.spiking.network import EIConfig, simulate_ei_network
from neuroengram.spiking.plasticity import LearningConfig, learn_with_xor_error
from neuroengram.spiking.plots import (
    error_curve_figure,
    heatmap_figure,
    raster_figure,
    replay_figure,
    truth_table_figure,
)
from neuroengram.stages import StageContext, StageParams

REQUIRES: tuple[str, ...] = ()

Metrics = dict[str, float | int | str | bool]
NonNegative = Annotated[float, Field(ge=0)]
END_WINDOW = 5
"""xor_learning: the end-of-training numbers are means over this many last evaluations (single ones are noisy)."""


class Params(StageParams, EIConfig, XORConfig, LearningConfig, MelodyConfig):
    """Parameters of the spiking stage: the task, the code-generation target and each task's fields."""

    task: Literal["ei_network", "xor", "xor_robustness", "xor_learning", "melody"] = Field(
        "ei_network",
        description="what to simulate: ei_network (quickstart), xor, xor_robustness, xor_learning, melody",
    )
    codegen_target: Literal["numpy", "cython", "cpp_standalone"] = Field(
        "numpy",
        description="Brian2 code generation target (numpy needs no compiler; cython and cpp_standalone need a C++ "
        "compiler; cpp_standalone: task melody only, compiled once and re-run per epoch)",
    )
    grid_input_rates_hz: tuple[NonNegative, ...] = Field(
        (1500.0, 2000.0, 3000.0, 4000.0), min_length=1, description="xor_robustness: input rates of the grid"
    )
    grid_noise_rates_hz: tuple[NonNegative, ...] = Field(
        (0.0, 200.0, 400.0, 800.0), min_length=1, description="xor_robustness: noise rates of the grid"
    )
    grid_weight_jitters: tuple[NonNegative, ...] = Field(
        (0.0, 0.1, 0.2), min_length=1, description="xor_robustness: relative weight jitters of the grid"
    )


def run(params: Params, ctx: StageContext) -> Metrics:
    """Run ``params.task`` with ``ctx.seed``; write arrays and figures through ``ctx``; return scalar metrics."""
    if params.codegen_target == "cpp_standalone" and params.task != "melody":
        raise ConfigError(
            f"codegen_target {params.codegen_target!r} is not available for task {params.task!r}",
            key="stages.spiking.codegen_target",
            fix="use numpy or cython for this task (cpp_standalone serves task = 'melody')",
        )
    set_target(params.codegen_target)
    brian_seed(ctx.seed)
    task = {
        "ei_network": _run_ei_network,
        "xor": _run_xor,
        "xor_robustness": _run_xor_robustness,
        "xor_learning": _run_xor_learning,
        "melody": _run_melody,
    }[params.task]
    return {"task": params.task, **task(params, ctx)}


def _save_weights(ctx: StageContext, pre: np.ndarray, post: np.ndarray, weight: np.ndarray, is_exc: np.ndarray):
    ctx.save_arrays("weights", pre=pre, post=post, weight=weight, n_neurons=is_exc.size, is_excitatory=is_exc)


def _run_ei_network(params: Params, ctx: StageContext) -> Metrics:
    config = EIConfig.model_validate(params.model_dump(include=set(EIConfig.model_fields)))
    ctx.log.info("simulating %d E / %d I cells for %.0f ms", config.n_exc, config.n_inh, config.duration_ms)
    result = simulate_ei_network(config, ctx.seed)
    ctx.save_arrays(
        "activity", rates=result.rates, bin_ms=config.bin_ms, is_excitatory=result.is_excitatory, labels=result.labels
    )
    _save_weights(ctx, result.pre, result.post, result.weight, result.is_excitatory)
    ctx.save_arrays("spikes", index=result.spike_index, time_ms=result.spike_time_ms)
    title = f"E/I network, {config.n_exc} E / {config.n_inh} I, seed {ctx.seed}"
    figure = raster_figure(
        result.spike_index,
        result.spike_time_ms,
        result.is_excitatory,
        result.rates,
        config.bin_ms,
        result.labels,
        title,
    )
    ctx.save_figure("raster", figure)
    return {"n_neurons": int(result.is_excitatory.size), **result.metrics}


def _xor_config(params: Params) -> XORConfig:
    return XORConfig.model_validate(params.model_dump(include=set(XORConfig.model_fields)))


def _run_xor(params: Params, ctx: StageContext) -> Metrics:
    config = _xor_config(params)
    graph = xor_graph()
    trials = run_xor_trials(truth_table_cases(config.n_seeds), config, ctx.seed, graph=graph)
    is_exc, pre, post, weight = graph_weights(graph)
    case_index = np.repeat(np.arange(len(XOR_CASES)), config.n_seeds)
    ctx.save_arrays(
        "activity",
        rates=trials.rates_hz,
        bin_ms=config.trial_ms - config.settle_ms,
        is_excitatory=is_exc,
        labels=case_index,
    )
    _save_weights(ctx, pre, post, weight, is_exc)
    title = f"XOR truth table, {config.n_seeds} seeds per case"
    ctx.save_figure(
        "truth_table", truth_table_figure(trials.cases, trials.readout_hz, config.readout_threshold_hz, title)
    )
    metrics: Metrics = {f"accuracy_{case}": value for case, value in trials.accuracy_per_case().items()}
    for k, (a, b) in enumerate(XOR_CASES):
        metrics[f"readout_hz_{a}{b}"] = float(trials.readout_hz[case_index == k].mean())
    metrics["fully_correct_fraction"] = fully_correct_fraction(trials, config.n_seeds)
    metrics["xor_index"] = xor_index(trials)
    return metrics


def _run_xor_robustness(params: Params, ctx: StageContext) -> Metrics:
    config = _xor_config(params)
    grid = xor_robustness(
        config, params.grid_input_rates_hz, params.grid_noise_rates_hz, params.grid_weight_jitters, ctx.seed
    )
    ctx.save_arrays(
        "robustness",
        accuracy=grid.accuracy,
        accuracy_per_case=grid.accuracy_per_case,
        input_rates_hz=grid.input_rates_hz,
        noise_rates_hz=grid.noise_rates_hz,
        weight_jitters=grid.weight_jitters,
    )
    is_exc, pre, post, weight = graph_weights(xor_graph())
    _save_weights(ctx, pre, post, weight, is_exc)
    figure = heatmap_figure(
        grid.accuracy,
        grid.input_rates_hz,
        grid.noise_rates_hz,
        grid.weight_jitters,
        ("input rate (Hz)", "noise rate (Hz)", "weight jitter"),
    )
    ctx.save_figure("robustness", figure)
    return {
        "accuracy_min": float(grid.accuracy.min()),
        "accuracy_mean": float(grid.accuracy.mean()),
        "n_trials": int(grid.accuracy.size * len(XOR_CASES) * config.n_seeds),
    }


def _run_xor_learning(params: Params, ctx: StageContext) -> Metrics:
    config = LearningConfig.model_validate(params.model_dump(include=set(LearningConfig.model_fields)))
    xor = _xor_config(params)
    result = learn_with_xor_error(config, xor, ctx.seed, progress=ctx.progress)
    labels = np.repeat(np.arange(result.targets.shape[0]), config.learn_trials_per_pattern)
    ctx.save_arrays(
        "activity",
        rates=result.rates_hz,
        bin_ms=xor.trial_ms - xor.settle_ms,
        is_excitatory=result.is_excitatory,
        labels=labels,
    )
    _save_weights(ctx, result.pre, result.post, result.weight, result.is_excitatory)
    ctx.save_arrays(
        "learning",
        targets=result.targets,
        cue=result.cue,
        error_rate=result.error_rate,
        prediction_accuracy=result.prediction_accuracy,
        weights_mv=result.weights_mv,
    )
    curves = np.stack([result.error_rate, 1 - result.prediction_accuracy], axis=1)
    ctx.save_figure("xor_error", error_curve_figure(curves, ("XOR error rate", "prediction error (bits)")))
    end = slice(-min(END_WINDOW, result.error_rate.size), None)
    start_error, end_error = float(result.error_rate[0]), float(result.error_rate[end].mean())
    final = result.weights_mv[-1]
    return {
        "error_rate_start": start_error,
        "error_rate_end": end_error,
        "error_ratio_end_start": end_error / start_error if start_error > 0 else float("nan"),
        "prediction_accuracy_start": float(result.prediction_accuracy[0]),
        "prediction_accuracy_end": float(result.prediction_accuracy[end].mean()),
        "plastic_weight_mean_mv": float(final.mean()),
        "plastic_weight_std_mv": float(final.std()),
        "plastic_weight_fraction_zero": float((final == 0).mean()),
        "plastic_weight_fraction_max": float((final >= config.learn_w_max_mv).mean()),
    }


def _run_melody(params: Params, ctx: StageContext) -> Metrics:
    config = MelodyConfig.model_validate(params.model_dump(include=set(MelodyConfig.model_fields)))
    standalone = params.codegen_target == "cpp_standalone"
    result = learn_melodies(config, ctx.seed, progress=ctx.progress, standalone=standalone)
    n_melodies, n_steps, _ = result.melodies.shape
    ctx.save_arrays(
        "activity",
        rates=result.replay_rates,
        bin_ms=config.step_ms,
        is_excitatory=result.is_excitatory,
        labels=np.repeat(np.arange(n_melodies), n_steps),
    )
    _save_weights(ctx, result.pre, result.post, result.weight, result.is_excitatory)
    (ctx.out_dir / MELODY_CONFIG).write_text(config.model_dump_json(indent=2), encoding="utf-8")
    ctx.save_arrays(
        "melody",
        melodies=result.melodies,
        replayed=result.replayed,
        error_rate=result.error_rate,
        replay_accuracy=result.replay_accuracy,
        weights_mv=result.weights_mv,
        codegen_target=params.codegen_target,
    )
    duration_ms = n_steps * config.step_ms
    rates = result.replay_rates[:n_steps]
    title = f"replay of melody 0 from a {config.cue_steps}-step cue, seed {ctx.seed}"
    figure = raster_figure(
        result.spike_index, result.spike_time_ms, result.is_excitatory, rates, config.step_ms, None, title
    )
    figure.axes[0].set_xlim(0, duration_ms)
    ctx.save_figure("raster", figure)
    ctx.save_figure(
        "xor_error",
        error_curve_figure(result.error_rate, tuple(f"XOR error, network {k}" for k in range(config.n_networks))),
    )
    ctx.save_figure("replay", replay_figure(result.melodies, result.replayed[0], config.cue_steps))
    end = slice(-min(END_WINDOW, result.error_rate.shape[0]), None)
    start_error, end_error = float(result.error_rate[0].mean()), float(result.error_rate[end].mean())
    final = result.weights_mv[-1]
    metrics: Metrics = {
        "n_exc": int(result.is_excitatory.sum()),
        "n_inh": int((~result.is_excitatory).sum()),
        "replay_accuracy": float(result.replay_accuracy.mean()),
        "replay_accuracy_min": float(result.replay_accuracy.min()),
        "error_rate_start": start_error,
        "error_rate_end": end_error,
        "error_ratio_end_start": end_error / start_error if start_error > 0 else float("nan"),
        "readout_weight_mean_mv": float(final.mean()),
        "readout_weight_std_mv": float(final.std()),
        "readout_weight_fraction_zero": float((final == 0).mean()),
        "readout_weight_fraction_max": float((final >= config.w_max_mv).mean()),
    }
    for m, accuracy in enumerate(result.replay_accuracy.mean(axis=0)):
        metrics[f"replay_accuracy_melody{m}"] = float(accuracy)
    return metrics
