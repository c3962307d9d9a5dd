"""The shipped connectomes reproduce the published counts; bad input gives errors naming the key and the fix."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections import Counter

import networkx as nx
import pytest

from neuroengram.connectome import loader
from neuroengram.connectome.loader import DATASETS, data_dir, graph_from_weights, load_connectome
from neuroengram.errors import ConfigError, DataError


def mutual_pairs(G: nx.DiGraph) -> int:
    return sum(G.has_edge(v, u) for u, v in G.edges) // 2


def test_varshney_chemical_counts() -> None:
    G = load_connectome("varshney2011")
    assert G.number_of_nodes() == 279
    assert G.number_of_edges() == 2194
    assert G.size(weight="weight") == 6394
    assert mutual_pairs(G) == 233
    assert {kind for *_, kind in G.edges(data="kind")} == {"chemical"}


def test_varshney_gap_junctions() -> None:
    gap = load_connectome("varshney2011", "gap")
    assert gap.number_of_edges() == 2 * 514  # each junction as two directed edges
    assert mutual_pairs(gap) == 514
    with_self = load_connectome("varshney2011", "gap", self_loops=True)
    assert sorted(u for u, v in nx.selfloop_edges(with_self)) == ["RIBL", "RIBR", "VA8"]
    contacts = sum(w for u, v, w in with_self.edges(data="weight") if u <= v)
    assert contacts == 890


def test_both_merges_chemical_and_gap() -> None:
    both = load_connectome("varshney2011", "both")
    chem, gap = load_connectome("varshney2011"), load_connectome("varshney2011", "gap")
    assert set(both.edges) == set(chem.edges) | set(gap.edges)
    kinds = Counter(kind for *_, kind in both.edges(data="kind"))
    assert kinds["chemical+gap"] == len(set(chem.edges) & set(gap.edges))


def test_cook2019_counts_and_cells() -> None:
    G = load_connectome("cook2019_herm", self_loops=True)
    assert G.number_of_nodes() == 302
    assert G.number_of_edges() == 3709
    assert nx.number_of_selfloops(G) == 38
    assert load_connectome("cook2019_herm").number_of_edges() == 3709 - 38
    classes = Counter(G.nodes[n]["cell_class"] for n in G)
    assert classes == {"motor": 126, "interneuron": 89, "sensory": 85, "other": 2}
    assert [G.nodes[n]["transmitter"] for n in ("AVAL", "ASHL", "DD1", "ADEL")] == ["ACh", "Glu", "GABA", ""]
    everything = load_connectome("cook2019_herm", neurons_only=False)
    assert everything.number_of_nodes() == 473
    assert any(everything.nodes[n]["cell_class"] == "muscle" for n in everything)


def test_witvliet_adult_nerve_ring() -> None:
    G = load_connectome("witvliet2021_8")
    assert (G.number_of_nodes(), G.number_of_edges()) == (180, 1933)


def test_fenyves_polarity_counts() -> None:
    polarity = Counter(loader.fenyves_polarity().values())
    assert polarity == {"+": 1327, "-": 425, "complex": 471, "no pred": 1415}
    G = load_connectome("fenyves2020", sign="fenyves2020", self_loops=True)
    assert G.number_of_edges() == 3638 and G.number_of_nodes() == 297
    assert G.size(weight="weight") == 20589
    signs = Counter(s for *_, s in G.edges(data="sign"))
    assert signs == {1: 1327, -1: 425, 0: 471 + 1415}


def test_transmitter_sign_rule() -> None:
    G = load_connectome("varshney2011", sign="transmitter")
    for u, _v, s in G.edges(data="sign"):
        assert s == {"ACh": 1, "Glu": 1, "GABA": -1}.get(G.nodes[u]["transmitter"], 0)
    flipped = load_connectome("varshney2011", sign="transmitter", glutamate_sign=-1)
    glu = [(u, v) for u, v in G.edges if G.nodes[u]["transmitter"] == "Glu"]
    assert glu and all(flipped[u][v]["sign"] == -1 for u, v in glu)


def test_min_synapses_threshold_and_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="neuroengram.connectome"):
        G = load_connectome("varshney2011", min_synapses=3)
    assert all(w >= 3 for *_, w in G.edges(data="weight"))
    kept = G.number_of_edges()
    assert f"kept {kept} edges" in caplog.text and f"{2194 - kept} below 3 synapses" in caplog.text


@pytest.mark.parametrize(
    ("kwargs", "key", "valid"),
    [
        ({"dataset": "varshney"}, "dataset", "'varshney2011'"),
        ({"synapses": "electrical"}, "synapses", "'gap'"),
        ({"sign": "dale"}, "sign", "'fenyves2020'"),
        ({"min_synapses": 0}, "min_synapses", "1"),
        ({"dataset": "fenyves2020", "synapses": "gap"}, "synapses", "chemical"),
    ],
)
def test_bad_arguments_name_the_key(kwargs: dict, key: str, valid: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_connectome(**kwargs)
    assert err.value.key == key and valid in str(err.value)


def test_unknown_neuron_lists_valid_names() -> None:
    G = load_connectome("varshney2011", cells=["AVAL", "AVAR", "AVBL"])
    assert set(G) == {"AVAL", "AVAR", "AVBL"}
    with pytest.raises(ConfigError, match="did you mean AVAL") as err:
        load_connectome("varshney2011", cells=["AVA_L"])
    assert err.value.key == "cells" and "PVQR" in str(err.value)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda lines: [*lines[:500], lines[500].split(",")[0]], "line 501: 1 fields"),
        (lambda lines: [*lines[:9], "ADAL,ADAR,chemical,x", *lines[10:]], "line 10: 'synapses' = 'x'"),
        (lambda lines: [*lines[:4], "ADAL,ADAR,spooky,2", *lines[5:]], "line 5: 'kind' = 'spooky'"),
        (lambda lines: ["pre;post", *lines[1:]], "line 1: header"),
    ],
)
def test_corrupted_csv_names_file_and_line(tmp_path, monkeypatch, damage, message) -> None:
    for path in data_dir().glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    lines = (tmp_path / "varshney2011.csv").read_text().splitlines()
    (tmp_path / "varshney2011.csv").write_text("\n".join(damage(lines)) + "\n")
    monkeypatch.setenv(loader.ENV_VAR, str(tmp_path))
    with pytest.raises(DataError, match=re.escape(message)) as err:
        load_connectome("varshney2011")
    assert "varshney2011.csv" in str(err.value)


def test_readme_checksums_match_files() -> None:
    readme = (data_dir() / "README.md").read_text()
    listed = dict(re.findall(r"\| `([\w.]+\.csv)` \| \d+ \| `([0-9a-f]{64})` \|", readme))
    assert set(listed) == {*DATASETS.values(), loader.CELLS_FILE}
    for name, digest in listed.items():
        assert hashlib.sha256((data_dir() / name).read_bytes()).hexdigest() == digest, name


def test_graph_from_weights_uses_weight_sign() -> None:
    G = graph_from_weights([0, 1, 2, 2], [1, 2, 0, 2], [0.5, -1.0, 0.2, 3.0], 4)
    assert set(G.edges) == {(0, 1), (1, 2), (2, 0)} and G.number_of_nodes() == 4
    assert G[1][2]["sign"] == -1 and G[0][1]["sign"] == 1
    with pytest.raises(DataError, match="outside"):
        graph_from_weights([0], [5], [1.0], 4)
