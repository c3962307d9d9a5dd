"""scikit-learn-style estimator around :class:`DaleAutoencoder`: ``fit`` / ``transform`` / ``score`` / ``save``.

Model files: ``model.pt`` is the ``state_dict`` (tensors only, loads with ``torch.load(..., weights_only=True)``);
``model.json`` holds the constructor arguments (``"model"``) and the training settings (``"training"``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from neuroengram.errors import DataError
from neuroengram.mirror.autoencoder import DaleAutoencoder
from neuroengram.mirror.data import check_sequences
from neuroengram.mirror.train import Loss, mean_predictor_loss, reconstruction_loss, train_autoencoder


class EngramAutoencoder:
    """Fit a Dale-constrained recurrent autoencoder to sequences ``(n_samples, n_steps, n_features)``.

    Parameters are those of :class:`DaleAutoencoder` (except ``n_features``, taken from the data) plus the
    training settings. ``loss="bce"`` requires binary (0/1) data. Learned attributes: ``model_``
    (the ``nn.Module``), ``loss_history_`` (mean training loss per epoch), ``fit_seconds_``, ``train_mean_``
    (per-feature training mean, for the mean-predictor baseline).
    """

    def __init__(
        self,
        latent_width: int = 4,
        n_units: int = 40,
        exc_fraction: float = 0.8,
        leak: float = 0.5,
        gain: float = 0.5,
        loss: Loss = "mse",
        epochs: int = 30,
        lr: float = 0.01,
        batch_size: int = 32,
        seed: int = 0,
    ) -> None:
        self.latent_width = latent_width
        self.n_units = n_units
        self.exc_fraction = exc_fraction
        self.leak = leak
        self.gain = gain
        self.loss = loss
        self.epochs = epochs
        self.lr = lr
        self.batch_size = batch_size
        self.seed = seed

    def _tensor(self, x: np.ndarray, key: str = "x") -> torch.Tensor:
        x = check_sequences(x, key=key, binary=self.loss == "bce")
        if hasattr(self, "model_") and x.shape[2] != self.model_.config()["n_features"]:
            raise DataError(
                f"the model was fitted on {self.model_.config()['n_features']} features, got {x.shape[2]}",
                key=key,
                fix="pass sequences with the same features (neurons) as in fit",
            )
        return torch.from_numpy(x)

    def fit(self, x: np.ndarray, progress: Any = iter) -> EngramAutoencoder:
        """Train on ``x`` with Adam; initialisation and mini-batch order follow ``seed``."""
        tensor = self._tensor(x)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.model_ = DaleAutoencoder(
                tensor.shape[2], self.latent_width, self.n_units, self.exc_fraction, self.leak, self.gain
            )
        start = time.perf_counter()
        self.loss_history_ = train_autoencoder(
            self.model_,
            tensor,
            epochs=self.epochs,
            lr=self.lr,
            batch_size=self.batch_size,
            generator=torch.Generator().manual_seed(self.seed),
            loss=self.loss,
            progress=progress,
        )
        self.fit_seconds_ = time.perf_counter() - start
        self.train_mean_ = tensor.mean(dim=(0, 1)).numpy()
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Latent codes (engrams) ``(n_samples, latent_width)``."""
        with torch.no_grad():
            return self.model_.encode(self._tensor(x)).numpy()

    def reconstruct(self, x: np.ndarray) -> np.ndarray:
        """Reconstructions (probabilities for ``loss="bce"``), same shape as ``x``."""
        with torch.no_grad():
            x_hat, _ = self.model_(self._tensor(x))
        return (torch.sigmoid(x_hat) if self.loss == "bce" else x_hat).numpy()

    def evaluate(self, x: np.ndarray) -> dict[str, float]:
        """Reconstruction loss on ``x``, the mean predictor's loss, their ratio and (MSE) variance explained."""
        tensor = self._tensor(x)
        with torch.no_grad():
            error = float(reconstruction_loss(self.model_(tensor)[0], tensor, self.loss))
        baseline = mean_predictor_loss(torch.from_numpy(self.train_mean_)[None, None], tensor, self.loss)
        return {
            "reconstruction_loss": error,
            "baseline_loss": baseline,
            "loss_ratio": error / baseline if baseline > 0 else float("nan"),
            "variance_explained": 1.0 - error / baseline if self.loss == "mse" and baseline > 0 else float("nan"),
        }

    def score(self, x: np.ndarray) -> float:
        """``1 - loss / mean-predictor loss`` on ``x`` (the fraction of variance explained for MSE)."""
        return 1.0 - self.evaluate(x)["loss_ratio"]

    def save(self, directory: Path) -> tuple[Path, Path]:
        """Write ``model.pt`` (state_dict) and ``model.json`` (rebuild config) into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        weights, config = directory / "model.pt", directory / "model.json"
        torch.save(self.model_.state_dict(), weights)
        training = {key: getattr(self, key) for key in ("loss", "epochs", "lr", "batch_size", "seed")}
        training["train_mean"] = self.train_mean_.tolist()
        training["loss_history"] = self.loss_history_
        config.write_text(json.dumps({"model": self.model_.config(), "training": training}, indent=2))
        return weights, config

    @classmethod
    def load(cls, directory: Path) -> EngramAutoencoder:
        """Rebuild a fitted estimator from :meth:`save` output (weights loaded with ``weights_only=True``)."""
        meta = json.loads((directory / "model.json").read_text())
        model_args, training = meta["model"], meta["training"]
        estimator = cls(
            latent_width=model_args["latent_width"],
            n_units=model_args["n_units"],
            exc_fraction=model_args["exc_fraction"],
            leak=model_args["leak"],
            gain=model_args["gain"],
            **{key: training[key] for key in ("loss", "epochs", "lr", "batch_size", "seed")},
        )
        estimator.model_ = DaleAutoencoder(**model_args)
        estimator.model_.load_state_dict(torch.load(directory / "model.pt", weights_only=True))
        estimator.model_.eval()
        estimator.train_mean_ = np.asarray(training["train_mean"], dtype=np.float32)
        estimator.loss_history_ = list(training["loss_history"])
        return estimator
