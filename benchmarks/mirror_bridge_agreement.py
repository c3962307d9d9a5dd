"""Spike-vs-rate agreement: the mean-field mirror of the spiking stage's E/I network on held-out cues, against the
spiking network's seed-to-seed noise ceiling.

Run: ``PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/mirror_bridge_agreement.py [--duration-ms 8000 --seed 1]``
(two Brian2 runs of the spiking stage's ``simulate_ei_network``, numpy target, a few minutes on a busy core).

Runs A (noise seed ``seed``) and B (noise seed ``seed + 1``) share the wiring, stimulus patterns and cue order
(``connectivity_seed = seed``). Leave-one-cue-out: the mirror (weights through the bridge, same neuron order and
signs; transfer per population and time constant fitted on A's other cues) is scored on the held-out cue against A,
relative to r(B, A), for mean rates across neurons (fixed points, per cue) and for group rate time courses over the
whole run, every bin predicted by the mirror that held out its cue
(:func:`neuroengram.mirror.agreement.held_out_agreement`). "within-run ceiling" is the older split-half ceiling of A
alone (:func:`neuroengram.mirror.agreement.noise_ceiling`), for comparison.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neuroengram.mirror.agreement import held_out_agreement, noise_ceiling
from neuroengram.spiking.model import set_target
from neuroengram.spiking.network import EIConfig, simulate_ei_network

TAU_MS = (5.0, 10.0)  # synaptic decay of E and I currents in simulate_ei_network (CellConstants there)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-ms", type=float, default=8000.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    set_target("numpy")
    config = EIConfig(duration_ms=args.duration_ms, n_patterns=4, connectivity_seed=args.seed)
    start = time.perf_counter()
    run_a = simulate_ei_network(config, args.seed)
    run_b = simulate_ei_network(config, args.seed + 1)
    n_cells = run_a.rates.shape[1]
    print(
        f"Brian2 runs A, B: {time.perf_counter() - start:.0f} s, {n_cells} cells, noise seeds {args.seed}, "
        f"{args.seed + 1}, connectivity seed {args.seed}"
    )
    result = held_out_agreement(config, run_a, run_b, TAU_MS)
    epoch = (np.arange(len(run_a.labels)) * config.bin_ms / config.epoch_ms).astype(int)
    print("| held-out cue | r(mirror, A) | r(B, A) = ceiling | ratio | within-run ceiling | fitted dt/tau |")
    print("|---|---|---|---|---|---|")
    for k, cue in enumerate(result.cues):
        within = noise_ceiling(run_a.rates, epoch, run_a.labels, cue)[1]
        print(
            f"| {cue} | {result.r_mirror[k]:.3f} | {result.r_seeds[k]:.3f} | {result.ratio[k]:.2f} | {within:.3f} | "
            f"{result.leak[k]:.1f} |",
            flush=True,
        )
    print(f"mean rates: mean ratio {result.ratio.mean():.2f} (goal >= 0.8)")
    print(
        f"time courses ({config.bin_ms:.0f}-ms bins, held-out predictions): r(mirror, A) "
        f"{result.r_course_mirror:.3f}, r(B, A) {result.r_course_seeds:.3f}, ratio {result.course_ratio:.2f}"
    )


if __name__ == "__main__":
    main()
