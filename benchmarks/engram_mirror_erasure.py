"""Benchmark: erasing one class (a melody / a stimulus pattern) from the mirror's recurrent autoencoder.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/engram_mirror_erasure.py --data melody [--seeds 0 1 2]
        [--spiking-dir RUN/points/<key>/spiking]
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/engram_mirror_erasure.py --data activity [--seeds 0 1 2]

The real pipeline runs through the stages (no stand-ins). ``--data melody``: the spiking stage's melody task (4
melodies x 16 steps x 8 channels, 10 epochs, replay from a 2-step cue; run once with seed 0, ~10 min on a loaded
2-core machine, or read from ``--spiking-dir``, e.g. a run of ``studies/engram_melody.toml``), then per seed the
mirror on noisy presentations of the replayed melodies (``data = "melody"``, ``data_seed`` = seed: 160
presentations, 5 % flipped bits, 20 % held out; 64 units, latent 4, 150 epochs, Adam lr 0.02, batch 16,
cross-entropy). ``--data activity``: per seed the spiking E/I network driven by 4 stimulus patterns (the settings of
``studies/engram_mirror.toml``), then the mirror on windows of its rates (latent 6, 80 epochs, MSE). Every class is
erased in turn at every alpha, with each recurrent guard (none, radius, jacobian). Reported per guard and alpha, mean
over classes and seeds: the forgotten class's held-out error ratio (erased / original) against the two untrained
references (initial weights; mean predictor), and the retained classes' ratios (mean, and the worst class). Writes
the trade-off figure ``benchmarks/engram_mirror_<data>.png`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from neuroengram.engram.sequences import erase_sequence_class
from neuroengram.mirror import stage as mirror_stage
from neuroengram.mirror.autoencoder import DaleAutoencoder
from neuroengram.spiking import stage as spiking_stage
from neuroengram.stages import StageContext

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.5)
GUARDS = ("none", "radius", "jacobian")
SETTINGS = {
    "melody": (
        {"task": "melody", "n_melodies": 4, "n_steps": 16, "n_channels": 8, "cue_steps": 2, "epochs": 10},
        {
            "data": "melody",
            "n_sequences": 160,
            "melody_flip": 0.05,
            "latent_width": 4,
            "n_units": 64,
            "epochs": 150,
            "lr": 0.02,
            "batch_size": 16,
        },
    ),
    "activity": (
        {"task": "ei_network", "n_exc": 160, "n_inh": 40, "n_patterns": 4, "duration_ms": 6000.0},
        {"data": "spiking", "latent_width": 6, "epochs": 80},
    ),
}


def pipeline(data: str, seed: int, folder: Path, spiking_dir: Path | None) -> dict:
    """Run spiking (unless ``spiking_dir`` holds its output) and mirror for one seed; erase every class per guard."""
    spiking_params, mirror_params = SETTINGS[data]
    start = time.perf_counter()
    if spiking_dir is None:
        spiking_stage.run(spiking_stage.Params(**spiking_params), StageContext("spiking", seed, folder))
    else:
        shutil.copytree(spiking_dir, folder / "spiking")
    mirror_params = mirror_params | ({"data_seed": seed} if data == "melody" else {})
    mirror = mirror_stage.run(mirror_stage.Params(**mirror_params), StageContext("mirror", seed + 1000, folder))
    meta = json.loads((folder / "mirror" / "model.json").read_text())
    model = DaleAutoencoder(**meta["model"])
    model.load_state_dict(torch.load(folder / "mirror" / "model.pt", weights_only=True))
    model.eval()
    torch.manual_seed(meta["training"]["seed"])
    untrained = DaleAutoencoder(**meta["model"]).eval()
    with np.load(folder / "mirror" / "sequences.npz") as arrays:
        x, labels, test = torch.from_numpy(arrays["x"]), arrays["labels"].astype(int), arrays["is_test"]
    print(f"seed {seed}: pipeline {time.perf_counter() - start:.0f} s, mirror loss ratio {mirror['loss_ratio']:.3f}")
    train = torch.from_numpy(~test)
    out = {}
    for guard in GUARDS:
        out[guard] = [
            erase_sequence_class(
                model, untrained, x[train], labels[~test], x[~train], labels[test], int(c), ALPHAS,
                loss=meta["training"]["loss"], guard=guard,
            )
            for c in np.unique(labels[~test])
        ]  # fmt: skip
    return out


def matched(runs: list, reference: str) -> dict[str, float]:
    """Per erasure, the smallest alpha whose forget ratio reaches the reference (initial weights or mean predictor):
    the fraction of erasures that reach it, of those that reach it with every other class within 10 % (at any
    alpha), and the mean alpha / worst retain ratio at the matched alpha (over erasures that reach it)."""
    reached, within, alphas, worst = 0, 0, [], []
    for r in runs:
        level = r.untrained_forget_ratio if reference == "untrained" else r.mean_predictor_forget_ratio
        ok = r.forget_ratio >= level
        within += bool(np.any(ok & (r.retain_ratio_max <= 1.1)))
        if ok.any():
            reached += 1
            alphas.append(r.alphas[np.argmax(ok)])
            worst.append(r.retain_ratio_max[np.argmax(ok)])
    return {
        "reached": reached / len(runs),
        "within": within / len(runs),
        "alpha": float(np.mean(alphas)) if alphas else float("nan"),
        "retain_max": float(np.mean(worst)) if worst else float("nan"),
    }


def summarise(results: list[dict]) -> dict[str, dict[str, np.ndarray]]:
    table = {}
    for guard in GUARDS:
        runs = [r for seed in results for r in seed[guard]]
        table[guard] = {
            "forget": np.mean([r.forget_ratio for r in runs], axis=0),
            "forget_gmean": np.exp(np.mean([np.log(r.forget_ratio) for r in runs], axis=0)),
            "forget_max": np.max([r.forget_ratio for r in runs], axis=0),
            "retain_mean": np.mean([r.retain_ratio_mean for r in runs], axis=0),
            "retain_max": np.max([r.retain_ratio_max for r in runs], axis=0),
            "retain_worst_mean": np.mean([r.retain_ratio_max for r in runs], axis=0),
            "untrained": np.mean([r.untrained_forget_ratio for r in runs]),
            "mean_predictor": np.mean([r.mean_predictor_forget_ratio for r in runs]),
            "reached_untrained": np.mean([r.forget_ratio >= r.untrained_forget_ratio for r in runs], axis=0),
            **{
                f"{ref}_{key}": value
                for ref in ("untrained", "mean_predictor")
                for key, value in matched(runs, ref).items()
            },
            "guard_alpha": np.mean([[np.mean(list(g.map_alpha.values())) for g in r.guard] for r in runs], axis=0),
            "n": len(runs),
        }
    return table


def figure(table: dict, data: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    x_max, y_max = 2.0, 20.0  # blow-ups are drawn at the edge (open markers)
    for guard, color in zip(GUARDS, ("tab:red", "tab:orange", "tab:green"), strict=True):
        row = table[guard]
        x, y = np.minimum(row["retain_worst_mean"], x_max), np.minimum(row["forget_gmean"], y_max)
        clipped = (row["retain_worst_mean"] > x_max) | (row["forget_gmean"] > y_max)
        ax.plot(x, y, "-", color=color, label=f"guard: {guard}")
        ax.plot(x[~clipped], y[~clipped], "o", color=color)
        ax.plot(x[clipped], y[clipped], "o", mfc="white", color=color)
        for alpha, xi, yi in zip(ALPHAS, x, y, strict=True):
            ax.annotate(f"{alpha:g}", (xi, yi), fontsize=6, color=color, xytext=(3, 2), textcoords="offset points")
    row = table["none"]
    ax.axhline(row["untrained"], color="grey", ls=":", label="untrained (initial weights)")
    ax.axhline(row["mean_predictor"], color="grey", ls="-.", label="mean predictor")
    ax.axvline(1.1, color="k", lw=0.5, label="retain target (+10 %)")
    ax.set_yscale("log")
    ax.set_xlim(0.98, x_max * 1.02)
    ax.set_ylim(0.9, y_max * 1.1)
    ax.set_xlabel("worst retained class: held-out error ratio (mean over erasures)")
    ax.set_ylabel("erased class: error ratio (geometric mean)")
    ax.set_title(
        f"Erasing one class from the mirror ({data}); labels: α; n = {row['n']} erasures; open: beyond the axes",
        fontsize=8,
    )
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=sorted(SETTINGS), default="melody")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--spiking-dir", type=Path, default=None, help="reuse this spiking stage output folder")
    args = parser.parse_args()
    start = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as shared:
        spiking_dir = args.spiking_dir
        if spiking_dir is None and args.data == "melody":  # one spiking run: its melodies for every mirror seed
            spiking_stage.run(spiking_stage.Params(**SETTINGS["melody"][0]), StageContext("spiking", 0, Path(shared)))
            spiking_dir = Path(shared) / "spiking"
        for seed in args.seeds:
            with tempfile.TemporaryDirectory() as tmp:
                results.append(pipeline(args.data, seed, Path(tmp), spiking_dir))
    table = summarise(results)
    path = Path(__file__).with_name(f"engram_mirror_{args.data}.png")
    figure(table, args.data, path)
    print(f"\n{args.data}, seeds {args.seeds}, {table['none']['n']} erasures, {time.perf_counter() - start:.0f} s")
    print(f"untrained (initial weights) forget ratio {table['none']['untrained']:.3f}, "
          f"mean predictor {table['none']['mean_predictor']:.3f}")  # fmt: skip
    print("| guard | α | forget ratio mean (geo. mean, max) | reached untrained | retain mean | retain worst "
          "(mean, max) | guard α (rec. maps) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for guard in GUARDS:
        row = table[guard]
        for i, alpha in enumerate(ALPHAS):
            forget = f"{row['forget'][i]:.3g} ({row['forget_gmean'][i]:.3g}, {row['forget_max'][i]:.3g})"
            retain = f"{row['retain_mean'][i]:.3f} | {row['retain_worst_mean'][i]:.3f}, {row['retain_max'][i]:.3f}"
            print(f"| {guard} | {alpha:g} | {forget} | {row['reached_untrained'][i]:.2f} | {retain} | "
                  f"{row['guard_alpha'][i]:.3f} |")  # fmt: skip
    print("\n| guard | reference | reaches it | ... with others within 10 % | matched α (mean) | worst retain there |")
    print("|---|---|---|---|---|---|")
    for guard in GUARDS:
        row = table[guard]
        for ref in ("untrained", "mean_predictor"):
            print(f"| {guard} | {ref} | {row[ref + '_reached']:.2f} | {row[ref + '_within']:.2f} | "
                  f"{row[ref + '_alpha']:.3g} | {row[ref + '_retain_max']:.3f} |")  # fmt: skip
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
