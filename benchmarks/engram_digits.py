"""Benchmark: one-class erasure on scikit-learn digits, the engram estimator against the baselines, in one run.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/engram_digits.py [--seeds 0 1 2] [--epochs 150]

For every seed: a bias-free He-initialised ReLU MLP 64-128-64-10 is trained (Adam, lr 3e-3, batch 64); for every
class c, the class is erased by each method and the test accuracy on class c (forget) and on the other classes
(retain) is measured. Methods: the engram estimator (input moments, alpha = 1; the K-FAC variant at alpha = 1 and 2),
retraining without the class (gold), fine-tuning on the retain set (5 epochs), gradient ascent on the forget set
(until its training accuracy is <= 0.05), Selective Synaptic Dampening (alpha = 10, lambda = 1), output masking, and
the PyPI package ai-engram (if installed) on the same model. Wall times: erasure = reference statistics + fit + edit
from scratch for one class; retraining = the gold run; the speed ratio is their ratio in this run. Agreement with
ai-engram: the largest relative difference between its engram ``(n/N) P`` and ours with the same cut
(``rcond = D * eps32``), over layers and classes. Probe recall: a linear probe (logistic regression on the last hidden
layer, fitted on the training images of the edited model) still finds the class in the representation (masking
leaves it at the original level).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from neuroengram.engram import EngramEstimator, collect_moments, relative_pinv
from neuroengram.engram.baselines import OutputMask, finetune, gradient_ascent, ssd
from neuroengram.engram.digits import forget_retain_accuracy, load_split, make_mlp, train_classifier
from neuroengram.engram.estimator import FLOAT32_EPS


def probe_recall(model, split, c: int) -> float:
    """Linear-probe recall of class c from the last hidden layer (representation-level evidence of the memory).

    A multinomial logistic regression on the penultimate activations of the training images (all ten labels) is
    evaluated on the held-out images of class c; output masking leaves it untouched, true removal should lower it.
    """
    from sklearn.linear_model import LogisticRegression

    body = (model.model if isinstance(model, OutputMask) else model)[:-1]
    with torch.no_grad():
        h_train, h_test = body(split.x_train).numpy(), body(split.x_test).numpy()
    probe = LogisticRegression(max_iter=2000).fit(h_train, split.y_train.numpy())
    mask = split.y_test.numpy() == c
    return float((probe.predict(h_test[mask]) == c).mean())


def ai_engram_erase(model, x_forget, x_train):
    """Erase with the ai-engram package (default scaling n/N, alpha = 1); returns (model, {layer: n/N * P})."""
    from engram import EditorConfig, EngramEditor

    editor = EngramEditor(model, EditorConfig())
    target = editor.collect_statistics([(x_forget,)])
    total = editor.collect_statistics([(x_train,)])
    result = editor.compute_engram_weights(target, total)
    engrams = {name: info.projection.double() * info.n / info.N for name, info in result.layers.items()}
    return editor.apply(result, alpha=1.0), engrams


PROBED = ("original", "engram", "retrain", "grad_ascent", "ssd", "mask")


def run_seed(seed: int, epochs: int, with_ai_engram: bool) -> list[dict]:
    split = load_split(seed)
    x, y, x_te, y_te = split.x_train, split.y_train, split.x_test, split.y_test
    model = train_classifier(make_mlp(seed=seed), x, y, epochs=epochs, seed=seed)
    rows = []
    for c in range(10):
        forget, keep = y == c, y != c
        res: dict = {"seed": seed, "class": c}

        def record(name, edited, seconds=None, c=c, res=res):
            res[name] = forget_retain_accuracy(edited, x_te, y_te, [c])
            if name in PROBED:
                res[f"{name}_probe"] = probe_recall(edited, split, c)
            if seconds is not None:
                res[f"{name}_time"] = seconds

        record("original", model)
        start = time.perf_counter()
        reference = collect_moments(model, [x])
        est = EngramEstimator().fit(model, [x[forget]], reference)
        erased = est.erase(model)
        record("engram", erased, time.perf_counter() - start)
        kfac = EngramEstimator(method="kfac", random_state=seed).fit(model, [x[forget]], [x])
        record("engram_kfac", kfac.erase(model))
        record("engram_kfac_a2", kfac.erase(model, alpha=2.0))
        start = time.perf_counter()
        gold = train_classifier(make_mlp(seed=seed), x[keep], y[keep], epochs=epochs, seed=seed)
        record("retrain", gold, time.perf_counter() - start)
        start = time.perf_counter()
        record("finetune", finetune(model, x[keep], y[keep], seed=seed), time.perf_counter() - start)
        start = time.perf_counter()
        record("grad_ascent", gradient_ascent(model, x[forget], y[forget], seed=seed), time.perf_counter() - start)
        start = time.perf_counter()
        record("ssd", ssd(model, x, y, x[forget], y[forget]), time.perf_counter() - start)
        record("mask", OutputMask(model, [c]))
        if with_ai_engram:
            start = time.perf_counter()
            ai_model, ai_engrams = ai_engram_erase(model, x[forget], x)
            record("ai_engram", ai_model, time.perf_counter() - start)
            diffs = []
            for name, e_ai in ai_engrams.items():  # our engram with ai-engram's cut D * eps32
                sigma_r = est.reference_moments_[name].total
                pinv = relative_pinv(sigma_r, sigma_r.shape[0] * FLOAT32_EPS)
                e_ours = est.weights_[name] @ est.target_moments_[name].total @ pinv
                diffs.append(float(torch.linalg.norm(e_ours - e_ai) / torch.linalg.norm(e_ours)))
            res["ai_engram_rel_diff"] = max(diffs)
        rows.append(res)
        print(json.dumps({k: v for k, v in res.items() if not isinstance(v, tuple) or k in ("engram", "retrain")}))
    return rows


def summary(rows: list[dict]) -> str:
    methods = list(
        ("original", "engram", "engram_kfac", "engram_kfac_a2", "retrain", "finetune", "grad_ascent", "ssd", "mask")
    )
    if "ai_engram" in rows[0]:
        methods.append("ai_engram")
    lines = [
        "| method | forget acc | retain acc | retain drop | worst retain | probe recall | wall time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    orig_retain = np.array([r["original"][1] for r in rows])
    for m in methods:
        forget = np.array([r[m][0] for r in rows])
        retain = np.array([r[m][1] for r in rows])
        times = [r[f"{m}_time"] for r in rows if f"{m}_time" in r]
        wall = f"{np.mean(times):.3f}" if times else "—"
        probe = f"{np.mean([r[f'{m}_probe'] for r in rows]):.3f}" if f"{m}_probe" in rows[0] else "—"
        lines.append(
            f"| {m} | {forget.mean():.3f} (max {forget.max():.3f}) | {retain.mean():.4f} | "
            f"{(orig_retain - retain).mean():+.4f} | {retain.min():.3f} | {probe} | {wall} |"
        )
    erase_t = np.array([r["engram_time"] for r in rows])
    retrain_t = np.array([r["retrain_time"] for r in rows])
    lines.append("")
    lines.append(
        f"speed: retraining / erasure = {retrain_t.mean() / erase_t.mean():.0f}x (means: {retrain_t.mean():.2f} s vs "
        f"{erase_t.mean():.3f} s; median of per-class ratios {np.median(retrain_t / erase_t):.0f}x)"
    )
    if "ai_engram_rel_diff" in rows[0]:
        lines.append(
            f"ai-engram agreement: max relative engram difference {max(r['ai_engram_rel_diff'] for r in rows):.2e}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=150)
    args = parser.parse_args()
    try:
        import engram  # noqa: F401  (the ai-engram package)

        with_ai = True
    except ImportError:
        with_ai = False
        print("ai-engram not installed: skipping that baseline (pip install --no-deps ai-engram)")
    rows = [row for seed in args.seeds for row in run_seed(seed, args.epochs, with_ai)]
    print(f"\nseeds {args.seeds}, {args.epochs} epochs, 10 classes each\n")
    print(summary(rows))


if __name__ == "__main__":
    main()
