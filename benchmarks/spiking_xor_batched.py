"""1000 XOR trials (250 per input case) batched as motif copies in one NeuronGroup vs the same trials looped.

Run: ``OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/spiking_xor_batched.py [--trials 1000] [--loop-subset 20]``

The looped baseline builds and runs one single-copy network per trial (what a naive script does); it is timed
on ``--loop-subset`` trials spread over the four cases and extrapolated linearly to all trials (each looped
trial costs the same: build + codegen + run of a 6-cell network). Both use the numpy codegen target and
the default XOR parameters; the printed ratio is measured in this run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from brian2 import prefs

from neuroengram.spiking.motifs import XORConfig, run_xor_trials, truth_table_cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000, help="total trials (a multiple of 4)")
    parser.add_argument("--loop-subset", type=int, default=20, help="looped trials actually timed")
    args = parser.parse_args()
    prefs.codegen.target = "numpy"
    n_seeds = args.trials // 4
    config = XORConfig(n_seeds=n_seeds)
    cases = truth_table_cases(n_seeds)

    run_xor_trials(cases[:4], config, seed=0)  # warm-up: imports and first code generation, paid by both
    start = time.perf_counter()
    batched = run_xor_trials(cases, config, seed=1)
    t_batched = time.perf_counter() - start

    subset = np.linspace(0, cases.shape[0] - 1, args.loop_subset).astype(int)
    start = time.perf_counter()
    looped_correct = [run_xor_trials(cases[k : k + 1], config, seed=100 + k).correct[0] for k in subset]
    t_subset = time.perf_counter() - start
    t_looped = t_subset / len(subset) * cases.shape[0]

    print(f"trials: {cases.shape[0]} ({n_seeds} per case), trial {config.trial_ms:g} ms, numpy target")
    accuracy = batched.correct.mean()
    print(f"batched (one NeuronGroup of {6 * cases.shape[0]} cells): {t_batched:.2f} s, accuracy {accuracy:.3f}")
    print(
        f"looped: {t_subset:.2f} s for {len(subset)} trials -> {t_looped:.1f} s extrapolated to {cases.shape[0]}"
        f" (subset accuracy {np.mean(looped_correct):.3f})"
    )
    print(f"speed-up batched vs looped: {t_looped / t_batched:.0f}x")


if __name__ == "__main__":
    main()
