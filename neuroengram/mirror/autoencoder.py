"""Dale-constrained recurrent sequence autoencoder: an E/I rate network encodes, a latent code holds the engram.

Rate dynamics of both recurrent networks (discretised, step ``dt``, time constant ``tau``, ``leak = dt / tau``):

    r_t = (1 - leak) · r_{t-1} + leak · relu(W_rec r_{t-1} + W_in u_t + b),      r_0 = 0,

with rates ``r_t >= 0`` (shape ``(batch, n_units)``). ``W_rec`` and every map *leaving* the E/I units
(encoder -> latent, decoder -> output) obey Dale's law (:mod:`neuroengram.mirror.dale`; 4:1 E:I by default);
afferent maps (data -> encoder, latent -> decoder) are unconstrained because their sources are not E/I units.

Encoder: reads ``x`` (``(batch, n_steps, n_features)``); the latent code (the engram) is a linear read-out of its
final rates, ``z = W_z r_T + b_z`` (``(batch, latent_width)``). Decoder: a second E/I network driven by the constant
input ``z`` at every step; the reconstruction is ``x̂_t = W_out r'_t + b_out``.

Every linear map is an ``nn.Linear`` module (``encoder.afferent``, ``encoder.recurrent``, ``to_latent``,
``decoder.afferent``, ``decoder.recurrent``, ``readout``), so forward hooks see them; the recurrent layers are
called once per time step.

Reference: the engram-as-autoencoder framing of de Lucas (arXiv:2407.16616); E/I RNNs after Song, Yang & Wang (2016).
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torch.nn.utils import parametrize

from neuroengram.errors import ConfigError
from neuroengram.mirror.dale import dale_linear, ei_signs


class EIRateRNN(nn.Module):
    """Leaky E/I rate network (module docstring); ``forward(u)`` maps ``(batch, n_steps, n_inputs)`` to rates
    ``(batch, n_steps, n_units)``.

    Parameters
    ----------
    n_inputs: width of the afferent input ``u``.
    n_units: number of rate units (excitatory first, then inhibitory).
    exc_fraction: fraction of excitatory units (0.8 = 4:1).
    leak: ``dt / tau`` in (0, 1]; 1 gives a plain ReLU RNN.
    gain: scale of the initial recurrent weights (spectral radius of order ``gain`` when E and I balance).
    signs: explicit unit signs (``+1`` E, ``-1`` I, any order, e.g. a spiking network's neuron order); overrides
        ``n_units`` and ``exc_fraction``.
    """

    def __init__(
        self,
        n_inputs: int,
        n_units: int,
        exc_fraction: float = 0.8,
        leak: float = 0.5,
        gain: float = 0.5,
        signs: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 < leak <= 1.0:
            raise ConfigError(f"leak must be in (0, 1], got {leak}", key="leak", fix="use dt/tau, e.g. 0.5")
        self.leak = leak
        signs = ei_signs(n_units, exc_fraction) if signs is None else signs.float()
        n_units = len(signs)
        self.register_buffer("signs", signs)
        self.afferent = nn.Linear(n_inputs, n_units)
        self.recurrent = dale_linear(signs, n_units, bias=False)
        with torch.no_grad():
            # |N(0, 1)| magnitudes, inhibitory columns scaled by n_E / n_I so that E and I input balance on average.
            n_exc = int((signs > 0).sum())
            n_inh = n_units - n_exc
            magnitude = torch.randn(n_units, n_units).abs() * gain / math.sqrt(n_units)
            if n_inh:
                magnitude[:, signs < 0] *= n_exc / n_inh
            self.recurrent.weight = magnitude
            self.afferent.bias.fill_(0.1)

    @property
    def n_units(self) -> int:
        return len(self.signs)

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        drive = self.afferent(u)
        rate = torch.zeros(u.shape[0], self.n_units, dtype=drive.dtype, device=drive.device)
        rates = []
        with parametrize.cached():
            for t in range(u.shape[1]):
                rate = (1.0 - self.leak) * rate + self.leak * torch.relu(self.recurrent(rate) + drive[:, t])
                rates.append(rate)
        return torch.stack(rates, dim=1)


class DaleAutoencoder(nn.Module):
    """Sequence autoencoder with Dale-constrained E/I encoder and decoder (see the module docstring).

    ``forward(x) -> (x_hat, z)`` with ``x, x_hat: (batch, n_steps, n_features)``, ``z: (batch, latent_width)``.
    For binary data ``x_hat`` are logits (use ``torch.sigmoid`` for probabilities).
    """

    def __init__(
        self,
        n_features: int,
        latent_width: int,
        n_units: int = 40,
        exc_fraction: float = 0.8,
        leak: float = 0.5,
        gain: float = 0.5,
    ) -> None:
        super().__init__()
        if latent_width < 1:
            raise ConfigError(f"latent_width must be >= 1, got {latent_width}", key="latent_width")
        if latent_width > n_features:
            raise ConfigError(
                f"a latent of width {latent_width} is wider than the input ({n_features} features), "
                "so it is no bottleneck",
                key="latent_width",
                fix=f"use latent_width <= {n_features}",
            )
        self._config = {
            "n_features": n_features,
            "latent_width": latent_width,
            "n_units": n_units,
            "exc_fraction": exc_fraction,
            "leak": leak,
            "gain": gain,
        }
        self.encoder = EIRateRNN(n_features, n_units, exc_fraction, leak, gain)
        self.to_latent = dale_linear(self.encoder.signs, latent_width)
        self.decoder = EIRateRNN(latent_width, n_units, exc_fraction, leak, gain)
        self.readout = dale_linear(self.decoder.signs, n_features)

    def config(self) -> dict[str, Any]:
        """The constructor arguments (JSON-serialisable); ``DaleAutoencoder(**model.config())`` rebuilds it."""
        return dict(self._config)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Latent codes ``(batch, latent_width)`` of sequences ``x`` ``(batch, n_steps, n_features)``."""
        return self.to_latent(self.encoder(x)[:, -1])

    def decode(self, z: torch.Tensor, n_steps: int) -> torch.Tensor:
        """Reconstruction ``(batch, n_steps, n_features)`` from codes ``z`` ``(batch, latent_width)``."""
        drive = z[:, None, :].expand(z.shape[0], n_steps, z.shape[1])
        return self.readout(self.decoder(drive))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encode(x)
        return self.decode(z, x.shape[1]), z

    def dale_layers(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        """``name -> (effective weight, presynaptic signs)`` for every sign-constrained map."""
        return {
            "encoder.recurrent": (self.encoder.recurrent.weight, self.encoder.signs),
            "to_latent": (self.to_latent.weight, self.encoder.signs),
            "decoder.recurrent": (self.decoder.recurrent.weight, self.decoder.signs),
            "readout": (self.readout.weight, self.decoder.signs),
        }
