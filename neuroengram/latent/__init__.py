"""Latent dimensionality reports: intrinsic dimension with honest uncertainty, on any array or run.

Public API: :class:`IntrinsicDimension` (scikit-learn estimator; ``fit(X)`` sets ``dimension_``, ``interval_``,
``estimates_``, ``calibrated_``, ``warnings_`` ...), :func:`build_graph` (the shared kNN graph) and the functional
estimators in :mod:`neuroengram.latent.estimators`.
"""

from neuroengram.latent.graph import NeighbourGraph, build_graph
from neuroengram.latent.report import IntrinsicDimension

__all__ = ["IntrinsicDimension", "NeighbourGraph", "build_graph"]
