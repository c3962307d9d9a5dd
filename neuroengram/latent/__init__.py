"""Latent dimensionality reports: intrinsic dimension with honest uncertainty, on any array or run.

Public API: :class:`IntrinsicDimension` (scikit-learn estimator; ``fit(X, y=labels)`` sets ``dimension_``,
``interval_``, ``estimates_``, ``calibrated_``, ``scales_`` (ID against neighbourhood scale), ``decimation_`` (ID
against sample size), ``classes_`` (per-class ID), ``warnings_`` ...), :func:`build_graph` (the shared kNN graph)
and the functional estimators in :mod:`neuroengram.latent.estimators`.

Worked example, scikit-learn digits (1797 x 64; ``neuroengram id estimate sklearn:digits --out digits_report``;
numbers from this code, seed 0, equal to scikit-dimension 0.5.0's to +-0.05)::

    >>> from sklearn.datasets import load_digits
    >>> digits = load_digits()
    >>> model = IntrinsicDimension(n_bootstrap=100).fit(digits.data, digits.target)

- recommended 9.0, interval 7.6-10.8 (7.9-10.0 without resampling); raw TwoNN 8.91, GRIDE 8.95 / 8.17 / 7.20 at
  n1 = 1 / 2 / 4 (5.6 at n1 = 32), MLE 8.11 / 7.42 / 6.84 at k = 5 / 10 / 20 (harmonic mean), DANCo 9.01;
- linear: PCA needs 21 components for 90 % of the variance, participation ratio 13.2 (bias-corrected 13.3);
- ID against sample size: TwoNN 8.9 on all points, 8.5 / 8.0 / 7.5 / 6.6 on disjoint subsamples of 898 / 449 /
  224 / 112; per class (MLE k = 20 on each digit's points) from 4.8 (digit 1) to 8.6 (digit 0).

Why they disagree: the kNN estimators see a scale-dependent ID (GRIDE falls from 9 to 5.6 as neighbourhoods grow,
and MLE at k = 20 averages over larger neighbourhoods than TwoNN's two nearest: no plateau, flagged), the kNN
readings grow with n (n = 1797 is small for an ID near 9: flagged, and corrected by the hyper-ball calibration),
the classes are different manifolds (a union, not one ID), and PCA counts the linear directions a curved manifold
fills (21, not 9). The pixels are integers 0-16 but not Poisson-like, so no count-noise warning.
"""

from neuroengram.latent.graph import NeighbourGraph, build_graph
from neuroengram.latent.report import IntrinsicDimension

__all__ = ["IntrinsicDimension", "NeighbourGraph", "build_graph"]
