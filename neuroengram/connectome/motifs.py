"""Network motifs of directed (optionally signed) graphs and their significance against null models.

Counts (all on the simple directed graph: self-loops ignored, multi-edges impossible):

- **Triad census**: the 16 isomorphism classes of 3-node induced subgraphs in networkx's naming (``"003"`` ...
  ``"300"``; ``"030T"`` is the feed-forward loop, FFL), by the Batagelj & Mrvar (2001) algorithm.
- **bi-fan** (a->c, a->d, b->c, b->d) and **bi-parallel** (a->b, a->c, b->d, c->d): induced 4-node counts as in
  Milo et al. 2002 (Science 298:824) and mfinder / igraph ``motifs_randesu``.
- **XOR** (de Lucas et al., arXiv:2406.09940): 6 nodes, excitatory 1->2, 1->6, 3->4, 3->6, 2->5, 4->5 and
  inhibitory 6->2, 6->4; non-induced, each copy counted once (the automorphism (1 3)(2 4) divided out).
  ``"xor_induced"``: the copies whose 6 nodes carry no other signed edge (edges of sign 0 are ignored).
- **lateral inhibition**: excitatory e1->i, e2->i and inhibitory i->e1, i->e2 (a shared inhibitory interneuron
  feeding back onto two excitatory inputs); non-induced, the swap e1 <-> e2 divided out. This is one of two
  readings of the term in de Lucas et al. (who give no machine-readable definition).

Signed motifs read the edge attribute ``sign`` (+1 excitatory, -1 inhibitory, 0 unknown: ignored).

Null models (randomised graphs, each from ``swaps_per_edge * E`` switch attempts, Milo et al. 2002/2004):

- ``"mutual"``: in/out degrees and every node's number of mutual (reciprocal) partners preserved, by switching
  one-way edges only with one-way edges (never creating a new mutual pair) and mutual pairs with mutual pairs;
  mfinder's default (Milo et al. 2002: each node keeps its numbers of incoming, outgoing and mutual edges).
- ``"degree"``: in/out degrees preserved, mutual pairs not (plain directed edge switching).
- ``"sign"``: in/out degrees preserved within each sign layer (+1, -1, 0 switched separately); for signed motifs.

Statistics per motif: N_real, null mean and SD, Z = (N_real - mean) / SD, fold = N_real / mean, and the empirical
one-sided p-value (1 + #{null >= N_real}) / (1 + samples) (``<=`` when Z < 0). The triad significance profile
(Milo et al. 2004, Science 303:1538) is the vector of Z-scores of the 13 connected triads divided by its norm.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import networkx as nx
import numpy as np
import pandas as pd
from networkx.algorithms.triads import TRIAD_NAMES, TRICODE_TO_NAME

from neuroengram.connectome import _kernels
from neuroengram.errors import ConfigError, DataError

CONNECTED_TRIADS: tuple[str, ...] = TRIAD_NAMES[3:]
"""The 13 connected triad classes (all but 003, 012, 102), in networkx order."""
NULL_MODELS = ("mutual", "degree", "sign")
_CODE_TO_CLASS = np.array([TRIAD_NAMES.index(TRICODE_TO_NAME[code]) for code in range(64)], dtype=np.int64)


def adjacency(G: nx.DiGraph, nodelist: Sequence | None = None) -> np.ndarray:
    """The (n, n) ``uint8`` 0/1 adjacency matrix (row = source) without self-loops."""
    if not G.is_directed():
        raise DataError("motif statistics need a directed graph", key="G", fix="pass a networkx.DiGraph")
    A = nx.to_numpy_array(G, nodelist=nodelist, weight=None, dtype=np.uint8)
    np.fill_diagonal(A, 0)
    return A


def signed_adjacency(G: nx.DiGraph, nodelist: Sequence | None = None) -> np.ndarray:
    """The (n, n) ``int8`` matrix of edge signs (+1, -1; 0 for no edge, no ``sign`` attribute or sign 0).

    Self-loops are left out. Memory is O(n^2): fine for connectomes and networks of a few thousand nodes.
    """
    if not G.is_directed():
        raise DataError("motif statistics need a directed graph", key="G", fix="pass a networkx.DiGraph")
    nodes = list(G) if nodelist is None else list(nodelist)
    index = {node: k for k, node in enumerate(nodes)}
    S = np.zeros((len(nodes), len(nodes)), dtype=np.int8)
    for u, v, sign in G.edges(data="sign", default=0):
        if u != v and u in index and v in index:
            S[index[u], index[v]] = np.sign(sign)
    return S


def _census_array(A: np.ndarray) -> np.ndarray:
    return _kernels.triad_census(A, _CODE_TO_CLASS)


def triad_census(G: nx.DiGraph) -> dict[str, int]:
    """Induced triad census: triad class name -> count (same result as :func:`networkx.triadic_census`)."""
    return dict(zip(TRIAD_NAMES, _census_array(adjacency(G)).tolist(), strict=True))


def _lateral_inhibition(S: np.ndarray) -> int:
    shared = ((S.T == 1) & (S == -1)).sum(axis=1).astype(np.int64)  # per hub i: #{e: e->i is +, i->e is -}
    return int((shared * (shared - 1) // 2).sum())


def _xor(S: np.ndarray) -> int:
    return int(_kernels.xor_motif((S == 1).astype(np.uint8), (S == -1).astype(np.uint8)))


def _xor_induced(S: np.ndarray) -> int:
    return int(_kernels.xor_motif_induced((S == 1).astype(np.uint8), (S == -1).astype(np.uint8)))


_UNSIGNED: dict[str, Callable[[np.ndarray], int]] = {
    "bifan": lambda A: int(_kernels.bifan(A)),
    "biparallel": lambda A: int(_kernels.biparallel(A)),
}
_SIGNED: dict[str, Callable[[np.ndarray], int]] = {
    "xor": _xor,
    "xor_induced": _xor_induced,
    "lateral_inhibition": _lateral_inhibition,
}
MOTIFS: tuple[str, ...] = (*TRIAD_NAMES, "ffl", *_UNSIGNED, *_SIGNED)
"""Motif names accepted by :func:`count_motifs` and :func:`motif_significance` (``"ffl"`` = ``"030T"``)."""


def _check_motifs(motifs: Iterable[str]) -> list[str]:
    motifs = list(motifs)
    for name in motifs:
        if name not in MOTIFS:
            raise ConfigError(f"unknown motif {name!r}", key="motifs", fix=f"use some of {', '.join(MOTIFS)}")
    if not motifs:
        raise ConfigError("no motif given", key="motifs", fix=f"use some of {', '.join(MOTIFS)}")
    return motifs


def _count(A: np.ndarray, S: np.ndarray, motifs: list[str]) -> np.ndarray:
    counts = np.zeros(len(motifs), dtype=np.int64)
    census = None
    for k, name in enumerate(motifs):
        if name in TRIAD_NAMES or name == "ffl":
            census = _census_array(A) if census is None else census
            counts[k] = census[TRIAD_NAMES.index("030T" if name == "ffl" else name)]
        elif name in _UNSIGNED:
            counts[k] = _UNSIGNED[name](A)
        else:
            counts[k] = _SIGNED[name](S)
    return counts


def count_motifs(G: nx.DiGraph, motifs: Iterable[str] = ("ffl", "bifan", "biparallel")) -> dict[str, int]:
    """Counts of the named motifs in ``G`` (see the module docstring for the definitions)."""
    motifs = _check_motifs(motifs)
    nodes = list(G)
    A = adjacency(G, nodes)
    S = signed_adjacency(G, nodes) if any(m in _SIGNED for m in motifs) else np.zeros_like(A, dtype=np.int8)
    return dict(zip(motifs, _count(A, S, motifs).tolist(), strict=True))


class _Randomiser:
    """Draws null-model matrices (A, S) from a real graph's matrices with a numpy Generator."""

    def __init__(self, A: np.ndarray, S: np.ndarray, null: str, swaps_per_edge: float) -> None:
        if null not in NULL_MODELS:
            raise ConfigError(f"unknown null model {null!r}", key="null", fix=f"use one of {', '.join(NULL_MODELS)}")
        if not swaps_per_edge > 0:
            raise ConfigError(
                f"swaps_per_edge must be > 0, got {swaps_per_edge}",
                key="swaps_per_edge",
                fix="use 10 (enough for mixing on the worm connectome)",
            )
        self.A, self.S, self.null, self.q = A, S, null, swaps_per_edge
        src, dst = np.nonzero(A)
        if null == "mutual":
            mutual = A[dst, src] != 0
            once = mutual & (src < dst)
            self.layers = [(src[~mutual], dst[~mutual], "directed"), (src[once], dst[once], "mutual")]
        elif null == "degree":
            self.layers = [(src, dst, "directed")]
        else:
            sign = S[src, dst]
            self.layers = [(src[sign == s], dst[sign == s], "directed") for s in (1, -1, 0)]

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        A = self.A.copy()
        signs = []
        for src, dst, kind in self.layers:
            m = len(src)
            src, dst = src.copy(), dst.copy()
            if m >= 2:
                trials = round(self.q * m)
                picks = rng.integers(0, m, size=(trials, 2))
                if kind == "mutual":
                    _kernels.switch_mutual(A, src, dst, picks, rng.integers(0, 2, size=trials).astype(np.bool_))
                else:
                    _kernels.switch_directed(A, src, dst, picks, self.null == "mutual")
            signs.append((src, dst))
        S = np.zeros_like(self.S)
        if self.null == "sign":
            for (src, dst), s in zip(signs, (1, -1, 0), strict=True):
                S[src, dst] = s
        return A, S


