"""Hebbian memory RNN against GRU and LSTM of equal parameter count, its ablation, and storage capacity curves.

Run: ``PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/mirror_memory.py [--tasks digits recall capacity mnist1d]``
(digits + recall + capacity: about 10 minutes on one busy core; MNIST-1D adds more and needs ``pip install mnist1d``).

Classification tasks: every model trains with the same Adam settings, seed and mini-batch order; the GRU and
LSTM hidden sizes are chosen so that their parameter counts match the Hebbian RNN's (closest integer width);
"hebbian off" is the same cell with the Hebbian update switched off (the ablation). Accuracies are on held-out
samples. Capacity: recall of ±1 patterns (10 % of the cue's bits flipped, overlap > 0.98) against the load P/N
for N = 100 (classical Hopfield, modern Hopfield, the cell's slot memory with K = N slots), written to
``--figure``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from neuroengram.mirror.baselines import matched_classifier, parameter_count
from neuroengram.mirror.hebbian import HebbianMemoryRNN
from neuroengram.mirror.memory import capacity_curve
from neuroengram.mirror.tasks import associative_recall, digit_sequences, mnist1d_sequences
from neuroengram.mirror.train import accuracy, train_classifier


def compare(name: str, data: tuple[np.ndarray, ...], n_classes: int, epochs: int, seed: int, core: str) -> None:
    """Train the Hebbian RNN (on / off) and matched GRU and LSTM on ``(x_train, y_train, x_test, y_test)``."""
    x_train, y_train, x_test, y_test = (torch.from_numpy(part) for part in data)
    n_inputs = x_train.shape[2]
    cell = {"hidden": 32, "slots": 16, "k": 2, "core": core}
    torch.manual_seed(seed)
    models = {"hebbian RNN": HebbianMemoryRNN(n_inputs, n_classes, **cell)}
    torch.manual_seed(seed)
    models["hebbian off"] = HebbianMemoryRNN(n_inputs, n_classes, hebbian=False, **cell)
    budget = parameter_count(models["hebbian RNN"])
    for kind in ("gru", "lstm"):
        torch.manual_seed(seed)
        models[kind.upper()] = matched_classifier(kind, n_inputs, n_classes, budget)
    results: dict[str, float] = {}
    for label in ("GRU", "LSTM", "hebbian RNN", "hebbian off"):
        model = models[label]
        start = time.perf_counter()
        train_classifier(
            model,
            x_train,
            y_train,
            epochs=epochs,
            lr=3e-3,
            batch_size=32,
            generator=torch.Generator().manual_seed(seed),
        )
        results[label] = accuracy(model, x_test, y_test)
        shown = f"{label} ({core})" if label.startswith("hebbian") else label
        print(
            f"| {name} | {shown} | {parameter_count(model)} | {100 * results[label]:.1f} % "
            f"| {100 * (results[label] - results['GRU']):+.1f} "
            f"| {time.perf_counter() - start:.0f} s |",
            flush=True,
        )


def split(x: np.ndarray, y: np.ndarray, n_train: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    order = rng.permutation(len(x))
    return x[order[:n_train]], y[order[:n_train]], x[order[n_train:]], y[order[n_train:]]


def capacity(figure: Path, seed: int) -> None:
    loads = [0.02, 0.05, 0.1, 0.138, 0.2, 0.3, 0.5, 0.75, 1.0]
    rng = np.random.default_rng(seed)
    curves = {
        "classical Hopfield (N² weights)": capacity_curve("hopfield", 100, loads, rng, trials=5),
        "modern Hopfield (β = 1, P·N)": capacity_curve("modern", 100, loads, rng, trials=5),
        "Hebbian slots, k = 1, Oja (K = N)": capacity_curve("hebbian", 100, loads, rng, trials=5),
        "Hebbian slots, k = 2, EMA η = 0.5": capacity_curve(
            "hebbian", 100, loads, rng, trials=5, k=2, eta=0.5, rule="ema"
        ),
    }
    print("| memory | " + " | ".join(f"P/N = {load}" for load in loads) + " |")
    print("|---|" + "---|" * len(loads))
    fig = Figure(figsize=(5.5, 3.5))
    ax = fig.subplots()
    for label, recall in curves.items():
        print(f"| {label} | " + " | ".join(f"{value:.2f}" for value in recall) + " |")
        ax.plot(loads, recall, "o-", label=label)
    ax.axvline(0.138, color="grey", linestyle="--", label="α_c = 0.138")
    ax.set_xscale("log")
    ax.set_xlabel("stored patterns / N")
    ax.set_ylabel("recall (overlap > 0.98)")
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=120, bbox_inches="tight")
    print(f"figure: {figure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["digits", "recall", "capacity"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--core", choices=["tanh", "gru"], default="tanh", help="hidden update of the Hebbian cell")
    parser.add_argument("--figure", type=Path, default=Path("benchmarks/mirror_capacity.png"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    if {"digits", "recall", "mnist1d"} & set(args.tasks):
        print("| task | model | parameters | held-out accuracy | vs GRU (points) | time |")
        print("|---|---|---|---|---|---|")
    if "digits" in args.tasks:
        x, y = digit_sequences()
        compare("digits 8x8", split(x, y, 1200, rng), 10, args.epochs, args.seed, args.core)
    if "recall" in args.tasks:
        x, y = associative_recall(5000, n_pairs=4, n_keys=8, n_values=8, rng=rng)
        compare("recall 4 pairs", split(x, y, 4000, rng), 8, args.epochs, args.seed, args.core)
    if "mnist1d" in args.tasks:
        compare("MNIST-1D", mnist1d_sequences(), 10, args.epochs, args.seed, args.core)
    if "capacity" in args.tasks:
        capacity(args.figure, args.seed)


if __name__ == "__main__":
    main()
