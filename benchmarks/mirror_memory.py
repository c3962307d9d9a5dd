"""Hebbian memory RNN against GRU and LSTM of equal parameter count, its ablation, and storage capacity curves.

Run: ``PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/mirror_memory.py [--tasks digits recall capacity mnist1d]``
(digits + recall + capacity: about 10 minutes on one busy core; MNIST-1D adds more and needs ``pip install mnist1d``).
MNIST-1D with the configuration that meets the issue's target (``benchmarks/README.md``; about 40 minutes):
``--tasks mnist1d --epochs 45 --core gru --hidden 52 --code 4 --address state --write-gate --static-keys
--validation 0.125 --seeds 0 1 2``.

Classification tasks: every model trains with the same Adam settings, seed and mini-batch order; the GRU and
LSTM hidden sizes are chosen so that their parameter counts match the Hebbian RNN's (closest integer width);
"hebbian off" is the same cell with the Hebbian update switched off (the ablation). Accuracies are on held-out
samples; with ``--validation F`` a seeded fraction F of the training samples (the same for every model of a seed)
is held out for choosing settings, and its accuracy is printed next to the test accuracy. Capacity: recall of ±1
patterns (10 % of the cue's bits flipped, overlap > 0.98) against the load P/N
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
_FLAGS = {"write_gate": "write gate", "static_keys": "static keys"}


def _write_gate(model: HebbianMemoryRNN, x: torch.Tensor) -> float:
    """Mean write gate over samples and steps of ``x`` (1 without a gate)."""
    with torch.no_grad():
        hidden = model.cell(x)[0]
        return float(model.cell.write_gates(x, hidden).mean())


def _trace_cut(model: HebbianMemoryRNN, x: torch.Tensor, y: torch.Tensor) -> float:
    """Accuracy of the trained cell with its Hebbian update switched off at evaluation only."""
    model.cell.hebbian = False
    try:
        return accuracy(model, x, y)
    finally:
        model.cell.hebbian = True


def compare(
    name: str,
    data: tuple[np.ndarray, ...],
    n_classes: int,
    epochs: int,
    seed: int,
    cell: dict[str, object],
    labels: tuple[str, ...] = MODELS,
) -> dict[str, tuple[float, float]]:
    """Train the Hebbian RNN (on / off) and matched GRU and LSTM on ``(x_train, y_train, x_test, y_test[, x_val,
    y_val])``.

    Trains only the models in ``labels`` (the GRU always, first: the other rows are reported against it).
    Prints one table row per model (validation accuracy "-" without a validation split; for the trained cell also
    its mean write gate on the test set and its test accuracy with the trace cut at evaluation); returns
    ``{model: (test accuracy, wall seconds, validation accuracy or nan)}``.
    """
    x_train, y_train, x_test, y_test, *validation = (torch.from_numpy(part) for part in data)
    n_inputs = x_train.shape[2]
    torch.manual_seed(seed)
    models = {"hebbian RNN": HebbianMemoryRNN(n_inputs, n_classes, **cell)}
    torch.manual_seed(seed)
    models["hebbian off"] = HebbianMemoryRNN(n_inputs, n_classes, hebbian=False, **cell)
    budget = parameter_count(models["hebbian RNN"])
    for kind in ("gru", "lstm"):
        torch.manual_seed(seed)
        models[kind.upper()] = matched_classifier(kind, n_inputs, n_classes, budget)
    results: dict[str, tuple[float, float, float]] = {}
    for label in [label for label in MODELS if label == "GRU" or label in labels]:
        model = models[label]
        start = time.perf_counter()
        history = train_classifier(
            model,
            x_train,
            y_train,
            epochs=epochs,
            lr=3e-3,
            batch_size=32,
            generator=torch.Generator().manual_seed(seed),
        )
        wall = time.perf_counter() - start
        val = accuracy(model, *validation) if validation else float("nan")
        results[label] = (accuracy(model, x_test, y_test), wall, val)
        shown = label
        if label.startswith("hebbian"):
            extras = [f"{cell['read']} read"] if cell.get("read") else []
            extras += [text for key, text in _FLAGS.items() if cell.get(key)]
            shown += f" ({', '.join([str(cell['core']), str(cell['address']), *extras])})"
        print(
            f"| {name} | {shown} | {seed} | {parameter_count(model)} | {_percent(val)} | {_percent(results[label][0])} "
            f"| {100 * (results[label][0] - results['GRU'][0]):+.1f} | {history[-1]:.3f} | {wall:.0f} s |",
            flush=True,
        )
        if label == "hebbian RNN":
            eta = float(model.cell.eta.detach())
            print(
                f"|   | mean write gate (test) {_write_gate(model, x_test):.3f}, eta {eta:.3f}; "
                f"test accuracy with the trace cut at evaluation {_percent(_trace_cut(model, x_test, y_test))} |",
                flush=True,
            )
    return results


def _percent(value: float) -> str:
    return "-" if np.isnan(value) else f"{100 * value:.1f} %"


def _sd(values: np.ndarray) -> float:
    """Sample standard deviation (0 for a single value)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def summarise(name: str, runs: list[dict[str, tuple[float, float, float]]]) -> None:
    """One row per model over seeds: accuracies and the test difference to the GRU as mean +- sd (points), mean
    time."""
    gru = np.array([run["GRU"][0] for run in runs])
    for label in [label for label in MODELS if label in runs[0]]:
        acc = np.array([run[label][0] for run in runs])
        val = np.array([run[label][2] for run in runs])
        wall = np.mean([run[label][1] for run in runs])
        shown = "-" if np.isnan(val).any() else f"{100 * val.mean():.1f} +- {100 * _sd(val):.1f} %"
        print(
            f"| {name} | {label} | mean of {len(runs)} | | {shown} | {100 * acc.mean():.1f} +- {100 * _sd(acc):.1f} % "
            f"| {100 * (acc - gru).mean():+.1f} +- {100 * _sd(acc - gru):.1f} | | {wall:.0f} s |",
            flush=True,
        )


