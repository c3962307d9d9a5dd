"""Offline sequence tasks for the memory benchmarks (no downloads).

- :func:`digit_sequences`: scikit-learn's 8x8 digits (shipped with scikit-learn) as 8 steps of 8 pixel rows,
  scaled to [0, 1]; 1797 samples, 10 classes.
- :func:`associative_recall`: ``n_pairs`` (key, value) pairs, one pair per step as one-hot key ⊕ one-hot value,
  then a query step (one-hot key, zero value); the target is the value stored with the queried key
  (Ba et al. 2016, arXiv:1610.06258 §4.1, in one-hot form).
- :func:`mnist1d_sequences`: MNIST-1D (Greydanus 2020, arXiv:2011.14439) generated offline with the ``mnist1d``
  package (``make_dataset``), as 40 steps of one feature; optional dependency.
"""

from __future__ import annotations

import numpy as np

from neuroengram.errors import ConfigError


def digit_sequences() -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)``: ``x`` (1797, 8, 8) float32 in [0, 1] (row t is step t), ``y`` (1797,) int64 labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0).astype(np.float32), digits.target.astype(np.int64)


def associative_recall(
    n_samples: int, n_pairs: int, n_keys: int, n_values: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(x, y)``: ``x`` (n, n_pairs + 1, n_keys + n_values) float32, ``y`` (n,) int64 value of the queried key.

    Keys within a sample are distinct (drawn without replacement); values are drawn with replacement.
    """
    if n_pairs > n_keys:
        raise ConfigError(f"{n_pairs} pairs need at least as many keys, got {n_keys}", key="n_keys")
    keys = np.argsort(rng.random((n_samples, n_keys)), axis=1)[:, :n_pairs]
    values = rng.integers(0, n_values, size=(n_samples, n_pairs))
    x = np.zeros((n_samples, n_pairs + 1, n_keys + n_values), dtype=np.float32)
    rows = np.arange(n_samples)[:, None]
    steps = np.arange(n_pairs)[None, :]
    x[rows, steps, keys] = 1.0
    x[rows, steps, n_keys + values] = 1.0
    queried = rng.integers(0, n_pairs, size=n_samples)
    x[np.arange(n_samples), n_pairs, keys[np.arange(n_samples), queried]] = 1.0
    return x, values[np.arange(n_samples), queried].astype(np.int64)


def mnist1d_sequences(seed: int = 42) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` of MNIST-1D (4000 / 1000 samples, 40 steps x 1 feature)."""
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError as err:
        raise ConfigError(
            "MNIST-1D needs the optional package mnist1d", key="mnist1d", fix="pip install mnist1d"
        ) from err
    args = get_dataset_args()
    args.seed = seed
    data = make_dataset(args)
    x_train, x_test = (np.asarray(data[key], dtype=np.float32)[..., None] for key in ("x", "x_test"))
    return x_train, np.asarray(data["y"], dtype=np.int64), x_test, np.asarray(data["y_test"], dtype=np.int64)
