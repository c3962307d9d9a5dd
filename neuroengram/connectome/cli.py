"""``neuroengram connectome ...``: inspect the shipped connectomes and their motif statistics from the shell.

``connectome`` is a click group the main ``neuroengram`` command registers; errors (:class:`NeuroEngramError`)
propagate unchanged to the main CLI, which prints them on one line and exits with status 2.
"""

from __future__ import annotations

import json
import math
from collections import Counter

import click

from neuroengram.connectome.loader import SYNAPSES, load_connectome
from neuroengram.connectome.motifs import MOTIFS, NULL_MODELS, motif_significance

_SIGN_CHOICES = ("none", "fenyves2020", "transmitter")


def _load(dataset: str, synapses: str, sign: str, min_synapses: int):
    return load_connectome(dataset, synapses, min_synapses=min_synapses, sign=None if sign == "none" else sign)


@click.group("connectome")
def connectome() -> None:
    """C. elegans connectomes: summaries and motif statistics."""


@connectome.command("info")
@click.argument("dataset")
@click.option("--synapses", default="chemical", show_default=True, help=f"one of {', '.join(SYNAPSES)}")
@click.option("--sign", default="fenyves2020", show_default=True, help=f"one of {', '.join(_SIGN_CHOICES)}")
@click.option("--min-synapses", default=1, show_default=True, type=int, help="drop weaker connections")
@click.option("--json", "as_json", is_flag=True, help="print machine-readable JSON")
def info(dataset: str, synapses: str, sign: str, min_synapses: int, as_json: bool) -> None:
    """Summarise DATASET (one of: varshney2011, cook2019_herm, witvliet2021_8, fenyves2020)."""
    G = _load(dataset, synapses, sign, min_synapses)
    summary = {
        "dataset": dataset,
        "synapses": synapses,
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "total_weight": int(G.size(weight="weight")),
        "mutual_pairs": sum(G.has_edge(v, u) for u, v in G.edges) // 2,
        "signs": {str(k): v for k, v in sorted(Counter(s for *_, s in G.edges(data="sign")).items())},
        "cell_classes": dict(sorted(Counter(c for _, c in G.nodes(data="cell_class")).items())),
        "transmitters": dict(sorted(Counter(t or "none" for _, t in G.nodes(data="transmitter")).items())),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    for key, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in value.items())
        click.echo(f"{key:>13}: {value}")


@connectome.command("motifs")
@click.argument("dataset")
@click.option(
    "--motif",
    "motifs",
    multiple=True,
    default=("ffl", "bifan", "biparallel"),
    show_default=True,
    help=f"repeatable; any of {', '.join(MOTIFS)}",
)
@click.option("--null", default="mutual", show_default=True, help=f"null model: {', '.join(NULL_MODELS)}")
@click.option("--samples", default=100, show_default=True, type=int, help="number of null graphs")
@click.option("--swaps-per-edge", default=10.0, show_default=True, type=float, help="switch attempts per edge")
@click.option("--seed", default=0, show_default=True, type=int, help="seed of the null graphs")
@click.option("--synapses", default="chemical", show_default=True, help=f"one of {', '.join(SYNAPSES)}")
@click.option("--sign", default="fenyves2020", show_default=True, help=f"one of {', '.join(_SIGN_CHOICES)}")
@click.option("--min-synapses", default=1, show_default=True, type=int, help="drop weaker connections")
@click.option("--json", "as_json", is_flag=True, help="print machine-readable JSON")
def motifs_command(
    dataset: str,
    motifs: tuple[str, ...],
    null: str,
    samples: int,
    swaps_per_edge: float,
    seed: int,
    synapses: str,
    sign: str,
    min_synapses: int,
    as_json: bool,
) -> None:
    """Motif counts of DATASET against null graphs: N_real, null mean and SD, Z, fold, empirical p."""
    G = _load(dataset, synapses, sign, min_synapses)
    table = motif_significance(G, motifs, null, samples, swaps_per_edge, seed)
    if as_json:
        rows = {
            name: {k: None if math.isnan(v) else v for k, v in row.items()}
            for name, row in table.to_dict(orient="index").items()
        }
        click.echo(
            json.dumps({"dataset": dataset, "null": null, "samples": samples, "seed": seed, "motifs": rows}, indent=2)
        )
        return
    click.echo(f"{dataset}: {G.number_of_nodes()} nodes, {G.number_of_edges()} edges; {samples} {null}-null graphs")
    click.echo(table.to_string(float_format=lambda x: f"{x:.4g}"))


__all__ = ["connectome"]
