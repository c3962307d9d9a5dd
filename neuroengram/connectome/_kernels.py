"""Compiled (numba) inner loops of motif counting and edge switching, on dense 0/1 adjacency matrices.

All functions take ``A`` as a ``uint8`` (n, n) matrix with ``A[i, j] = 1`` for an edge i -> j and no self-loops.
They are private: the public, documented functions live in :mod:`neuroengram.connectome.motifs`.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def triad_census(A: np.ndarray, code_to_class: np.ndarray) -> np.ndarray:
    """Batagelj & Mrvar (2001) census: counts of the 16 triad classes (networkx's order), O(m * n) with dense rows."""
    n = A.shape[0]
    census = np.zeros(16, dtype=np.int64)
    for v in range(n):
        for u in range(v + 1, n):
            if A[v, u] == 0 and A[u, v] == 0:
                continue
            size = 0
            for w in range(n):
                if w == u or w == v:
                    continue
                in_v = A[v, w] != 0 or A[w, v] != 0
                in_u = A[u, w] != 0 or A[w, u] != 0
                if not (in_v or in_u):
                    continue
                size += 1
                # count each connected triad once: from its smallest dyad (v, u) in the Batagelj-Mrvar order
                if u < w or (v < w < u and not in_v):
                    code = A[v, u] + 2 * A[u, v] + 4 * A[v, w] + 8 * A[w, v] + 16 * A[u, w] + 32 * A[w, u]
                    census[code_to_class[code]] += 1
            if A[v, u] != 0 and A[u, v] != 0:
                census[2] += n - size - 2  # 102
            else:
                census[1] += n - size - 2  # 012
    total = n * (n - 1) * (n - 2) // 6
    census[0] = total - census[1:].sum()
    return census


@njit(cache=True)
def _independent_pairs(A: np.ndarray, members: np.ndarray, size: int) -> int:
    """Number of unordered pairs among ``members[:size]`` with no edge in either direction."""
    count = 0
    for i in range(size):
        x = members[i]
        for j in range(i + 1, size):
            y = members[j]
            if A[x, y] == 0 and A[y, x] == 0:
                count += 1
    return count


@njit(cache=True)
def bifan(A: np.ndarray) -> int:
    """Induced bi-fan count: a->c, a->d, b->c, b->d and no other edge among {a, b, c, d}."""
    n = A.shape[0]
    members = np.empty(n, dtype=np.int64)
    total = 0
    for a in range(n):
        for b in range(a + 1, n):
            if A[a, b] != 0 or A[b, a] != 0:
                continue
            size = 0
            for x in range(n):
                if A[a, x] != 0 and A[b, x] != 0 and A[x, a] == 0 and A[x, b] == 0:
                    members[size] = x
                    size += 1
            if size > 1:
                total += _independent_pairs(A, members, size)
    return total


@njit(cache=True)
def biparallel(A: np.ndarray) -> int:
    """Induced bi-parallel count: a->b, a->c, b->d, c->d and no other edge among {a, b, c, d}."""
    n = A.shape[0]
    members = np.empty(n, dtype=np.int64)
    total = 0
    for a in range(n):
        for d in range(n):
            if a == d or A[a, d] != 0 or A[d, a] != 0:
                continue
            size = 0
            for x in range(n):
                if A[a, x] != 0 and A[x, a] == 0 and A[x, d] != 0 and A[d, x] == 0:
                    members[size] = x
                    size += 1
            if size > 1:
                total += _independent_pairs(A, members, size)
    return total


@njit(cache=True)
def xor_motif(E: np.ndarray, inh: np.ndarray) -> int:
    """Non-induced XOR motif count (de Lucas et al.), automorphism (1 3)(2 4) divided out.

    Edges: excitatory 1->2, 1->6, 3->4, 3->6, 2->5, 4->5; inhibitory 6->2, 6->4. ``E`` and ``inh`` are the 0/1
    matrices of excitatory and inhibitory edges. For each hub 6 and unordered pair {2, 4} of its inhibitory
    targets, the distinct triples (1, 3, 5) are counted by inclusion-exclusion.
    """
    n = E.shape[0]
    total = 0
    for h in range(n):
        for r2 in range(n):
            if inh[h, r2] == 0 or r2 == h:
                continue
            for r4 in range(r2 + 1, n):
                if inh[h, r4] == 0 or r4 == h:
                    continue
                p1 = p3 = out = p13 = p1o = p3o = p13o = 0
                for x in range(n):
                    if x == h or x == r2 or x == r4:
                        continue
                    a = E[x, r2] != 0 and E[x, h] != 0
                    b = E[x, r4] != 0 and E[x, h] != 0
                    c = E[r2, x] != 0 and E[r4, x] != 0
                    p1 += a
                    p3 += b
                    out += c
                    p13 += a and b
                    p1o += a and c
                    p3o += b and c
                    p13o += a and b and c
                total += p1 * p3 * out - p13 * out - p1o * p3 - p3o * p1 + 2 * p13o
    return total


@njit(cache=True)
def switch_directed(A: np.ndarray, src: np.ndarray, dst: np.ndarray, picks: np.ndarray, keep_mutual: bool) -> int:
    """Edge switches a->b, c->d  =>  a->d, c->b on the edge list (src, dst), updating ``A`` in place.

    A switch is rejected if it would create a self-loop or an existing edge (``A`` may hold other layers too);
    with ``keep_mutual`` also if either new edge has a reverse edge (so no mutual pair is created). In- and
    out-degrees within the list are preserved. ``picks`` is (T, 2) edge indices. Returns the accepted count.
    """
    accepted = 0
    for t in range(picks.shape[0]):
        i = picks[t, 0]
        j = picks[t, 1]
        a, b, c, d = src[i], dst[i], src[j], dst[j]
        if a == c or b == d or a == d or c == b:
            continue
        if A[a, d] != 0 or A[c, b] != 0:
            continue
        if keep_mutual and (A[d, a] != 0 or A[b, c] != 0):
            continue
        A[a, b] = 0
        A[c, d] = 0
        A[a, d] = 1
        A[c, b] = 1
        dst[i] = d
        dst[j] = b
        accepted += 1
    return accepted


@njit(cache=True)
def switch_mutual(A: np.ndarray, src: np.ndarray, dst: np.ndarray, picks: np.ndarray, flips: np.ndarray) -> int:
    """Switches of mutual pairs {a, b}, {c, d}  =>  {a, d}, {c, b} (``flips`` reverses the second pair first).

    Rejected if a self-loop or any edge between a and d or between c and b would result. Preserves every node's
    number of mutual partners. Returns the accepted count.
    """
    accepted = 0
    for t in range(picks.shape[0]):
        i = picks[t, 0]
        j = picks[t, 1]
        a, b = src[i], dst[i]
        c, d = src[j], dst[j]
        if flips[t]:
            c, d = d, c
        if a == c or b == d or a == d or c == b:
            continue
        if A[a, d] != 0 or A[d, a] != 0 or A[c, b] != 0 or A[b, c] != 0:
            continue
        A[a, b] = 0
        A[b, a] = 0
        A[c, d] = 0
        A[d, c] = 0
        A[a, d] = 1
        A[d, a] = 1
        A[c, b] = 1
        A[b, c] = 1
        src[j] = c
        dst[i] = d
        dst[j] = b
        accepted += 1
    return accepted


@njit(cache=True)
def xor_motif_induced(E: np.ndarray, inh: np.ndarray) -> int:
    """Induced XOR motif count: as :func:`xor_motif`, but the 6 nodes carry no signed edge besides the motif's 8."""
    n = E.shape[0]
    S = (E != 0) | (inh != 0)
    members = np.empty((3, n), dtype=np.int64)
    total = 0
    for h in range(n):
        for r2 in range(n):
            if inh[h, r2] == 0 or r2 == h or S[r2, h]:
                continue
            for r4 in range(r2 + 1, n):
                if inh[h, r4] == 0 or r4 == h or S[r4, h] or S[r2, r4] or S[r4, r2]:
                    continue
                sizes = np.zeros(3, dtype=np.int64)
                for x in range(n):
                    if x == h or x == r2 or x == r4:
                        continue
                    if E[x, r2] and E[x, h] and not (S[r2, x] or S[h, x] or S[x, r4] or S[r4, x]):
                        members[0, sizes[0]] = x
                        sizes[0] += 1
                    if E[x, r4] and E[x, h] and not (S[r4, x] or S[h, x] or S[x, r2] or S[r2, x]):
                        members[1, sizes[1]] = x
                        sizes[1] += 1
                    if E[r2, x] and E[r4, x] and not (S[x, r2] or S[x, r4] or S[h, x] or S[x, h]):
                        members[2, sizes[2]] = x
                        sizes[2] += 1
                for ia in range(sizes[0]):
                    a = members[0, ia]
                    for ib in range(sizes[1]):
                        b = members[1, ib]
                        if a == b or S[a, b] or S[b, a]:
                            continue
                        for ic in range(sizes[2]):
                            c = members[2, ic]
                            if c != a and c != b and not (S[a, c] or S[c, a] or S[b, c] or S[c, b]):
                                total += 1
    return total
