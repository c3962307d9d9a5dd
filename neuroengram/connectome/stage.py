"""The ``connectome`` stage: motif statistics of a C. elegans connectome, optionally against the simulated network.

Loads a shipped connectome (:func:`neuroengram.connectome.load_connectome`), computes its triad census, the
Z-scores of the 13 connected triads and of bi-fan / bi-parallel under each requested null model, and (with signs)
the XOR and lateral-inhibition motifs against the sign-layer null. If the ``spiking`` stage ran at this point and
``compare_with_spiking`` is set, the triad significance profile (Milo et al. 2004) of the simulated network
(signs from its weights, i.e. Dale's law) is compared with the worm's by Pearson correlation.

Writes ``connectome/motifs.npz`` (``triads``, ``census``, per null model ``z_<null>`` over ``motifs``, ``profile``
and, when compared, ``spiking_profile``, ``spiking_census``), ``connectome/degrees.npz`` (``in_degree``,
``out_degree``) and figures ``census`` (table), ``zscores``, ``degrees`` and ``profile_comparison``.

With ``simulate = true`` it also runs the connectome-constrained Brian2 network of
:mod:`neuroengram.connectome.simulation` (the dataset's chemical synapses with the chosen signs, unknown signs
falling back to the presynaptic-transmitter rule, gap junctions as electrical coupling, sensory drive) and writes
``connectome/activity.npz`` in the shared activity format (``rates`` Hz (n_bins, n_neurons), ``bin_ms``,
``is_excitatory``, ``labels`` = stimulus pattern per bin; plus ``is_sensory``, ``neurons``) and an ``activity``
figure; the metrics report rates and how well the stimulus pattern is decoded from the non-sensory neurons.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from neuroengram.connectome.loader import graph_from_weights, load_connectome
from neuroengram.connectome.motifs import CONNECTED_TRIADS, motif_significance, significance_profile, triad_census
from neuroengram.connectome.plots import (
    activity_figure,
    census_table_figure,
    degree_figure,
    profile_figure,
    zscore_figure,
)
from neuroengram.connectome.simulation import SimConfig, decoding_accuracy, fill_unknown_signs, simulate_connectome
from neuroengram.stages import StageContext, StageParams

REQUIRES: tuple[str, ...] = ()  # spiking/weights.npz is read only if present (compare_with_spiking)
UNSIGNED_MOTIFS = (*CONNECTED_TRIADS, "bifan", "biparallel")
SIGNED_MOTIFS = ("xor", "lateral_inhibition")


class Params(StageParams):
    """Parameters of the connectome stage (the ``[stages.connectome]`` table of a study)."""

    dataset: Literal["varshney2011", "cook2019_herm", "witvliet2021_8", "fenyves2020"] = Field(
        "varshney2011", description="shipped connectome to analyse (see connectomes/README.md)"
    )
    synapses: Literal["chemical", "gap", "both"] = Field("chemical", description="which synapses form the edges")
    min_synapses: int = Field(1, ge=1, le=100, description="drop connections with fewer synapses than this")
    sign: Literal["fenyves2020", "transmitter", "none"] = Field(
        "fenyves2020", description="edge signs for the XOR / lateral-inhibition motifs ('none' skips them)"
    )
    glutamate_sign: Literal[1, -1] = Field(1, description="sign of glutamatergic synapses under sign='transmitter'")
    nulls: tuple[Literal["mutual", "degree"], ...] = Field(
        ("mutual", "degree"), min_length=1, description="null models for the triad and 4-node Z-scores"
    )
    n_null: int = Field(20, ge=2, le=100_000, description="random graphs per null model (1000 for final numbers)")
    swaps_per_edge: float = Field(10.0, gt=0, le=1000, description="switch attempts per edge for each null graph")
    four_node: bool = Field(True, description="also count bi-fan and bi-parallel (slower than triads)")
    compare_with_spiking: bool = Field(
        True, description="compare with spiking/weights.npz when the spiking stage ran at this point"
    )
    simulate: bool = Field(False, description="also run the connectome-constrained Brian2 network (activity.npz)")
    sim_duration_ms: float = Field(1000.0, ge=50, le=600_000, description="simulated time")
    sim_bin_ms: float = Field(20.0, ge=1, le=1000, description="bin width of the saved rates")
    sim_epoch_ms: float = Field(100.0, ge=10, le=10_000, description="duration of one stimulus pattern")
    sim_n_patterns: int = Field(4, ge=1, le=64, description="number of sensory stimulus patterns (labels)")
    sim_drive_mv: float = Field(20.0, ge=0, le=100, description="input to the stimulated sensory neurons")
    sim_j_chem_mv: float = Field(
        6.0, ge=0, le=50, description="synaptic kick of a chemical connection of mean synapse count (scales with count)"
    )
    sim_g_inh: float = Field(4.0, ge=0, le=20, description="scale of inhibitory synapses relative to excitatory")
    sim_g_gap: float = Field(0.05, ge=0, le=1, description="coupling per gap-junction contact (fraction of leak)")
    sim_noise_mv: float = Field(2.0, ge=0, le=20, description="s.d. of the membrane noise")
    sim_codegen_target: Literal["numpy", "cython"] = Field("numpy", description="Brian2 code generation target")


def run(params: Params, ctx: StageContext) -> dict[str, float | int | str | bool]:
    """Analyse ``params.dataset`` with ``ctx.seed``; write arrays and figures; return scalar metrics."""
    rng = ctx.rng
    sign = None if params.sign == "none" else params.sign
    graph = load_connectome(
        params.dataset,
        params.synapses,
        min_synapses=params.min_synapses,
        sign=sign,
        glutamate_sign=params.glutamate_sign,
    )
    census = triad_census(graph)
    motifs = UNSIGNED_MOTIFS if params.four_node else CONNECTED_TRIADS
    metrics: dict[str, float | int | str | bool] = {
        "dataset": params.dataset,
        "n_nodes": graph.number_of_nodes(),
        "n_edges": graph.number_of_edges(),
        "n_synapses": int(graph.size(weight="weight")),
        "n_mutual_pairs": sum(graph.has_edge(v, u) for u, v in graph.edges) // 2,
        "ffl_count": census["030T"],
    }
    arrays: dict[str, np.ndarray] = {
        "triads": np.array(list(census)),
        "census": np.array(list(census.values())),
        "motifs": np.array(motifs),
    }
    tables = {}
    for null in params.nulls:
        ctx.log.info("%s: %d %s-null graphs", params.dataset, params.n_null, null)
        table = motif_significance(
            graph,
            motifs,
            null,
            params.n_null,
            params.swaps_per_edge,
            rng,
            progress=lambda it, null=null: ctx.progress(it, f"{null} null", params.n_null),
        )
        tables[null] = table
        arrays[f"z_{null}"] = table.z.to_numpy()
        for name, key in (("030T", "ffl"), ("bifan", "bifan"), ("biparallel", "biparallel")):
            if name in table.index:
                metrics[f"{key}_z_{null}"] = float(table.z[name])
    profile = significance_profile(tables[params.nulls[0]].z[list(CONNECTED_TRIADS)])
    arrays["profile"] = profile
    if sign is not None:
        signed = motif_significance(
            graph,
            SIGNED_MOTIFS,
            "sign",
            params.n_null,
            params.swaps_per_edge,
            rng,
            progress=lambda it: ctx.progress(it, "sign null", params.n_null),
        )
        tables["sign"] = signed
        arrays["z_sign"] = signed.z.to_numpy()
        for name in SIGNED_MOTIFS:
            metrics[f"{name}_count"] = int(signed.n_real[name])
            metrics[f"{name}_null_mean"] = float(signed.null_mean[name])
            metrics[f"{name}_z"] = float(signed.z[name])
            metrics[f"{name}_fold"] = float(signed.fold[name])
            metrics[f"{name}_p"] = float(signed.p_value[name])
    ctx.save_figure("zscores", zscore_figure(tables, title=f"{params.dataset}: motif Z-scores, {params.n_null} nulls"))
    unsigned = {null: table for null, table in tables.items() if null != "sign"}
    ctx.save_figure(
        "census", census_table_figure(census, unsigned, title=f"{params.dataset}: triad census, {params.n_null} nulls")
    )

    in_deg = np.array([d for _, d in graph.in_degree()])
    out_deg = np.array([d for _, d in graph.out_degree()])
    ctx.save_arrays("degrees", in_degree=in_deg, out_degree=out_deg)
    ctx.save_figure("degrees", degree_figure(in_deg, out_deg, title=params.dataset))

    if params.compare_with_spiking and (ctx.point_dir / "spiking" / "weights.npz").is_file():
        metrics.update(_compare_with_spiking(params, ctx, tables[params.nulls[0]], arrays, rng))
    ctx.save_arrays("motifs", **arrays)
    if params.simulate:
        metrics.update(_simulate(params, ctx))
    return metrics


def _compare_with_spiking(
    params: Params, ctx: StageContext, worm: pd.DataFrame, arrays: dict[str, np.ndarray], rng: np.random.Generator
) -> dict[str, float | int | str | bool]:
    """Triad significance profile of ``spiking/weights.npz`` (same null model) against the worm's ``worm`` table.

    Adds ``spiking_profile`` and ``spiking_census`` to ``arrays``, saves the ``profile_comparison`` figure and
    returns the comparison metrics (``*_z_norm`` tells whether a profile is signal or normalised noise).
    """
    weights = ctx.load_arrays("spiking", "weights")
    sim = graph_from_weights(weights["pre"], weights["post"], weights["weight"], int(weights["n_neurons"]))
    null = params.nulls[0]
    sim_table = motif_significance(
        sim,
        CONNECTED_TRIADS,
        null,
        params.n_null,
        params.swaps_per_edge,
        rng,
        progress=lambda it: ctx.progress(it, "spiking null", params.n_null),
    )
    worm_z = worm.z[list(CONNECTED_TRIADS)]
    profile, sim_profile = significance_profile(worm_z), significance_profile(sim_table.z)
    arrays["spiking_profile"] = sim_profile
    arrays["spiking_census"] = np.array(list(triad_census(sim).values()))
    correlation = float(np.corrcoef(profile, sim_profile)[0, 1]) if sim_profile.any() else float("nan")
    ctx.save_figure(
        "profile_comparison",
        profile_figure(
            CONNECTED_TRIADS,
            {params.dataset: profile, "spiking network": sim_profile},
            title=f"triad significance profiles ({null} null), r = {correlation:.2f}",
        ),
    )
    return {
        "spiking_n_edges": sim.number_of_edges(),
        "spiking_ffl_z": float(sim_table.z["030T"]),
        "spiking_z_norm": float(np.linalg.norm(np.nan_to_num(sim_table.z))),
        "worm_z_norm": float(np.linalg.norm(np.nan_to_num(worm_z))),
        "profile_correlation": correlation,
    }


def _simulate(params: Params, ctx: StageContext) -> dict[str, float | int | str | bool]:
    """Run the connectome-constrained network; write ``activity.npz`` (shared format) and an activity figure."""
    primary = None if params.sign == "none" else params.sign
    chemical = load_connectome(
        params.dataset, "chemical", min_synapses=params.min_synapses, sign=primary, glutamate_sign=params.glutamate_sign
    )
    if primary != "transmitter":
        fallback = load_connectome(
            params.dataset,
            "chemical",
            min_synapses=params.min_synapses,
            sign="transmitter",
            glutamate_sign=params.glutamate_sign,
        )
        ctx.log.info(
            "%d chemical edges of unknown sign take the presynaptic-transmitter sign",
            fill_unknown_signs(chemical, fallback),
        )
    gap = None
    if params.dataset != "fenyves2020":
        gap = load_connectome(params.dataset, "gap", min_synapses=params.min_synapses)
    config = SimConfig(
        **{
            f.name: getattr(params, f"sim_{f.name}")
            for f in fields(SimConfig)
            if f"sim_{f.name}" in Params.model_fields
        }
    )
    ctx.log.info("simulating %d neurons for %.0f ms", chemical.number_of_nodes(), config.duration_ms)
    result = simulate_connectome(chemical, gap, config, ctx.seed)
    ctx.save_arrays(
        "activity",
        rates=result.rates,
        bin_ms=config.bin_ms,
        is_excitatory=result.is_excitatory,
        labels=result.labels,
        is_sensory=result.is_sensory,
        neurons=np.array(result.neurons),
        v_mean_mv=result.v_mean_mv,
    )
    ctx.save_figure(
        "activity",
        activity_figure(
            result.rates,
            result.labels,
            result.is_sensory,
            config.bin_ms,
            title=f"{params.dataset}: connectome-constrained network",
        ),
    )
    downstream = result.rates[:, ~result.is_sensory]
    return {
        "sim_rate_hz": float(result.rates.mean()),
        "sim_downstream_rate_hz": float(downstream.mean()),
        "sim_fraction_active": float((result.rates.sum(axis=0) > 0).mean()),
        "sim_n_chemical": result.n_chemical,
        "sim_n_gap_pairs": result.n_gap,
        "sim_decoding_accuracy": decoding_accuracy(downstream, result.labels, result.epochs, ctx.seed),
        "sim_chance_accuracy": float(np.bincount(result.labels).max() / result.labels.size),
    }
