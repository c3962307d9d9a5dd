"""Manifolds never used while choosing the recommended rule: the estimate and interval out of sample.

torus (ID 2, R^3), hyperTwinPeaks (ID 2 and 5), hyperSphere (ID 15, R^16), random tanh maps of d-cubes into R^50
(d = 3, 6, 12; a "network-made" manifold), a Gaussian linear subspace (ID 8 in R^40) and the Lorenz attractor
(correlation dimension 2.05, Kaplan-Yorke 2.06; random states of a 20000-step trajectory); n = 2500, seeds 0, 1, 2.
Run: OMP_NUM_THREADS=1 nice -n 10 python benchmarks/latent_heldout.py
"""

from __future__ import annotations

import warnings

import numpy as np
import skdim

from neuroengram.latent.report import IntrinsicDimension


def tanh_map(n: int, d: int, D: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.tanh(rng.uniform(-1, 1, (n, d)) @ rng.normal(0, 1, (d, D)))


def gaussian_subspace(n: int, d: int, D: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) @ rng.standard_normal((d, D))


def lorenz(n: int, seed: int) -> np.ndarray:
    X = skdim.datasets.lorenz_attractor(20000)
    return X[np.sort(np.random.default_rng(seed).choice(len(X), n, replace=False))]


SETS = {
    "torus": (2, lambda n, s: skdim.datasets.torus(n, random_state=s)),
    "twin_peaks_2": (2, lambda n, s: skdim.datasets.hyperTwinPeaks(n, 2, random_state=s)),
    "twin_peaks_5": (5, lambda n, s: skdim.datasets.hyperTwinPeaks(n, 5, random_state=s)),
    "sphere_15": (15, lambda n, s: skdim.datasets.hyperSphere(n, 15, random_state=s)),
    "tanh_cube_3": (3, lambda n, s: tanh_map(n, 3, 50, s)),
    "tanh_cube_6": (6, lambda n, s: tanh_map(n, 6, 50, s)),
    "tanh_cube_12": (12, lambda n, s: tanh_map(n, 12, 50, s)),
    "gauss_8_in_40": (8, lambda n, s: gaussian_subspace(n, 8, 40, s)),
    "lorenz": (2.06, lorenz),
}


def _mean(values: list[float]) -> float:
    return float(np.mean(values))


def main(n: int = 2500, seeds: tuple[int, ...] = (0, 1, 2)) -> None:
    warnings.simplefilter("ignore")
    print(f"{'set':<14} {'d':>4} {'id':>7} {'interval':>17} {'cov':>4} {'TwoNN':>7} {'GRIDE':>7} {'DANCo':>7}")
    errors, raw_err, covered, total = [], {"TwoNN": [], "GRIDE_1": [], "DANCo": []}, 0, 0
    for name, (d, make) in SETS.items():
        rows = [IntrinsicDimension(n_bootstrap=50, heavy=False, random_state=s).fit(make(n, s)) for s in seeds]
        cov = sum(m.interval_[0] <= d <= m.interval_[1] for m in rows)
        covered, total = covered + cov, total + len(rows)
        errors += [abs(m.dimension_ - d) / d for m in rows]
        for key in raw_err:
            raw_err[key] += [abs(m.estimates_[key] - d) / d for m in rows]
        print(
            f"{name:<14} {d:>4g} {_mean([m.dimension_ for m in rows]):>7.2f} "
            f"[{_mean([m.interval_[0] for m in rows]):>6.2f}, {_mean([m.interval_[1] for m in rows]):>6.2f}] "
            f"{cov}/{len(rows)} " + " ".join(f"{_mean([m.estimates_[k] for m in rows]):>7.2f}" for k in raw_err)
        )
    print(
        f"recommended MRE {np.mean(errors) * 100:.2f} %, coverage {covered}/{total}; raw MRE "
        + ", ".join(f"{k} {np.mean(v) * 100:.2f} %" for k, v in raw_err.items())
    )


if __name__ == "__main__":
    main()
