"""Load the shipped C. elegans connectomes as signed directed networkx graphs.

Data (``connectomes/`` in the repository, see its README for sources, DOIs and checksums):

- ``varshney2011``: Varshney et al. 2011, PLoS Comput Biol 7:e1001066 (279 somatic neurons; chemical synapse
  counts and gap-junction contact counts).
- ``cook2019_herm``: Cook et al. 2019, Nature 571:63 (hermaphrodite, 302 neurons plus muscles and other cells;
  weights are EM-section counts).
- ``witvliet2021_8``: Witvliet et al. 2021, Nature 596:257, dataset 8 (adult nerve ring only).
- ``fenyves2020``: the Cook 2019 hermaphrodite chemical connections as released on WormWiring before the
  July 2020 correction and tabulated by Fenyves et al. 2020 (297 neurons, 3638 connections; no gap junctions).

Signs of chemical edges:

- ``"fenyves2020"``: the per-connection polarity that Fenyves et al. 2020 (PLoS Comput Biol 16:e1007974)
  predicted from presynaptic transmitter and postsynaptic ionotropic receptors (``+`` -> +1, ``-`` -> -1,
  ``complex``/``no pred``/absent -> 0). Defined on the Cook 2019 (WormWiring) edges; other datasets are
  matched by (pre, post) name.
- ``"transmitter"``: the presynaptic neuron's dominant transmitter (Fenyves 2020 S1 Data): ACh -> +1,
  GABA -> -1, Glu -> ``glutamate_sign`` (+1 by default as in de Lucas et al.; -1 models glutamate-gated chloride
  channels), none of these -> 0.
- ``None``: every sign is 0 (unknown).

Gap junctions (electrical, symmetric) become two directed edges u->v and v->u with ``kind="gap"`` and sign 0.
"""

from __future__ import annotations

import csv
import difflib
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import networkx as nx
import numpy as np

from neuroengram.errors import ConfigError, DataError

log = logging.getLogger("neuroengram.connectome")

DATASETS: dict[str, str] = {
    "varshney2011": "varshney2011.csv",
    "cook2019_herm": "cook2019_herm.csv",
    "witvliet2021_8": "witvliet2021_8.csv",
    "fenyves2020": "fenyves2020_signs.csv",
}
"""Dataset name -> edge-list file."""

SYNAPSES = ("chemical", "gap", "both")
SIGNS = (None, "fenyves2020", "transmitter")
POLARITY = {"+": 1, "-": -1, "complex": 0, "no pred": 0}
TRANSMITTER_SIGN = {"ACh": 1, "GABA": -1}
CELLS_FILE = "cells.csv"
SIGNS_FILE = "fenyves2020_signs.csv"
ENV_VAR = "NEUROENGRAM_CONNECTOMES"


def data_dir() -> Path:
    """The folder holding the shipped CSVs.

    Looked up in this order: the ``NEUROENGRAM_CONNECTOMES`` environment variable; ``neuroengram/connectome/data``
    (package data of an installed wheel); ``connectomes/`` at the root of a source checkout.
    """
    candidates = []
    if os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]))
    candidates.append(Path(str(resources.files("neuroengram.connectome") / "data")))
    candidates.append(Path(__file__).resolve().parents[2] / "connectomes")
    for path in candidates:
        if (path / CELLS_FILE).is_file():
            return path
    raise DataError(
        f"no connectome data found (looked in {', '.join(str(p) for p in candidates)})",
        key=ENV_VAR,
        fix="reinstall neuroengram, or set NEUROENGRAM_CONNECTOMES to the repository's connectomes/ folder",
    )


@dataclass(frozen=True)
class Column:
    name: str
    kind: type = str
    choices: tuple[str, ...] | None = None
    optional: bool = False


EDGE_COLUMNS = (Column("pre"), Column("post"), Column("kind", choices=("chemical", "gap")), Column("synapses", int))
SIGN_COLUMNS = (Column("pre"), Column("post"), Column("synapses", int), Column("polarity", choices=tuple(POLARITY)))
CELL_COLUMNS = (
    Column("cell"),
    Column("is_neuron", int),
    Column("cell_class", choices=("sensory", "interneuron", "motor", "other", "muscle")),
    Column("pharyngeal", int),
    Column("transmitter", optional=True),
    Column("transmitter_alt", optional=True),
)


def read_table(filename: str, columns: tuple[Column, ...]) -> tuple[tuple, ...]:
    """Read and validate one shipped CSV; :class:`DataError` names the file and line of the first bad row."""
    return _read_csv(data_dir() / filename, columns)