def split(x: np.ndarray, y: np.ndarray, n_train: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    order = rng.permutation(len(x))
    return x[order[:n_train]], y[order[:n_train]], x[order[n_train:]], y[order[n_train:]]


def hold_out(data: tuple[np.ndarray, ...], fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    """``(x_train, y_train, x_test, y_test)`` -> ``(x_fit, y_fit, x_test, y_test, x_val, y_val)``: a fraction of
    the training samples, drawn with ``default_rng([seed, 7])``, becomes the validation set (unchanged if 0)."""
    if fraction <= 0:
        return data
    x_train, y_train, x_test, y_test = data
    x_fit, y_fit, x_val, y_val = split(
        x_train, y_train, round((1 - fraction) * len(x_train)), np.random.default_rng([seed, 7])
    )
    return x_fit, y_fit, x_test, y_test, x_val, y_val


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
        "--address",
        choices=["input", "state"],
        default="input",
        help="memory keyed by the input or by h_{t-1} (gru core)",
    )
    parser.add_argument("--write-gate", action="store_true", help="learned per-step write gate of the Hebbian update")
    parser.add_argument(
        "--read", choices=["gain", "gate"], default=None, help="read into the gru core (default: gain for input keys)"
    )
    parser.add_argument("--static-keys", action="store_true", help="address slots by M alone (trace: content only)")
    parser.add_argument("--write-bias", type=float, default=-3.0, help="initial bias of the write gate")
    parser.add_argument(
        "--validation", type=float, default=0.0, help="fraction of the training samples held out for validation"
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
        "write_gate": args.write_gate,
        "write_bias": args.write_bias,
        "read": args.read,
        "static_keys": args.static_keys,
    }
    tasks = [task for task in ("digits", "recall", "mnist1d") if task in args.tasks]
    if tasks:
        print(
            "| task | model | seed | parameters | validation accuracy | test accuracy | vs GRU (points) "
            "| last-epoch train loss | time |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
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
            data = hold_out(data, args.validation, seed)
            runs.append(compare(name, data, n_classes, args.epochs, seed, cell, tuple(args.models)))
        summarise(name, runs)
    if "capacity" in args.tasks:
        capacity(args.figure, args.seeds[0])


if __name__ == "__main__":
    main()