def random_reference(
    G: nx.DiGraph, null: str = "mutual", swaps_per_edge: float = 10.0, seed: int | np.random.Generator | None = None
) -> nx.DiGraph:
    """One randomised copy of ``G`` under a null model (see the module docstring); self-loops are dropped.

    Edge attribute ``sign`` is kept per layer for ``null="sign"`` and dropped otherwise.
    """
    nodes = list(G)
    A, S = adjacency(G, nodes), signed_adjacency(G, nodes)
    A_null, S_null = _Randomiser(A, S, null, swaps_per_edge).sample(np.random.default_rng(seed))
    H = nx.DiGraph()
    H.add_nodes_from(G.nodes(data=True))
    src, dst = np.nonzero(A_null)
    if null == "sign":
        H.add_edges_from((nodes[i], nodes[j], {"sign": int(S_null[i, j])}) for i, j in zip(src, dst, strict=True))
    else:
        H.add_edges_from((nodes[i], nodes[j]) for i, j in zip(src, dst, strict=True))
    return H


def null_counts(
    G: nx.DiGraph,
    motifs: Iterable[str],
    null: str = "mutual",
    n_samples: int = 100,
    swaps_per_edge: float = 10.0,
    seed: int | np.random.Generator | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Motif counts in ``G`` and in ``n_samples`` null graphs: ``(real (k,), null (n_samples, k))``."""
    motifs = _check_motifs(motifs)
    if not isinstance(n_samples, int) or n_samples < 2:
        raise ConfigError(
            f"n_samples must be an integer >= 2, got {n_samples!r}",
            key="n_samples",
            fix="use 100 or more for a Z-score, 1000 for empirical p-values below 0.01",
        )
    signed = [m for m in motifs if m in _SIGNED]
    if signed and null != "sign":
        raise ConfigError(
            f"signed motifs {signed} need the sign-layer null model, not {null!r}",
            key="null",
            fix="use null='sign', or count signed and unsigned motifs in separate calls",
        )
    nodes = list(G)
    A, S = adjacency(G, nodes), signed_adjacency(G, nodes)
    randomiser = _Randomiser(A, S, null, swaps_per_edge)
    rng = np.random.default_rng(seed)
    real = _count(A, S, motifs)
    samples = np.empty((n_samples, len(motifs)), dtype=np.int64)
    for k in (progress or iter)(range(n_samples)):
        samples[k] = _count(*randomiser.sample(rng), motifs)
    return real, samples


def significance_table(motifs: Sequence[str], real: np.ndarray, samples: np.ndarray) -> pd.DataFrame:
    """Per motif: ``n_real, null_mean, null_sd, z, fold, p_value`` from real counts and null samples.

    Z is NaN where the null SD is 0; fold is NaN where the null mean is 0.
    """
    mean = samples.mean(axis=0)
    sd = samples.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, (real - mean) / np.where(sd > 0, sd, 1), np.nan)
        fold = np.where(mean > 0, real / np.where(mean > 0, mean, 1), np.nan)
    over = (samples >= real).sum(axis=0)
    under = (samples <= real).sum(axis=0)
    p = (1 + np.where(np.nan_to_num(z) >= 0, over, under)) / (1 + len(samples))
    return pd.DataFrame(
        {"n_real": real, "null_mean": mean, "null_sd": sd, "z": z, "fold": fold, "p_value": p},
        index=pd.Index(list(motifs), name="motif"),
    )


def motif_significance(
    G: nx.DiGraph,
    motifs: Iterable[str] = ("ffl", "bifan", "biparallel"),
    null: str = "mutual",
    n_samples: int = 100,
    swaps_per_edge: float = 10.0,
    seed: int | np.random.Generator | None = None,
    progress: Callable[[Iterable[int]], Iterable[int]] | None = None,
) -> pd.DataFrame:
    """Motif counts of ``G`` against ``n_samples`` null graphs; a table as in :func:`significance_table`."""
    motifs = _check_motifs(motifs)
    real, samples = null_counts(G, motifs, null, n_samples, swaps_per_edge, seed, progress)
    return significance_table(motifs, real, samples)


def significance_profile(z: Sequence[float] | np.ndarray) -> np.ndarray:
    """Milo et al. 2004 significance profile: Z-scores divided by their Euclidean norm (NaN Z counted as 0)."""
    z = np.nan_to_num(np.asarray(z, dtype=float))
    norm = np.linalg.norm(z)
    return z / norm if norm > 0 else z