@cache
def _read_csv(path: Path, columns: tuple[Column, ...]) -> tuple[tuple, ...]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            expected = [c.name for c in columns]
            if header != expected:
                raise DataError(
                    f"{path}, line 1: header {header} is not {expected}",
                    key="connectome data",
                    fix="restore the file from the repository or rerun connectomes/build.py",
                )
            rows = [_parse_row(row, columns, path, reader.line_num) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataError(
            f"{path}: cannot read ({err})",
            key="connectome data",
            fix="restore the file from the repository or rerun connectomes/build.py",
        ) from err
    return tuple(rows)


def _parse_row(row: list[str], columns: tuple[Column, ...], path: Path, line: int) -> tuple:
    def bad(what: str) -> DataError:
        return DataError(
            f"{path}, line {line}: {what}",
            key="connectome data",
            fix="the file is corrupted or truncated: restore it or rerun connectomes/build.py",
        )

    if len(row) != len(columns):
        raise bad(f"{len(row)} fields, expected {len(columns)}")
    values = []
    for column, text in zip(columns, row, strict=True):
        if not text:
            if not column.optional:
                raise bad(f"empty {column.name!r}")
            values.append(None)
        elif column.kind is int:
            try:
                number = int(text)
            except ValueError:
                raise bad(f"{column.name!r} = {text!r} is not an integer") from None
            if number < 0:
                raise bad(f"{column.name!r} = {number} is negative")
            values.append(number)
        else:
            if column.choices is not None and text not in column.choices:
                raise bad(f"{column.name!r} = {text!r} is not one of {', '.join(column.choices)}")
            values.append(text)
    return tuple(values)


def cell_table() -> dict[str, dict[str, object]]:
    """Cell name -> ``{"is_neuron", "cell_class", "pharyngeal", "transmitter", "transmitter_alt"}``."""
    return {
        cell: {
            "is_neuron": bool(neuron),
            "cell_class": cls,
            "pharyngeal": bool(phar),
            "transmitter": nt or "",
            "transmitter_alt": alt or "",
        }
        for cell, neuron, cls, phar, nt, alt in read_table(CELLS_FILE, CELL_COLUMNS)
    }


def fenyves_polarity() -> dict[tuple[str, str], str]:
    """(pre, post) -> Fenyves et al. 2020 predicted polarity (``+``, ``-``, ``complex``, ``no pred``)."""
    return {(pre, post): pol for pre, post, _, pol in read_table(SIGNS_FILE, SIGN_COLUMNS)}


def _edge_rows(dataset: str) -> tuple[tuple, ...]:
    """(pre, post, kind, synapses) rows of a dataset."""
    if dataset == "fenyves2020":
        return tuple((pre, post, "chemical", count) for pre, post, count, _ in read_table(SIGNS_FILE, SIGN_COLUMNS))
    return read_table(DATASETS[dataset], EDGE_COLUMNS)


def _choice(value: object, choices: Iterable[object], key: str) -> None:
    choices = tuple(choices)
    if value not in choices:
        raise ConfigError(
            f"{value!r} is not a valid {key}", key=key, fix=f"use one of {', '.join(repr(c) for c in choices)}"
        )


def load_connectome(
    dataset: str = "varshney2011",
    synapses: str = "chemical",
    neurons_only: bool = True,
    min_synapses: int = 1,
    sign: str | None = None,
    *,
    glutamate_sign: int = 1,
    self_loops: bool = False,
    cells: Iterable[str] | None = None,
) -> nx.DiGraph:
    """Load a shipped connectome as a directed graph.

    Parameters
    ----------
    dataset:
        ``"varshney2011"``, ``"cook2019_herm"``, ``"witvliet2021_8"`` or ``"fenyves2020"``.
    synapses:
        ``"chemical"``, ``"gap"`` (each junction as two directed edges) or ``"both"``.
    neurons_only:
        Keep neurons only (drop muscles and other cells).
    min_synapses:
        Keep a connection only if its synapse count (Cook: EM-section count) is at least this, per kind.
    sign:
        ``None``, ``"fenyves2020"`` or ``"transmitter"`` (see the module docstring).
    glutamate_sign:
        Sign of glutamatergic synapses under ``sign="transmitter"``: +1 or -1.
    self_loops:
        Keep autapses / self-couplings (dropped by default).
    cells:
        Restrict the graph to these cell names (unknown names are a :class:`ConfigError` listing valid ones).

    Returns
    -------
    networkx.DiGraph
        Nodes: every cell of the dataset that passes the filters (also cells without a selected edge), with
        attributes ``cell_class``, ``transmitter`` (``""`` if none of ACh/Glu/GABA), ``pharyngeal``, ``is_neuron``.
        Edges: ``weight`` (synapse count; chemical + gap for ``synapses="both"``), ``sign`` (+1, -1, 0),
        ``kind`` (``"chemical"``, ``"gap"`` or ``"chemical+gap"``). Graph attributes ``dataset``, ``synapses``,
        ``sign_source``.
    """
    _choice(dataset, DATASETS, "dataset")
    _choice(synapses, SYNAPSES, "synapses")
    _choice(sign, SIGNS, "sign")
    _choice(glutamate_sign, (1, -1), "glutamate_sign")
    if not isinstance(min_synapses, int) or isinstance(min_synapses, bool) or min_synapses < 1:
        raise ConfigError(
            f"min_synapses must be an integer >= 1, got {min_synapses!r}",
            key="min_synapses",
            fix="use 1 to keep every connection",
        )

    info = cell_table()
    if dataset == "fenyves2020" and synapses != "chemical":
        raise ConfigError(
            "dataset 'fenyves2020' has chemical synapses only",
            key="synapses",
            fix="use synapses='chemical', or dataset 'cook2019_herm' for gap junctions",
        )
    edges = _edge_rows(dataset)
    names = sorted({name for pre, post, _, _ in edges for name in (pre, post)})
    unknown = [n for n in names if n not in info]
    if unknown:
        raise DataError(
            f"{DATASETS[dataset]} names cells missing from {CELLS_FILE}: {unknown[:5]}",
            key="connectome data",
            fix="rerun connectomes/build.py",
        )
    keep = {n for n in names if info[n]["is_neuron"] or not neurons_only}
    if cells is not None:
        wanted = list(cells)
        for name in wanted:
            if name not in keep:
                close = difflib.get_close_matches(name, sorted(keep), n=3)
                hint = f"did you mean {', '.join(close)}? " if close else ""
                raise ConfigError(
                    f"{name!r} is not a {'neuron' if neurons_only else 'cell'} of {dataset}",
                    key="cells",
                    fix=f"{hint}valid names ({len(keep)}): {', '.join(sorted(keep))}",
                )
        keep = set(wanted)

    if sign == "fenyves2020":
        polarity = fenyves_polarity()

        def sign_of(pre: str, post: str) -> int:
            return POLARITY[polarity.get((pre, post), "no pred")]
    elif sign == "transmitter":
        table = {**TRANSMITTER_SIGN, "Glu": glutamate_sign}

        def sign_of(pre: str, post: str) -> int:
            return table.get(str(info[pre]["transmitter"]), 0)
    else:

        def sign_of(pre: str, post: str) -> int:
            return 0

    graph = nx.DiGraph(dataset=dataset, synapses=synapses, sign_source=sign or "none")
    graph.add_nodes_from((n, info[n]) for n in sorted(keep))
    dropped = {"other cells": 0, "self-loops": 0, f"below {min_synapses} synapses": 0, "other kind": 0}
    for pre, post, kind, count in edges:
        if synapses != "both" and kind != synapses:
            dropped["other kind"] += 1
        elif pre not in keep or post not in keep:
            dropped["other cells"] += 1
        elif pre == post and not self_loops:
            dropped["self-loops"] += 1
        elif count < min_synapses:
            dropped[f"below {min_synapses} synapses"] += 1
        elif kind == "chemical":
            _add(graph, pre, post, kind, count, sign_of(pre, post))
        else:
            _add(graph, pre, post, kind, count, 0)
            if pre != post:
                _add(graph, post, pre, kind, count, 0)
    log.info(
        "%s: kept %d edges on %d nodes; rows dropped: %s",
        dataset,
        graph.number_of_edges(),
        graph.number_of_nodes(),
        ", ".join(f"{n} {what}" for what, n in dropped.items() if what != "other kind"),
    )
    return graph


def _add(graph: nx.DiGraph, pre: str, post: str, kind: str, count: int, sign: int) -> None:
    if graph.has_edge(pre, post):  # a chemical synapse and a gap junction between the same pair
        data = graph[pre][post]
        data["weight"] += count
        data["kind"] = "chemical+gap"
        data["sign"] = data["sign"] or sign
    else:
        graph.add_edge(pre, post, weight=count, sign=sign, kind=kind)


def graph_from_weights(pre: np.ndarray, post: np.ndarray, weight: np.ndarray, n_neurons: int) -> nx.DiGraph:
    """A signed DiGraph from a simulated network's synapse arrays (``spiking/weights.npz`` format).

    Nodes are ``0 .. n_neurons - 1``; duplicate (pre, post) synapses are merged (weights added); ``sign`` is the
    sign of the weight (Dale's law: negative = inhibitory); ``kind="chemical"``; self-loops are dropped.
    """
    pre, post, weight = (np.asarray(x).ravel() for x in (pre, post, weight))
    if not (pre.shape == post.shape == weight.shape):
        raise DataError(
            f"pre, post and weight differ in length ({pre.size}, {post.size}, {weight.size})",
            key="weights",
            fix="pass the arrays of one weights.npz",
        )
    if pre.size and (min(pre.min(), post.min()) < 0 or max(pre.max(), post.max()) >= n_neurons):
        raise DataError(
            f"neuron indices outside 0..{n_neurons - 1}",
            key="weights",
            fix="n_neurons must exceed every index in pre and post",
        )
    graph = nx.DiGraph(dataset="simulation", synapses="chemical", sign_source="weights")
    graph.add_nodes_from(range(int(n_neurons)))
    for i, j, w in zip(pre.tolist(), post.tolist(), weight.tolist(), strict=True):
        if i == j:
            continue
        if graph.has_edge(i, j):
            graph[i][j]["weight"] += w
            graph[i][j]["sign"] = int(np.sign(graph[i][j]["weight"]))
        else:
            graph.add_edge(i, j, weight=w, sign=int(np.sign(w)), kind="chemical")
    return graph
