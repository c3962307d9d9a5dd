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

MODELS = ("GRU", "LSTM", "hebbian RNN", "hebbian off")


def compare(
    name: str,
    data: tuple[np.ndarray, ...],
    n_classes: int,
    epochs: int,
    seed: int,
    cell: dict[str, object],
    labels: tuple[str, ...] = MODELS,
) -> dict[str, tuple[float, float]]:
    """Train the Hebbian RNN (on / off) and matched GRU and LSTM on ``(x_train, y_train, x_test, y_test)``.

    Trains only the models in ``labels`` (the GRU always, first: the other rows are reported against it).
    Prints one table row per model; returns ``{model: (held-out accuracy, wall seconds)}``.
    """
    x_train, y_train, x_test, y_test = (torch.from_numpy(part) for part in data)
    n_inputs = x_train.shape[2]
    torch.manual_seed(seed)
    models = {"hebbian RNN": HebbianMemoryRNN(n_inputs, n_classes, **cell)}
    torch.manual_seed(seed)
    models["hebbian off"] = HebbianMemoryRNN(n_inputs, n_classes, hebbian=False, **cell)
    budget = parameter_count(models["hebbian RNN"])
    for kind in ("gru", "lstm"):
        torch.manual_seed(seed)
        models[kind.upper()] = matched_classifier(kind, n_inputs, n_classes, budget)
    results: dict[str, tuple[float, float]] = {}
    for label in [label for label in MODELS if label == "GRU" or label in labels]:
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
        results[label] = (accuracy(model, x_test, y_test), time.perf_counter() - start)
        shown = f"{label} ({cell['core']}, {cell['address']})" if label.startswith("hebbian") else label
        print(
            f"| {name} | {shown} | {seed} | {parameter_count(model)} | {100 * results[label][0]:.1f} % "
            f"| {100 * (results[label][0] - results['GRU'][0]):+.1f} | {results[label][1]:.0f} s |",
            flush=True,
        )
    return results


def _sd(values: np.ndarray) -> float:
    """Sample standard deviation (0 for a single value)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summarise(name: str, runs: list[dict[str, tuple[float, float]]]) -> None:
    """One row per model over seeds: accuracy and its difference to the GRU as mean +- sd (points), mean time."""
    gru = np.array([run["GRU"][0] for run in runs])
    for label in [label for label in MODELS if label in runs[0]]:
        acc = np.array([run[label][0] for run in runs])
        wall = np.mean([run[label][1] for run in runs])
        print(
            f"| {name} | {label} | mean of {len(runs)} | | {100 * acc.mean():.1f} +- {100 * _sd(acc):.1f} % "
            f"| {100 * (acc - gru).mean():+.1f} +- {100 * _sd(acc - gru):.1f} | {wall:.0f} s |",
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
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="one run per seed, then mean +- sd")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--core", choices=["tanh", "gru"], default="tanh", help="hidden update of the Hebbian cell")
    parser.add_argument("--hidden", type=int, default=32, help="controller width H of the Hebbian cell")
    parser.add_argument("--code", type=int, default=None, help="code / slot width C of the Hebbian cell (default H)")
    parser.add_argument("--slots", type=int, default=16, help="memory slots K of the Hebbian cell")
    parser.add_argument(
        "--address", choices=["input", "state"], default="input", help="memory keyed by the input or by h (gru core)"
    )
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS), help="models to train")
    parser.add_argument("--figure", type=Path, default=Path("benchmarks/mirror_capacity.png"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    cell = {
        "hidden": args.hidden,
        "code": args.code,
        "slots": args.slots,
        "k": 2,
        "core": args.core,
        "address": args.address,
    }
    tasks = [task for task in ("digits", "recall", "mnist1d") if task in args.tasks]
    if tasks:
        print("| task | model | seed | parameters | held-out accuracy | vs GRU (points) | time |")
        print("|---|---|---|---|---|---|---|")
    for task in tasks:
        runs = []
        for seed in args.seeds:
            rng = np.random.default_rng(seed)
            if task == "digits":
                name, n_classes, data = "digits 8x8", 10, split(*digit_sequences(), 1200, rng)
            elif task == "recall":
                x, y = associative_recall(5000, n_pairs=4, n_keys=8, n_values=8, rng=rng)
                name, n_classes, data = "recall 4 pairs", 8, split(x, y, 4000, rng)
            else:
                name, n_classes, data = "MNIST-1D", 10, mnist1d_sequences()
            runs.append(compare(name, data, n_classes, args.epochs, seed, cell, tuple(args.models)))
        summarise(name, runs)
    if "capacity" in args.tasks:
        capacity(args.figure, args.seeds[0])


if __name__ == "__main__":
    main()
