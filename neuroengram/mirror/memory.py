"""Storage capacity: recall of ±1 patterns from a corrupted cue against the load P/N.

Three memories of equal size (N² numbers for N-bit patterns):

- **Classical Hopfield** (Hopfield 1982; Amit, Gutfreund & Sompolinsky 1985): ``W = Σ_μ ξ^μ ξ^μᵀ / N``, zero
  diagonal, asynchronous updates ``s_i <- sign(Σ_j W_ij s_j)`` in random order until stable (≤ 20 sweeps);
  critical load α_c ≈ 0.138.
- **Modern Hopfield** (Ramsauer et al. 2021, arXiv:2008.02217): one update ``s <- sign(Xᵀ softmax(β X s))``
  with the P patterns as rows of X (P·N numbers; exponential capacity in N).
- **Hebbian slot memory** (the :mod:`neuroengram.mirror.hebbian` cell's own ``retrieve`` and ``hebbian_update``,
  untrained): K = N slots with fixed random unit addresses ``M``; pattern μ is written at step μ with code
  ``z = ξ^μ``; the cue is read by top-k retrieval and recalled as ``sign(m)``.

Recall succeeds when the overlap ``ξ·s / N`` exceeds 0.98 (the research brief's protocol, Appendix A).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import torch

from neuroengram.mirror.hebbian import Rule, hebbian_update, retrieve

Memory = Literal["hopfield", "modern", "hebbian"]


def _sign(values: np.ndarray) -> np.ndarray:
    return np.where(values >= 0, 1.0, -1.0)


def hopfield_recall(patterns: np.ndarray, cues: np.ndarray, rng: np.random.Generator, sweeps: int = 20) -> np.ndarray:
    """Classical Hopfield: final states ``(n_cues, N)`` from ``cues`` after asynchronous updates."""
    n = patterns.shape[1]
    weights = patterns.T @ patterns / n
    np.fill_diagonal(weights, 0.0)
    states = cues.astype(float).copy()
    for state in states:
        for _ in range(sweeps):
            changed = False
            for i in rng.permutation(n):
                new = 1.0 if weights[i] @ state >= 0 else -1.0
                changed |= new != state[i]
                state[i] = new
            if not changed:
                break
    return states


def modern_hopfield_recall(patterns: np.ndarray, cues: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """Modern Hopfield, one update: ``sign(softmax(β cues Xᵀ) X)``."""
    logits = beta * cues @ patterns.T
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    weights /= weights.sum(axis=1, keepdims=True)
    return _sign(weights @ patterns)


def hebbian_slot_recall(
    patterns: np.ndarray,
    cues: np.ndarray,
    rng: np.random.Generator,
    k: int = 1,
    eta: float = 1.0,
    rule: Rule = "oja",
    gain: float = 1.0,
    temperature: float = 0.1,
) -> np.ndarray:
    """Hebbian slot memory with K = N slots (see the module docstring); returns recalled states ``(n_cues, N)``."""
    n = patterns.shape[1]
    memory = torch.from_numpy(rng.normal(size=(n, n)) / np.sqrt(n)).float()
    gains = torch.full((n,), float(gain))
    trace = torch.zeros(1, n, n)
    rate = torch.tensor(float(eta))
    for pattern in torch.from_numpy(patterns).float():
        attention, _ = retrieve(pattern[None], memory, trace, gains, k, temperature)
        trace = hebbian_update(trace, attention, pattern[None], rate, rule)
    cue_tensor = torch.from_numpy(cues).float()
    _, recalled = retrieve(cue_tensor, memory, trace.expand(len(cues), n, n), gains, k, temperature)
    return _sign(recalled.numpy())


def recall_rate(
    memory: Memory,
    n_units: int,
    n_patterns: int,
    rng: np.random.Generator,
    cue_noise: float = 0.1,
    n_probes: int = 20,
    **options: float,
) -> float:
    """Fraction of probes (stored patterns with ``cue_noise`` of their bits flipped) recalled with overlap > 0.98."""
    patterns = _sign(rng.normal(size=(n_patterns, n_units)))
    probes = rng.choice(n_patterns, size=min(n_probes, n_patterns), replace=False)
    cues = patterns[probes].copy()
    flips = rng.random(cues.shape) < cue_noise
    cues[flips] *= -1
    if memory == "hopfield":
        states = hopfield_recall(patterns, cues, rng)
    elif memory == "modern":
        states = modern_hopfield_recall(patterns, cues, **options)
    else:
        states = hebbian_slot_recall(patterns, cues, rng, **options)  # type: ignore[arg-type]
    overlap = (states * patterns[probes]).sum(axis=1) / n_units
    return float((overlap > 0.98).mean())


def capacity_curve(
    memory: Memory,
    n_units: int,
    loads: Sequence[float],
    rng: np.random.Generator,
    trials: int = 5,
    cue_noise: float = 0.1,
    **options: float,
) -> np.ndarray:
    """Mean recall rate at each load ``P/N`` (``P = max(1, round(load · N))``), averaged over ``trials``."""
    return np.array(
        [
            np.mean(
                [
                    recall_rate(memory, n_units, max(1, round(load * n_units)), rng, cue_noise, **options)
                    for _ in range(trials)
                ]
            )
            for load in loads
        ]
    )
