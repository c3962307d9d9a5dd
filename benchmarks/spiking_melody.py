"""Melody learning and replay at the issue's target: 4 melodies x 16 steps x 8 channels, 2-step cue, 5 seeds.

Each seed draws its own melodies, network noise and initial weights and trains one network (``n_networks=1``)
for ``epochs`` epochs on the numpy target (``--standalone``: cpp_standalone). Prints per seed: replay bit accuracy
per melody, XOR error rate at the start, the end (mean of the last ``END`` evaluations) and their ratio, read-out
weight statistics, wall time.

``--noise-cells`` asks which cells need the membrane noise (``rate_noise`` = 200 Hz on every cell in the model):
``all`` (the model), ``motif`` (only the 6 cells of each channel's XOR motif keep it; chain, gate and pool cells
get ``rate_noise`` = 0) or ``none``.

Run: OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 10 python benchmarks/spiking_melody.py [n_seeds] [epochs]
     [--noise-cells all|motif|none] [--standalone]
Targets (issue #3 part 4): mean replay accuracy >= 0.95, end / start XOR error <= 0.2.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from brian2 import Hz, prefs

from neuroengram.spiking import melody
from neuroengram.spiking.melody import MelodyConfig, learn_melodies

END = 3


def noise_on(cells: str):
    """``melody._circuit`` with ``rate_noise`` kept only on the given cells of every copy."""
    circuit_of = melody._circuit

    def circuit(synapses, n_copies, config, layout, *args, **kwargs):
        circuit = circuit_of(synapses, n_copies, config, layout, *args, **kwargs)
        keep = np.zeros(layout.n_cells, dtype=bool)
        keep[: {"all": layout.n_cells, "motif": 6 * layout.n_channels, "none": 0}[cells]] = True
        circuit.cells.rate_noise = np.where(np.tile(keep, n_copies), melody.NOISE_RATE_HZ, 0.0) * Hz
        return circuit

    return circuit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_seeds", type=int, nargs="?", default=5)
    parser.add_argument("epochs", type=int, nargs="?", default=10)
    parser.add_argument("--noise-cells", choices=("all", "motif", "none"), default="all")
    parser.add_argument("--standalone", action="store_true", help="simulate on cpp_standalone")
    args = parser.parse_args()
    prefs.codegen.target = "numpy"
    if args.noise_cells != "all":
        melody._circuit = noise_on(args.noise_cells)
    config = MelodyConfig(epochs=args.epochs)
    accuracies, ratios = [], []
    for seed in range(args.n_seeds):
        start = time.perf_counter()
        result = learn_melodies(config, seed, standalone=args.standalone)
        error = result.error_rate[:, 0]
        ratio = error[-END:].mean() / error[0]
        accuracies.append(result.replay_accuracy.mean())
        ratios.append(ratio)
        weights = result.weights_mv[-1]
        print(
            f"seed {seed}: replay accuracy per melody {np.round(result.replay_accuracy[0], 3).tolist()}, "
            f"XOR error {error[0]:.3f} -> {error[-END:].mean():.3f} (ratio {ratio:.3f}), "
            f"weights mean {weights.mean():.1f} mV, zero {np.mean(weights == 0):.2f}, "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
    print(
        f"noise on {args.noise_cells} cells, mean over {args.n_seeds} seeds: replay accuracy "
        f"{np.mean(accuracies):.4f} (min {np.min(accuracies):.4f}), error ratio end/start {np.mean(ratios):.3f} "
        f"(max {np.max(ratios):.3f})"
    )


if __name__ == "__main__":
    main()
