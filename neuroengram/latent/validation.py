"""Validation on manifolds of known intrinsic dimension (scikit-dimension's 24 ``BenchmarkManifolds``).

For every manifold and seed: the recommended estimate, its interval, and every estimator's raw and calibrated
value; summarised as mean relative error ``|est - d| / d`` (MRE, %) per estimator and the number of manifolds whose
interval contains the true ID. Goals (issue #7): recommended MRE <= 8 % averaged over >= 3 seeds, coverage >= 20/24.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterable

import numpy as np

from neuroengram.latent.report import IntrinsicDimension


def manifold_names() -> list[str]:
    """Names of the 24 benchmark manifolds, in skdim's order."""
    import skdim

    return list(skdim.datasets.BenchmarkManifolds(random_state=0).truth.index)


def run_validation(
    seeds: Iterable[int] = (0, 1, 2),
    n: int = 2500,
    names: Iterable[str] | None = None,
    n_bootstrap: int = 50,
    heavy: bool = False,
) -> list[dict[str, float | int | str | bool]]:
    """One row per (seed, manifold): ``d``, ``D``, ``id``, ``id_low``, ``id_high``, ``covered``, ``seconds`` and
    ``raw_<estimator>`` / ``cal_<estimator>`` for every estimator."""
    import skdim

    rows = []
    for seed in seeds:
        bm = skdim.datasets.BenchmarkManifolds(random_state=seed)
        for name in names or manifold_names():
            truth = bm.truth.loc[name]
            d, D = int(truth["Intrinsic Dimension"]), int(truth["Number of variables"])
            X = bm.generate(name, n=n, dim=D, d=d)
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = IntrinsicDimension(n_bootstrap=n_bootstrap, heavy=heavy, random_state=seed).fit(X)
            row: dict[str, float | int | str | bool] = {"seed": seed, "manifold": name, "d": d, "D": D}
            row.update({"id": model.dimension_, "id_low": model.interval_[0], "id_high": model.interval_[1]})
            row["covered"] = bool(model.interval_[0] <= d <= model.interval_[1])
            row["seconds"] = time.perf_counter() - start
            row.update({f"raw_{k}": float(v) for k, v in model.estimates_.items()})
            row.update({f"cal_{k}": float(v) for k, v in model.calibrated_.items()})
            rows.append(row)
    return rows


def summarize(rows: list[dict]) -> dict[str, float | int]:
    """MRE (%) of the recommended estimate and of every estimator (mean over all rows), and interval coverage.

    ``coverage`` counts manifolds whose interval covers the truth, averaged over seeds (out of the manifolds run).
    """
    d = np.array([r["d"] for r in rows], dtype=float)
    seeds = sorted({r["seed"] for r in rows})
    out: dict[str, float | int] = {"n_rows": len(rows), "n_seeds": len(seeds)}
    for key in [k for k in rows[0] if k == "id" or k.startswith(("raw_", "cal_"))]:
        est = np.array([r[key] for r in rows], dtype=float)
        out[f"mre_{key}"] = float(np.mean(np.abs(est - d) / d) * 100)
    out["coverage"] = float(sum(r["covered"] for r in rows) / len(seeds))
    out["n_manifolds"] = len(rows) // len(seeds)
    return out
