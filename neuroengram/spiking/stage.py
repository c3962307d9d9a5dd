"""The ``spiking`` stage: simulate a spiking circuit in Brian2 and save its activity and signed weights.

``task`` selects what runs (one stage serves the quickstart and the studies):

``ei_network`` (default, quickstart)
    a recurrent E/I network (:mod:`neuroengram.spiking.network`): writes ``activity.npz`` (binned rates, Hz,
    with the stimulus pattern per bin as ``labels``), ``weights.npz`` (signed synapses), ``spikes.npz``
    (``index``, ``time_ms``) and a raster figure; returns rates, CV_ISI, Fano factor and the E/I balance index.

Outputs follow the shared formats of the project (``spiking/activity.npz``: ``rates``, ``bin_ms``,
``is_excitatory``, ``labels``; ``spiking/weights.npz``: ``pre``, ``post``, ``weight`` (mV, negative =
inhibitory), ``n_neurons``, ``is_excitatory``).
"""

from __future__ import annotations

from typing import Literal

from brian2 import seed as brian_seed
from pydantic import Field

from neuroengram.spiking.model import set_target
from neuroengram.spiking.network import EIConfig, simulate_ei_network
from neuroengram.spiking.plots import raster_figure
from neuroengram.stages import StageContext, StageParams

REQUIRES: tuple[str, ...] = ()


class Params(StageParams, EIConfig):
    """Parameters of the spiking stage: the task, the code-generation target and each task's fields."""

    task: Literal["ei_network"] = Field("ei_network", description="what to simulate: ei_network")
    codegen_target: Literal["numpy", "cython"] = Field(
        "numpy", description="Brian2 code generation target (numpy needs no compiler)"
    )


def run(params: Params, ctx: StageContext) -> dict[str, float | int | str | bool]:
    """Run ``params.task`` with ``ctx.seed``; write arrays and figures through ``ctx``; return scalar metrics."""
    set_target(params.codegen_target)
    brian_seed(ctx.seed)
    config = EIConfig.model_validate(params.model_dump(include=set(EIConfig.model_fields)))
    ctx.log.info("simulating %d E / %d I cells for %.0f ms", config.n_exc, config.n_inh, config.duration_ms)
    result = simulate_ei_network(config, ctx.seed)
    ctx.save_arrays(
        "activity",
        rates=result.rates,
        bin_ms=config.bin_ms,
        is_excitatory=result.is_excitatory,
        labels=result.labels,
    )
    ctx.save_arrays(
        "weights",
        pre=result.pre,
        post=result.post,
        weight=result.weight,
        n_neurons=result.is_excitatory.size,
        is_excitatory=result.is_excitatory,
    )
    ctx.save_arrays("spikes", index=result.spike_index, time_ms=result.spike_time_ms)
    ctx.save_figure(
        "raster",
        raster_figure(
            result.spike_index,
            result.spike_time_ms,
            result.is_excitatory,
            result.rates,
            config.bin_ms,
            result.labels,
            title=f"E/I network, {config.n_exc} E / {config.n_inh} I, seed {ctx.seed}",
        ),
    )
    return {"task": params.task, "n_neurons": int(result.is_excitatory.size), **result.metrics}
