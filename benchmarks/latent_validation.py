"""Validation of the recommended ID on skdim's 24 BenchmarkManifolds, n = 2500, seeds 0, 1, 2.

Run (once, heavy, ~15-30 min on 2 shared cores):
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/latent_validation.py --out benchmarks/latent_validation.json
Prints the per-manifold table (mean over seeds) and the goals: recommended MRE <= 8 %, coverage >= 20/24.
"""

from __future__ import annotations

import argparse
import json

from neuroengram.latent.cli import format_table
from neuroengram.latent.validation import run_validation, summarize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--n", type=int, default=2500)
    parser.add_argument("--bootstrap", type=int, default=50)
    parser.add_argument("--out", default="benchmarks/latent_validation.json")
    args = parser.parse_args()
    rows = run_validation([int(s) for s in args.seeds.split(",")], args.n, n_bootstrap=args.bootstrap, heavy=True)
    summary = summarize(rows)
    with open(args.out, "w") as fh:
        json.dump({"rows": rows, "summary": summary}, fh, indent=1)
    print(format_table(rows, summary))
    print(f"goal MRE <= 8 %: {summary['mre_id']:.2f} % -> {'met' if summary['mre_id'] <= 8 else 'NOT met'}")
    cov, m = summary["coverage"], summary["n_manifolds"]
    print(f"goal coverage >= 20/24: {cov:.2f}/{m} (mean over seeds) -> {'met' if cov >= 20 else 'NOT met'}")


if __name__ == "__main__":
    main()
