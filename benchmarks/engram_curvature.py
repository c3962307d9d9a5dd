"""Curvature spectrum: memorised random labels live in the low-curvature weight components (after Merullo et al.).

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/engram_curvature.py [--seed 0] [--epochs 300] [--noise 0.1]

A bias-free He-initialised ReLU MLP 64-128-64-10 is trained on scikit-learn digits in which a random fraction
``--noise`` of the training images carries a random wrong label (memorised: they can only be fitted by rote). Per
linear map, the K-FAC true Fisher of the training set is eigen-decomposed and only the components of largest
curvature ``λ_i μ_j`` holding a fraction rho of the curvature mass are kept
(:func:`neuroengram.engram.curvature.keep_curvature_mass`). Reported per rho: recall of the memorised random labels,
accuracy on the clean training images and on the held-out test set; figure ``--figure``.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from neuroengram.engram.curvature import keep_curvature_mass, kfac_factors
from neuroengram.engram.digits import accuracy, load_split, make_mlp, train_classifier

RHOS = (1.0, 0.999, 0.99, 0.98, 0.95, 0.9, 0.8, 0.7, 0.6, 0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--figure", default="benchmarks/engram_curvature.png")
    args = parser.parse_args()

    split = load_split(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    y = split.y_train.clone()
    noisy = torch.randperm(len(y), generator=gen)[: round(args.noise * len(y))]
    y[noisy] = (y[noisy] + torch.randint(1, 10, (len(noisy),), generator=gen)) % 10  # a wrong label, uniformly
    clean = torch.ones(len(y), dtype=torch.bool)
    clean[noisy] = False
    model = train_classifier(make_mlp(seed=args.seed), split.x_train, y, epochs=args.epochs, seed=args.seed)
    factors = kfac_factors(model, [split.x_train], likelihood="categorical", seed=args.seed)

    rows = []
    for rho in RHOS:
        edited = keep_curvature_mass(model, factors, rho)
        rows.append(
            (
                rho,
                accuracy(edited, split.x_train[noisy], y[noisy]),
                accuracy(edited, split.x_train[clean], y[clean]),
                accuracy(edited, split.x_test, split.y_test),
            )
        )
    print(f"seed {args.seed}, {args.epochs} epochs, {len(noisy)} memorised random labels of {len(y)} training images\n")
    print("| rho (curvature mass kept) | memorised recall | clean train acc | test acc |")
    print("|---|---|---|---|")
    for rho, mem, tr, te in rows:
        print(f"| {rho:g} | {mem:.3f} | {tr:.3f} | {te:.3f} |")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = np.array(rows)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(table[:, 0], table[:, 1], "o-", color="tab:red", label="memorised random labels (recall)")
    ax.plot(table[:, 0], table[:, 2], "o-", color="tab:green", label="clean training images")
    ax.plot(table[:, 0], table[:, 3], "o-", color="tab:blue", label="held-out test images")
    ax.set_xlabel("ρ, fraction of K-FAC curvature mass kept")
    ax.set_ylabel("accuracy")
    ax.invert_xaxis()
    ax.legend(fontsize=7)
    ax.set_title("Digits MLP: low-curvature components hold the memorised labels", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.figure, dpi=120)


if __name__ == "__main__":
    main()
