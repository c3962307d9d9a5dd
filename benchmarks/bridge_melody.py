"""Benchmark: the melody engram found in the mirror, carried through the bridge and erased from the spiking network.

Full size (4 melodies x 16 steps x 8 channels, 2-step cue), seeds 0, 1, 2 (melodies from each seed as in
``learn_melodies``). Per seed:

1. the spiking network learns its read-out with the XOR-gated rule (``learn_melodies``, 12 epochs): the baseline
   (spiking replay accuracy and wall time);
2. mirror -> Brian2: calibrate the transfer functions in Brian2, train the mirror in PyTorch, replay in Brian2 with
   the exported weights (no spiking-side learning);
3. Brian2 -> mirror: the spiking-learned weights in the mirror predict the spiking replay (bit agreement, P rates);
4. erasure: for every melody m, the engram estimator on the mirror's chain -> P map (target = windows of m,
   reference = all), alpha = 1, carried back to Brian2; the original and the 4 erased weight sets replay in one
   Brian2 simulation. Chance for the erased melody = its fraction of zero bits (silent X after the cue).

Prints one JSON line per seed and a summary, with the wall-time ratio spiking learning / bridge (calibration + mirror
training + export) and spiking learning / estimator edit, measured in the same run.

Run: OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bridge_melody.py [--seeds 0 1 2] [--small]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from brian2 import prefs

from neuroengram.engram.spiking_erase import melody_engram
from neuroengram.mirror.melody import bits_on_recall, brian2_replay, build_bridge, predict_replay
from neuroengram.spiking.melody import Layout, MelodyConfig, learn_melodies, random_melodies

FULL = {"n_melodies": 4, "n_steps": 16, "n_channels": 8}
SMALL = {"n_melodies": 2, "n_steps": 8, "n_channels": 4, "n_pool": 22}


def run_seed(config: MelodyConfig, seed: int) -> dict:
    melodies = random_melodies(np.random.default_rng(seed), config)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)

    start = time.perf_counter()
    learned = learn_melodies(config, seed, melodies)
    learn_s = time.perf_counter() - start

    start = time.perf_counter()
    bridge = build_bridge(config, melodies, seed)
    bridge_s = time.perf_counter() - start

    counts = np.rint(learned.replay_rates * config.step_ms / 1000.0).reshape(1, n_melodies, n_steps, -1)
    reverse = predict_replay(
        bridge.mirror, learned.weights_mv[-1, 0].T, counts, layout, config.step_ms, learned.replayed[:1]
    )

    start = time.perf_counter()
    edits = [melody_engram(bridge.mirror, bridge.calibration.chain, m, 1.0) for m in range(n_melodies)]
    edit_s = time.perf_counter() - start
    replay = brian2_replay(config, melodies, [bridge.mirror.weight_mv] + [e[1] for e in edits], layout, seed + 1000)
    recall = bits_on_recall(replay.replayed, melodies, config.cue_steps)
    acc = replay.accuracy  # (1 + n_melodies, n_melodies): row 0 original, row 1 + m = melody m erased
    chance = 1.0 - melodies[:, config.cue_steps :].mean(axis=(1, 2))
    erased = np.array([acc[1 + m, m] for m in range(n_melodies)])
    kept_drop = np.array([np.delete(acc[0] - acc[1 + m], m).max() for m in range(n_melodies)])
    kept_mean = np.array([np.delete(acc[1 + m], m).mean() for m in range(n_melodies)])
    return {
        "seed": seed,
        "spiking_replay_accuracy": learned.replay_accuracy[0].round(4).tolist(),
        "bridge_replay_accuracy": acc[0].round(4).tolist(),
        "bridge_recall": recall[0].round(4).tolist(),
        "reverse": {k: round(v, 4) for k, v in reverse.items()},
        "erased_accuracy": erased.round(4).tolist(),
        "erased_chance": chance.round(4).tolist(),
        "erased_recall": [round(float(recall[1 + m, m]), 4) for m in range(n_melodies)],
        "kept_accuracy_after": kept_mean.round(4).tolist(),
        "kept_max_drop": kept_drop.round(4).tolist(),
        "engram_specificity": [round(e[2]["specificity"], 6) for e in edits],
        "engram_reactivation": [round(e[2]["reactivation"], 6) for e in edits],
        "learn_seconds": round(learn_s, 1),
        "bridge_seconds": round(bridge_s, 1),
        "edit_seconds": round(edit_s, 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--small", action="store_true", help="the reduced test setting (2 x 8 x 4)")
    args = parser.parse_args()
    prefs.codegen.target = "numpy"
    torch.set_num_threads(1)
    config = MelodyConfig(**(SMALL if args.small else FULL), epochs=12)
    rows = []
    for seed in args.seeds:
        rows.append(run_seed(config, seed))
        print(json.dumps(rows[-1]), flush=True)

    def mean(key: str) -> float:
        return float(np.mean([np.mean(r[key]) for r in rows]))

    summary = {
        "seeds": args.seeds,
        "spiking_replay_accuracy": mean("spiking_replay_accuracy"),
        "bridge_replay_accuracy": mean("bridge_replay_accuracy"),
        "bridge_replay_accuracy_min": float(min(min(r["bridge_replay_accuracy"]) for r in rows)),
        "reverse_bit_agreement": float(np.mean([r["reverse"]["bit_agreement"] for r in rows])),
        "reverse_p_rate_pearson": float(np.mean([r["reverse"]["p_rate_pearson"] for r in rows])),
        "erased_accuracy": mean("erased_accuracy"),
        "erased_chance": mean("erased_chance"),
        "erased_recall": mean("erased_recall"),
        "kept_max_drop_mean": mean("kept_max_drop"),
        "kept_max_drop_worst": float(max(max(r["kept_max_drop"]) for r in rows)),
        "ratio_learn_over_bridge": mean("learn_seconds") / mean("bridge_seconds"),
        "ratio_learn_over_edit": mean("learn_seconds") / mean("edit_seconds"),
    }
    print(json.dumps({"summary": {k: round(v, 4) if isinstance(v, float) else v for k, v in summary.items()}}))


if __name__ == "__main__":
    main()
