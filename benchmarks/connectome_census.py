"""Benchmark: 1000 null samples of the triad census on Varshney 2011, mutual edges conserved.

Claim (issue 4): <= 30 s on 2 cores and >= 15x faster than a networkx-only reference (``directed_edge_swap`` +
``triadic_census``) timed in the same run. The reference gets ``nswap = E`` swaps per sample (a tenth of ours,
which favours it) and is timed on ``--reference-samples`` samples, reported per sample.

Run: ``OMP_NUM_THREADS=1 nice -n 10 python benchmarks/connectome_census.py``
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np

from neuroengram.connectome import load_connectome, null_counts
from neuroengram.connectome.motifs import TRIAD_NAMES


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--reference-samples", type=int, default=10)
    args = parser.parse_args()
    G = load_connectome("varshney2011")
    null_counts(G, ["ffl"], "mutual", n_samples=2, seed=0)  # compile (numba) outside the timing

    start = time.perf_counter()
    real, samples = null_counts(G, TRIAD_NAMES, "mutual", n_samples=args.samples, swaps_per_edge=10, seed=1)
    ours = time.perf_counter() - start

    rng = np.random.default_rng(2)
    start = time.perf_counter()
    for _ in range(args.reference_samples):
        H = nx.directed_edge_swap(
            G.copy(), nswap=G.number_of_edges(), max_tries=100 * G.number_of_edges(), seed=int(rng.integers(2**31))
        )
        nx.triadic_census(H)
    reference = (time.perf_counter() - start) / args.reference_samples

    ffl = TRIAD_NAMES.index("030T")
    per_sample = ours / args.samples
    print(
        f"ours: {args.samples} mutual-null samples (10 swaps/edge) + 16-class census: {ours:.2f} s "
        f"({1000 * per_sample:.2f} ms/sample); FFL {real[ffl]} vs {samples[:, ffl].mean():.1f} +- "
        f"{samples[:, ffl].std(ddof=1):.1f}"
    )
    print(
        f"networkx reference (directed_edge_swap nswap=E + triadic_census): {1000 * reference:.1f} ms/sample "
        f"over {args.reference_samples} samples -> {reference * args.samples:.0f} s for {args.samples}"
    )
    print(f"speed-up: {reference / per_sample:.1f}x")


if __name__ == "__main__":
    main()
