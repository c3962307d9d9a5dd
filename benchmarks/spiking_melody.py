"""Melody learning and replay at the issue's target: 4 melodies x 16 steps x 8 channels, 2-step cue, 5 seeds.

Each seed draws its own melodies, network noise and initial weights and trains one network (``n_networks=1``)
for ``EPOCHS`` epochs on the numpy target. Prints per seed: replay bit accuracy per melody, XOR error rate at the
start, the end (mean of the last ``END`` evaluations) and their ratio, read-out weight statistics, wall time.

Run: OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 10 python benchmarks/spiking_melody.py [n_seeds] [epochs]
Targets (issue #3 part 4): mean replay accuracy >= 0.95, end / start XOR error <= 0.2.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from brian2 import prefs

from neuroengram.spiking.melody import MelodyConfig, learn_melodies

END = 3


def main(n_seeds: int = 5, epochs: int = 10) -> None:
    prefs.codegen.target = "numpy"
    config = MelodyConfig(epochs=epochs)
    accuracies, ratios = [], []
    for seed in range(n_seeds):
        start = time.perf_counter()
        result = learn_melodies(config, seed)
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
        f"mean over {n_seeds} seeds: replay accuracy {np.mean(accuracies):.4f} (min {np.min(accuracies):.4f}), "
        f"error ratio end/start {np.mean(ratios):.3f} (max {np.max(ratios):.3f})"
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
