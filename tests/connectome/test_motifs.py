"""Motif counts reproduce the published numbers; null models keep what they promise; Z-scores as in the brief."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from neuroengram.connectome import (
    CONNECTED_TRIADS,
    count_motifs,
    load_connectome,
    motif_significance,
    null_counts,
    random_reference,
    significance_profile,
    triad_census,
)
from neuroengram.errors import ConfigError

VARSHNEY_CENSUS = {
    "003": 3077866,
    "012": 409609,
    "102": 55878,
    "021D": 7118,
    "021U": 8478,
    "021C": 12279,
    "111D": 3134,
    "111U": 3200,
    "030T": 1453,
    "030C": 65,
    "201": 359,
    "120D": 385,
    "120U": 552,
    "120C": 180,
    "210": 175,
    "300": 48,
}


@pytest.fixture(scope="module")
def varshney() -> nx.DiGraph:
    return load_connectome("varshney2011")


@pytest.fixture(scope="module")
def fenyves() -> nx.DiGraph:
    return load_connectome("fenyves2020", sign="fenyves2020")


def test_varshney_triad_census_exact(varshney: nx.DiGraph) -> None:
    assert triad_census(varshney) == VARSHNEY_CENSUS


def test_census_matches_networkx_on_random_graphs() -> None:
    for seed in range(3):
        G = nx.gnp_random_graph(40, 0.15, seed=seed, directed=True)
        assert triad_census(G) == nx.triadic_census(G)


def test_four_node_counts_varshney(varshney: nx.DiGraph) -> None:
    assert count_motifs(varshney, ["ffl", "bifan", "biparallel"]) == {"ffl": 1453, "bifan": 2274, "biparallel": 2253}


def test_four_node_counts_by_brute_force() -> None:
    G = nx.gnp_random_graph(12, 0.25, seed=3, directed=True)
    bifan = nx.DiGraph([("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")])
    bipar = nx.DiGraph([("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")])
    want = {}
    for name, motif in (("bifan", bifan), ("biparallel", bipar)):
        matcher = nx.algorithms.isomorphism.DiGraphMatcher(G, motif)
        node_sets = {frozenset(m) for m in matcher.subgraph_isomorphisms_iter()}  # induced
        want[name] = len(node_sets)
    assert count_motifs(G, ["bifan", "biparallel"]) == want


@pytest.mark.parametrize(("seed", "p_background"), [(4, 0.02), (5, 0.04)])
def test_signed_motifs_by_brute_force(seed: int, p_background: float) -> None:
    """Planted XOR and lateral-inhibition copies in a random signed background, counted against networkx."""
    rng = np.random.default_rng(seed)
    G = nx.DiGraph()
    for u, v in nx.gnp_random_graph(40, p_background, seed=seed, directed=True).edges:
        G.add_edge(u, v, sign=int(rng.choice([1, 1, 1, -1, 0])))
    nodes = rng.permutation(40).tolist()
    for k in range(4):
        n1, n2, n3, n4, n5, n6 = nodes[6 * k : 6 * k + 6]
        G.add_edges_from([(n1, n2), (n1, n6), (n3, n4), (n3, n6), (n2, n5), (n4, n5)], sign=1)
        G.add_edges_from([(n6, n2), (n6, n4)], sign=-1)
        e1, e2, i = nodes[24 + 3 * k : 27 + 3 * k]
        G.add_edges_from([(e1, i), (e2, i)], sign=1)
        G.add_edges_from([(i, e1), (i, e2)], sign=-1)
    signed = G.edge_subgraph([(u, v) for u, v, s in G.edges(data="sign") if s != 0])
    xor = nx.DiGraph()
    xor.add_edges_from([(1, 2), (1, 6), (3, 4), (3, 6), (2, 5), (4, 5)], sign=1)
    xor.add_edges_from([(6, 2), (6, 4)], sign=-1)
    lateral = nx.DiGraph()
    lateral.add_edges_from([("e1", "i"), ("e2", "i")], sign=1)
    lateral.add_edges_from([("i", "e1"), ("i", "e2")], sign=-1)

    def copies(motif: nx.DiGraph, induced: bool) -> int:
        matcher = nx.algorithms.isomorphism.DiGraphMatcher(
            signed, motif, edge_match=lambda a, b: a["sign"] == b["sign"]
        )
        embeddings = matcher.subgraph_isomorphisms_iter() if induced else matcher.subgraph_monomorphisms_iter()
        return sum(1 for _ in embeddings) // 2  # both motifs have 2 automorphisms

    want = {"xor": copies(xor, False), "xor_induced": copies(xor, True), "lateral_inhibition": copies(lateral, False)}
    assert want["xor"] > want["xor_induced"] > 0 and want["lateral_inhibition"] > 0
    assert count_motifs(G, list(want)) == want


@pytest.mark.parametrize("null", ["mutual", "degree", "sign"])
def test_null_models_keep_their_invariants(varshney: nx.DiGraph, null: str) -> None:
    G = load_connectome("varshney2011", sign="fenyves2020")
    H = random_reference(G, null, seed=1)
    assert dict(H.in_degree()) == dict(G.in_degree()) and dict(H.out_degree()) == dict(G.out_degree())
    assert nx.number_of_selfloops(H) == 0
    changed = len(set(G.edges) - set(H.edges)) / G.number_of_edges()
    assert changed > 0.5  # well mixed after 10 switches per edge
    mutual = sum(H.has_edge(v, u) for u, v in H.edges) // 2
    if null == "mutual":
        assert mutual == 233
        partners = {n: sum(H.has_edge(m, n) for m in H.successors(n)) for n in H}
        assert partners == {n: sum(G.has_edge(m, n) for m in G.successors(n)) for n in G}
    if null == "degree":
        assert mutual < 150  # plain switching destroys reciprocity (brief: 63-84)
    if null == "sign":
        for s in (1, -1):
            layer = G.edge_subgraph([(u, v) for u, v, x in G.edges(data="sign") if x == s])
            rand = H.edge_subgraph([(u, v) for u, v, x in H.edges(data="sign") if x == s])
            assert dict(rand.in_degree()) == dict(layer.in_degree())


def test_ffl_z_depends_on_the_null_model(varshney: nx.DiGraph) -> None:
    """Brief: FFL Z about 15 with mutual edges conserved, about 2 without (degree-only)."""
    mutual = motif_significance(varshney, ["ffl"], "mutual", n_samples=200, seed=0).loc["ffl"]
    degree = motif_significance(varshney, ["ffl"], "degree", n_samples=200, seed=0).loc["ffl"]
    assert mutual.n_real == 1453
    assert 830 < mutual.null_mean < 930 and mutual.z > 12
    assert 1250 < degree.null_mean < 1370 and 0.8 < degree.z < 4
    assert mutual.p_value == pytest.approx(1 / 201)
    assert mutual.fold == pytest.approx(1453 / mutual.null_mean)


def test_bifan_biparallel_under_both_nulls(varshney: nx.DiGraph) -> None:
    """Brief: over-represented (bi-parallel Z ~ 4) with mutual edges kept, under-represented without."""
    mutual = motif_significance(varshney, ["bifan", "biparallel"], "mutual", n_samples=40, seed=2)
    degree = motif_significance(varshney, ["bifan", "biparallel"], "degree", n_samples=20, seed=2)
    assert mutual.z["biparallel"] > 2 and mutual.null_mean["bifan"] < 2274
    assert (degree.z < -2).all()


def test_xor_on_fenyves_signed_cook2019(fenyves: nx.DiGraph) -> None:
    """Brief: 1049 XOR copies against 49 +- 35 in sign-layer-preserving nulls (Z ~ 28, 21x)."""
    table = motif_significance(fenyves, ["xor", "lateral_inhibition"], "sign", n_samples=100, seed=3)
    xor = table.loc["xor"]
    assert xor.n_real == 1049
    assert count_motifs(fenyves, ["xor_induced"]) == {"xor_induced": 0}  # brief: no induced copy
    assert 25 < xor.null_mean < 80 and 15 < xor.null_sd < 60
    assert xor.z > 15 and xor.fold > 12 and xor.p_value == pytest.approx(1 / 101)
    assert table.loc["lateral_inhibition"].n_real == 25 and table.loc["lateral_inhibition"].z > 5


def test_null_counts_reproducible_with_seed(varshney: nx.DiGraph) -> None:
    a = null_counts(varshney, ["ffl", "300"], "mutual", n_samples=5, seed=9)[1]
    b = null_counts(varshney, ["ffl", "300"], "mutual", n_samples=5, seed=9)[1]
    c = null_counts(varshney, ["ffl", "300"], "mutual", n_samples=5, seed=10)[1]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_significance_profile_is_unit_vector(varshney: nx.DiGraph) -> None:
    table = motif_significance(varshney, CONNECTED_TRIADS, "mutual", n_samples=20, seed=0)
    profile = significance_profile(table.z)
    assert profile.shape == (13,) and np.linalg.norm(profile) == pytest.approx(1)
    assert profile[CONNECTED_TRIADS.index("030T")] > 0


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"motifs": ["ffl", "square"]}, "motifs"),
        ({"null": "erdos"}, "null"),
        ({"n_samples": 1}, "n_samples"),
        ({"motifs": ["xor"], "null": "mutual"}, "null"),
        ({"swaps_per_edge": 0}, "swaps_per_edge"),
    ],
)
def test_bad_arguments(varshney: nx.DiGraph, kwargs: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        motif_significance(varshney, **{"motifs": ["ffl"], **kwargs})
    assert err.value.key == key and err.value.fix


def test_edges_without_sign_count_as_unknown() -> None:
    G = nx.DiGraph()
    G.add_edges_from([("e1", "i"), ("e2", "i")], sign=1)
    G.add_edges_from([("i", "e1"), ("i", "e2")], sign=-1)
    assert count_motifs(G, ["lateral_inhibition"]) == {"lateral_inhibition": 1}
    unsigned = nx.DiGraph(G.edges)
    assert count_motifs(unsigned, ["lateral_inhibition", "xor"]) == {"lateral_inhibition": 0, "xor": 0}


def test_xor_with_the_presynaptic_transmitter_rule() -> None:
    """Brief: ACh/Glu -> +, GABA -> - on the same edges gives 2900 + / 241 - edges and 87093 XOR copies."""
    G = load_connectome("fenyves2020", sign="transmitter")
    signs = [s for *_, s in G.edges(data="sign")]
    assert (signs.count(1), signs.count(-1)) == (2900, 241)
    assert count_motifs(G, ["xor", "xor_induced"]) == {"xor": 87093, "xor_induced": 2}
