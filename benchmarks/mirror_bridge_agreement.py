"""Spike-vs-rate agreement: the mean-field mirror of the spiking stage's E/I network on held-out cues.

Run: ``PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/mirror_bridge_agreement.py [--duration-ms 8000 --seed 1]``
(one Brian2 run of the spiking stage's ``simulate_ei_network``, numpy target; about 2-3 minutes on a busy core).

Leave-one-cue-out: the transfer functions (per population) are fitted on the other cues, the mirror (weights
through the bridge, same neuron order and signs) runs closed loop on the held-out cue's input, and its rates are
correlated across neurons with the spiking rates ("input only" is the baseline correlation of the cue's external
input with the spiking rates, i.e. knowing only which cells the cue drives). The noise ceiling is the spiking
rates' Spearman-Brown corrected split-half reliability on that cue (:mod:`neuroengram.mirror.agreement`), measured
in the same run.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from neuroengram.mirror.agreement import (
    cue_rates,
    fit_transfer,
    mean_input,
    mirror_fixed_point,
    noise_ceiling,
)
from neuroengram.spiking.model import set_target
from neuroengram.spiking.network import EIConfig, simulate_ei_network

TAU_MS = (5.0, 10.0)  # synaptic decay of E and I currents in simulate_ei_network (CellConstants there)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration-ms", type=float, default=8000.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    set_target("numpy")
    config = EIConfig(duration_ms=args.duration_ms, n_patterns=4)
    start = time.perf_counter()
    result = simulate_ei_network(config, args.seed)
    print(f"Brian2 run: {time.perf_counter() - start:.0f} s, {result.rates.shape[1]} cells, seed {args.seed}")
    rates, labels, exc = result.rates, result.labels, result.is_excitatory
    epoch = (np.arange(len(rates)) * config.bin_ms / config.epoch_ms).astype(int)
    cues = np.unique(labels)
    ext = {c: config.rate_ext_hz + config.stim_rate_hz * result.patterns[c] for c in cues}
    measured = {c: cue_rates(rates, epoch, labels, c) for c in cues}
    print("| held-out cue | r(mirror, spiking) | r open loop | r input only | split-half r | ceiling | r / ceiling |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for held in cues:
        train = [c for c in cues if c != held]
        gain, threshold = np.zeros(len(exc)), np.zeros(len(exc))
        for population in (exc, ~exc):
            mu = np.stack(
                [
                    mean_input(
                        result.pre, result.post, result.weight, exc, measured[c], ext[c], TAU_MS, config.j_ext_mv
                    )
                    for c in train
                ]
            )
            g, theta = fit_transfer(mu[:, population], np.stack([measured[c] for c in train])[:, population])
            gain[population], threshold[population] = g, theta
        predicted = mirror_fixed_point(
            result.pre, result.post, result.weight, exc, ext[held], gain, threshold, TAU_MS, config.j_ext_mv
        )
        mu_held = mean_input(
            result.pre, result.post, result.weight, exc, measured[held], ext[held], TAU_MS, config.j_ext_mv
        )
        open_loop = gain * np.maximum(mu_held - threshold, 0.0)
        r = float(np.corrcoef(predicted, measured[held])[0, 1])
        r_open = float(np.corrcoef(open_loop, measured[held])[0, 1])
        r_input = float(np.corrcoef(ext[held], measured[held])[0, 1])  # baseline: which cells the cue drives
        r_half, ceiling = noise_ceiling(rates, epoch, labels, held)
        ratios.append(r / ceiling)
        print(
            f"| {held} | {r:.3f} | {r_open:.3f} | {r_input:.3f} | {r_half:.3f} | {ceiling:.3f} | {r / ceiling:.2f} |",
            flush=True,
        )
    print(f"mean r / ceiling: {np.mean(ratios):.2f} (goal >= 0.8)")


if __name__ == "__main__":
    main()
