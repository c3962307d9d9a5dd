"""Benchmark: erasing one class (a melody / a stimulus pattern) from the mirror's recurrent autoencoder.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/engram_mirror_erasure.py --data melody [--seeds 0 1 2]
        [--spiking-dir RUN/points/<key>/spiking] [--edit all to_latent decoder.afferent]
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/engram_mirror_erasure.py --data activity [--seeds 0 1 2]

The real pipeline runs through the stages (no stand-ins). ``--data melody``: the spiking stage's melody task (4
melodies x 16 steps x 8 channels, 10 epochs, replay from a 2-step cue; run once with seed 0, ~10 min on a loaded
2-core machine, or read from ``--spiking-dir``, e.g. a run of ``studies/engram_melody.toml``), then per seed the
mirror on noisy presentations of the replayed melodies (``data = "melody"``, ``data_seed`` = seed: 160
presentations, 5 % flipped bits, 20 % held out; 64 units, latent 4, 150 epochs, Adam lr 0.02, batch 16,
cross-entropy). ``--data activity``: per seed the spiking E/I network driven by 4 stimulus patterns (the settings of
``studies/engram_mirror.toml``), then the mirror on windows of its rates (latent 6, 80 epochs, MSE). Every class is
erased in turn at every alpha, for every edit setting of ``--edit`` (``all`` = the six linear maps, else
comma-separated map names, e.g. ``to_latent``), with each recurrent guard (none, radius, jacobian) where the setting
edits a recurrent map (else the guards coincide and only ``none`` runs). Reported per setting, guard and alpha, mean
over classes and seeds: the forgotten class's held-out error ratio (erased / original) against the two untrained
references (initial weights; mean predictor), and the retained classes' ratios (mean, and the worst class); per
erasure: how many erasures meet the target (the forgotten class reaches the reference while every other class stays
within 10 %) at each alpha, and at some alpha. Writes the trade-off figure ``benchmarks/engram_mirror_<data>.png``
and prints Markdown tables.
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

ALPHAS = (0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
GUARDS = ("none", "radius", "jacobian")
RETAIN_TARGET = 1.1
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


def settings(edits: list[str]) -> dict[str, tuple[tuple[str, ...] | None, str]]:
    """``label -> (maps, guard)`` for every edit setting and every guard that acts on it."""
    out = {}
    for edit in edits:
        maps = None if edit == "all" else tuple(edit.split(","))
        recurrent = maps is None or any(name.endswith("recurrent") for name in maps)
        for guard in GUARDS if recurrent else ("none",):
            out[f"{edit} / {guard}"] = (maps, guard)
    return out


def pipeline(data: str, seed: int, folder: Path, spiking_dir: Path | None, edits: list[str]) -> dict:
    """Run spiking (unless ``spiking_dir`` holds its output) and mirror for one seed; erase every class per setting."""
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
    for label, (maps, guard) in settings(edits).items():
        out[label] = [
            erase_sequence_class(
                model, untrained, x[train], labels[~test], x[~train], labels[test], int(c), ALPHAS,
                loss=meta["training"]["loss"], guard=guard, maps=maps,
            )
            for c in np.unique(labels[~test])
        ]  # fmt: skip
    return out


def level(r, reference: str) -> float:
    """The erased class's untrained reference ratio of one erasure (initial weights or mean predictor)."""
    return r.untrained_forget_ratio if reference == "untrained" else r.mean_predictor_forget_ratio


def matched(runs: list, reference: str) -> dict[str, float]:
    """Per erasure, the smallest alpha whose forget ratio reaches the reference (initial weights or mean predictor):
    the fraction of erasures that reach it, of those that reach it with every other class within 10 % (at any
    alpha), and the mean alpha / worst retain ratio at the matched alpha (over erasures that reach it)."""
    reached, within, alphas, worst = 0, 0, [], []
    for r in runs:
        ok = r.forget_ratio >= level(r, reference)
        within += bool(np.any(ok & (r.retain_ratio_max <= RETAIN_TARGET)))
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


def recurrent_alpha(action) -> float:
    """Mean strength the guard applied to the recurrent maps (NaN when no recurrent map is edited)."""
    return float(np.mean(list(action.map_alpha.values()))) if action.map_alpha else float("nan")


def summarise(results: list[dict]) -> dict[str, dict[str, np.ndarray]]:
    table = {}
    for label in results[0]:
        runs = [r for seed in results for r in seed[label]]
        table[label] = {
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
                f"met_{ref}": np.sum(
                    [(r.forget_ratio >= level(r, ref)) & (r.retain_ratio_max <= RETAIN_TARGET) for r in runs], axis=0
                )
                for ref in ("untrained", "mean_predictor")
            },
            **{
                f"{ref}_{key}": value
                for ref in ("untrained", "mean_predictor")
                for key, value in matched(runs, ref).items()
            },
            "guard_alpha": np.mean([[recurrent_alpha(g) for g in r.guard] for r in runs], axis=0),
            "n": len(runs),
        }
    return table


