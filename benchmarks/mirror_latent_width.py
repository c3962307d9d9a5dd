"""Latent width against complexity: the reconstruction elbow of the Dale autoencoder for d = 2, 4, 8 factors.

Run: ``PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/mirror_latent_width.py`` (about 6 minutes on one core).
For each d: sequences (16 steps x 16 features) from d hidden factors, widths d-4 ... d+3 (from 1), one autoencoder per
width (same seed), held-out loss relative to the mean predictor measured in the same run, the elbow
(:func:`neuroengram.mirror.sweep.elbow_width`) and the intrinsic dimension (TwoNN, lPCA from scikit-dimension) of
the held-out codes of the widest model. Writes the elbow figure to ``--figure``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import skdim
import torch

from neuroengram.mirror.data import factor_sequences
from neuroengram.mirror.figures import elbow_plot
from neuroengram.mirror.sweep import elbow_width, latent_width_curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--figure", type=Path, default=Path("benchmarks/mirror_latent_width.png"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    curves = []
    print("| d | widths | held-out loss / mean predictor | elbow | ID of codes (TwoNN, lPCA) | time |")
    print("|---|---|---|---|---|---|")
    for d in args.factors:
        start = time.perf_counter()
        x, _ = factor_sequences(512, 16, 16, d, np.random.default_rng(args.seed + d), noise=0.05)
        widths = list(range(max(1, d - 4), d + 4))
        curve = latent_width_curve(
            x[:384], x[384:], widths, n_units=64, epochs=args.epochs, lr=0.01, batch_size=32, seed=args.seed
        )
        elbow = elbow_width(widths, curve["test_loss"])
        codes = curve["codes"][-1]
        ids = (skdim.id.TwoNN().fit(codes).dimension_, skdim.id.lPCA().fit(codes).dimension_)
        ratios = " ".join(
            f"{w}:{loss / curve['baseline_loss']:.3f}" for w, loss in zip(widths, curve["test_loss"], strict=True)
        )
        print(
            f"| {d} | {widths[0]}-{widths[-1]} | {ratios} | {elbow} | {ids[0]:.2f}, {ids[1]} "
            f"| {time.perf_counter() - start:.0f} s |",
            flush=True,
        )
        curves.append((d, widths, curve["test_loss"], elbow))
    fig = elbow_plot(curves)
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.figure, dpi=120, bbox_inches="tight")
    print(f"figure: {args.figure}")


if __name__ == "__main__":
    main()
