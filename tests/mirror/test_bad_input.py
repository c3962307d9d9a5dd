"""Bad input gets a clear error naming the field and the fix."""

from __future__ import annotations

import numpy as np
import pytest

from neuroengram.errors import ConfigError, DataError, StageError
from neuroengram.mirror import DaleAutoencoder, EngramAutoencoder, factor_sequences, rate_windows


def test_sequences_need_three_axes() -> None:
    with pytest.raises(DataError, match=r"\(n_samples, n_steps, n_features\).*fix:"):
        EngramAutoencoder().fit(np.zeros((10, 8)))


def test_feature_count_must_match_the_fitted_model(fitted: EngramAutoencoder) -> None:
    with pytest.raises(DataError, match="fitted on 10 features, got 7"):
        fitted.transform(np.zeros((2, 12, 7), dtype=np.float32))


def test_labels_must_match_rates() -> None:
    with pytest.raises(DataError, match="labels has 5 entries but rates has 20 bins"):
        rate_windows(np.ones((20, 3)), window=4, stride=2, labels=np.zeros(5))


def test_non_binary_data_with_binary_loss() -> None:
    x, _ = factor_sequences(16, 6, 4, 2, np.random.default_rng(0), kind="continuous")
    with pytest.raises(DataError, match=r"binary data required.*fix:"):
        EngramAutoencoder(latent_width=2, loss="bce").fit(x)


def test_non_finite_data() -> None:
    x = np.zeros((4, 5, 3))
    x[1, 2, 0] = np.nan
    with pytest.raises(DataError, match="1 NaN/inf"):
        EngramAutoencoder(latent_width=2).fit(x)


def test_latent_wider_than_input() -> None:
    with pytest.raises(ConfigError, match=r"latent_width.*wider than the input.*fix: use latent_width <= 6"):
        DaleAutoencoder(n_features=6, latent_width=8)


def test_nan_loss_stops_with_epoch_and_last_finite_loss() -> None:
    x, _ = factor_sequences(64, 8, 6, 2, np.random.default_rng(0))
    with pytest.raises(StageError, match=r"diverged.*in epoch 1 \(last finite batch loss \d\.\d+\).*fix: lower"):
        EngramAutoencoder(latent_width=2, n_units=10, epochs=5, lr=1e6, batch_size=16).fit(x)
