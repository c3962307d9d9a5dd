"""Shared fixtures of the mirror tests (small models; torch on one thread on the shared CI machine)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neuroengram.mirror import EngramAutoencoder, factor_sequences

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def two_factor_data() -> tuple[np.ndarray, np.ndarray]:
    """Continuous sequences (160 train + 64 test, 12 steps, 10 features) from 2 hidden factors."""
    x, _ = factor_sequences(224, 12, 10, 2, np.random.default_rng(0), noise=0.05)
    return x[:160], x[160:]


@pytest.fixture(scope="session")
def fitted(two_factor_data: tuple[np.ndarray, np.ndarray]) -> EngramAutoencoder:
    """A width-2 autoencoder (30 E/I units per network, 24 E : 6 I) fitted for 40 epochs with seed 3."""
    train, _ = two_factor_data
    return EngramAutoencoder(latent_width=2, n_units=30, epochs=40, lr=0.01, seed=3).fit(train)