def figure(table: dict, data: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    x_max, y_max = 2.0, 20.0  # blow-ups are drawn at the edge (open markers)
    colors = plt.get_cmap("tab10").colors
    for (label, row), color in zip(table.items(), colors, strict=False):
        x, y = np.minimum(row["retain_worst_mean"], x_max), np.minimum(row["forget_gmean"], y_max)
        clipped = (row["retain_worst_mean"] > x_max) | (row["forget_gmean"] > y_max)
        ax.plot(x, y, "-", color=color, label=label)
        ax.plot(x[~clipped], y[~clipped], "o", color=color)
        ax.plot(x[clipped], y[clipped], "o", mfc="white", color=color)
        for alpha, xi, yi in zip(ALPHAS, x, y, strict=True):
            ax.annotate(f"{alpha:g}", (xi, yi), fontsize=6, color=color, xytext=(3, 2), textcoords="offset points")
    row = next(iter(table.values()))
    ax.axhline(row["untrained"], color="grey", ls=":", label="untrained (initial weights)")
    ax.axhline(row["mean_predictor"], color="grey", ls="-.", label="mean predictor")
    ax.axvline(RETAIN_TARGET, color="k", lw=0.5, label="retain target (+10 %)")
    ax.set_yscale("log")
    ax.set_xlim(0.98, x_max * 1.02)
    ax.set_ylim(0.9, y_max * 1.1)
    ax.set_xlabel("worst retained class: held-out error ratio (mean over erasures)")
    ax.set_ylabel("erased class: error ratio (geometric mean)")
    ax.set_title(
        f"Erasing one class from the mirror ({data}), n = {row['n']} erasures\n"
        "curves: edited maps / recurrent guard; labels: α; open markers: beyond the axes",
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
    parser.add_argument(
        "--edit", nargs="+", default=["all", "to_latent", "decoder.afferent"],
        help="edit settings: 'all' or comma-separated map names (e.g. to_latent)",
    )  # fmt: skip
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
                results.append(pipeline(args.data, seed, Path(tmp), spiking_dir, args.edit))
    table = summarise(results)
    path = Path(__file__).with_name(f"engram_mirror_{args.data}.png")
    figure(table, args.data, path)
    first = next(iter(table.values()))
    print(f"\n{args.data}, seeds {args.seeds}, {first['n']} erasures, {time.perf_counter() - start:.0f} s")
    print(f"untrained (initial weights) forget ratio {first['untrained']:.3f}, "
          f"mean predictor {first['mean_predictor']:.3f}")  # fmt: skip
    print("| edited maps / guard | α | forget ratio mean (geo. mean, max) | reached untrained | retain mean | "
          "retain worst (mean, max) | guard α (rec. maps) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for label, row in table.items():
        for i, alpha in enumerate(ALPHAS):
            forget = f"{row['forget'][i]:.3g} ({row['forget_gmean'][i]:.3g}, {row['forget_max'][i]:.3g})"
            retain = f"{row['retain_mean'][i]:.3f} | {row['retain_worst_mean'][i]:.3f}, {row['retain_max'][i]:.3f}"
            guard = "-" if np.isnan(row["guard_alpha"][i]) else f"{row['guard_alpha'][i]:.3f}"
            print(f"| {label} | {alpha:g} | {forget} | {row['reached_untrained'][i]:.2f} | {retain} | {guard} |")
    for ref in ("untrained", "mean_predictor"):
        print(f"\nErasures meeting the target at each α (reference: {ref}; forget >= reference and every retained "
              f"class <= {RETAIN_TARGET:g}), out of {first['n']}:")  # fmt: skip
        print("| edited maps / guard | " + " | ".join(f"{a:g}" for a in ALPHAS) + " |")
        print("|---" * (len(ALPHAS) + 1) + "|")
        for label, row in table.items():
            print(f"| {label} | " + " | ".join(str(int(k)) for k in row[f"met_{ref}"]) + " |")
    print("\n| edited maps / guard | reference | reaches it | ... with others within 10 % at some α | matched α (mean) "
          "| worst retain there (mean) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for label, row in table.items():
        for ref in ("untrained", "mean_predictor"):
            print(f"| {label} | {ref} | {row[ref + '_reached']:.2f} | {row[ref + '_within']:.2f} | "
                  f"{row[ref + '_alpha']:.3g} | {row[ref + '_retain_max']:.3f} |")  # fmt: skip
    print(f"figure: {path}")


if __name__ == "__main__":
    main()
