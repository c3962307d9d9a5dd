"""Speed: the estimator set from one shared kNN graph against scikit-dimension's estimators called one by one.

Data: ``BenchmarkManifolds(random_state=0).generate("M4_Nonlinear", n, dim=50, d=5)`` (true ID 5), n = 10 000.
Both paths run in this process, one after the other; the ratio is skdim time / our time, with the estimates side by
side. Run (heavy: skdim's ESS alone takes minutes):
    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/latent_speed.py [--n 10000] [--skip-ess]
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import skdim

from neuroengram.latent import estimators as est
from neuroengram.latent.graph import build_graph
from neuroengram.latent.report import IntrinsicDimension


def _timed(fn: Callable[[], float]) -> tuple[float, float]:
    start = time.perf_counter()
    value = fn()
    return float(value), time.perf_counter() - start


def skdim_set(X: np.ndarray, heavy: bool) -> dict[str, tuple[float, float]]:
    """skdim 0.5.0 estimators, defaults except the settings named, each building its own neighbours."""
    D = X.shape[1]
    out = {
        "TwoNN": _timed(lambda: skdim.id.TwoNN().fit(X).dimension_),
        "GRIDE_multiscale": _timed(lambda: skdim.id.GRIDE(multiscale=True, range_max=64).fit(X).dimension_),
        "MLE_5": _timed(lambda: skdim.id.MLE().fit(X, n_neighbors=5).dimension_),
        "MLE_10": _timed(lambda: skdim.id.MLE().fit(X, n_neighbors=10).dimension_),
        "MLE_20": _timed(lambda: skdim.id.MLE().fit(X).dimension_),
        "MiND_ML": _timed(lambda: skdim.id.MiND_ML(D=D).fit(X).dimension_),
        "CorrInt": _timed(lambda: skdim.id.CorrInt().fit(X).dimension_),
        "lPCA_FO+PR": _timed(
            lambda: skdim.id.lPCA().fit(X).dimension_ + 0 * skdim.id.lPCA(ver="participation_ratio").fit(X).dimension_
        ),
        "lPCA_local": _timed(lambda: float(np.mean(skdim.id.lPCA().fit_pw(X, n_neighbors=100).dimension_pw_))),
    }
    if heavy:
        out["DANCo"] = _timed(lambda: skdim.id.DANCo(random_state=0).fit(X).dimension_)
        out["ESS"] = _timed(lambda: skdim.id.ESS(random_state=0).fit(X).dimension_)
    return out


def our_set(X: np.ndarray, heavy: bool) -> dict[str, tuple[float, float]]:
    """The same estimators on one shared graph (k = 100), timed cumulatively from the graph build."""
    D = X.shape[1]
    graph, t_graph = _timed_graph(X)
    out = {"kNN graph (k=100)": (float("nan"), t_graph)}
    out["TwoNN"] = _timed(lambda: est.twonn(graph))
    out["GRIDE_multiscale"] = _timed(lambda: est.gride_scales(graph, 64)["id"][0])
    for k in (5, 10, 20):
        out[f"MLE_{k}"] = _timed(lambda k=k: est.mle(graph, k))
    out["MiND_ML"] = _timed(lambda: est.mind_ml(graph, 20, D))
    out["CorrInt"] = _timed(lambda: est.corrint(graph))
    out["lPCA_FO+PR"] = _timed(lambda: est.pca_fo(est.pca_spectrum(X)))
    out["lPCA_local"] = _timed(lambda: float(np.mean(est.local_pca_pointwise(graph, 100))))
    if heavy:
        sub = np.sort(np.random.default_rng(0).choice(len(X), min(len(X), 5000), replace=False))
        out["DANCo"] = _timed(lambda: est.danco(build_graph(X[sub], 11)))
        out["ESS"] = _timed(lambda: est.ess(graph, 100))
    return out


def _timed_graph(X: np.ndarray) -> tuple[object, float]:
    start = time.perf_counter()
    graph = build_graph(X, 100)
    return graph, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--skip-ess", action="store_true", help="leave out ESS and DANCo (the slow skdim ones)")
    args = parser.parse_args()
    heavy = not args.skip_ess
    X = skdim.datasets.BenchmarkManifolds(random_state=0).generate("M4_Nonlinear", n=args.n, dim=50, d=5)
    warnings.simplefilter("ignore")
    skdim.id.MLE().fit(X[:500])  # warm numba/JIT paths of both libraries once, outside the timings
    skdim.id.TwoNN().fit(X[:500])
    ours = our_set(X, heavy)
    ref = skdim_set(X, heavy)
    print(f"n = {args.n}, D = 50, M4_Nonlinear (true ID 5)")
    print(f"{'estimator':<18} {'skdim s':>9} {'ours s':>9} {'skdim ID':>9} {'our ID':>9}")
    print(f"{'kNN graph (k=100)':<18} {'':>9} {ours['kNN graph (k=100)'][1]:>9.3f}")
    for name, (value, seconds) in ref.items():
        print(f"{name:<18} {seconds:>9.3f} {ours[name][1]:>9.3f} {value:>9.3f} {ours[name][0]:>9.3f}")
    graph_s = ours["kNN graph (k=100)"][1]
    for label, names in (("without ESS, DANCo", [k for k in ref if k not in ("ESS", "DANCo")]), ("all", list(ref))):
        if label == "all" and not heavy:
            continue
        t_ref = sum(ref[k][1] for k in names)
        t_ours = graph_s + sum(ours[k][1] for k in names)
        print(f"{label}: skdim {t_ref:.2f} s, ours {t_ours:.2f} s (graph included), ratio {t_ref / t_ours:.1f}x")
    start = time.perf_counter()
    model = IntrinsicDimension(n_bootstrap=100).fit(X)
    print(
        f"full IntrinsicDimension report (calibration, 100 resamples, ESS, local PCA): "
        f"{time.perf_counter() - start:.2f} s, recommended {model.dimension_:.2f} {model.interval_}"
    )


if __name__ == "__main__":
    main()
