"""The PyTorch mirror: Dale-constrained E/I recurrent autoencoders whose latent code is the engram.

Public API
----------
:class:`EngramAutoencoder`
    scikit-learn-style estimator (``fit`` / ``transform`` / ``evaluate`` / ``save`` / ``load``).
:class:`DaleAutoencoder`, :class:`EIRateRNN`
    the ``nn.Module`` s (every linear map an ``nn.Linear``, Dale signs via a parametrization).
:func:`dale_linear`, :func:`ei_signs`, :func:`dale_violations`
    Dale's law for linear maps.
:func:`factor_sequences`, :func:`rate_windows`, :func:`check_sequences`
    data: synthetic sequences from hidden factors, windows of spiking rates, validation.
"""

from neuroengram.mirror.autoencoder import DaleAutoencoder, EIRateRNN
from neuroengram.mirror.dale import dale_linear, dale_violations, ei_signs
from neuroengram.mirror.data import check_sequences, factor_sequences, rate_windows
from neuroengram.mirror.estimator import EngramAutoencoder

__all__ = [
    "DaleAutoencoder",
    "EIRateRNN",
    "EngramAutoencoder",
    "check_sequences",
    "dale_linear",
    "dale_violations",
    "ei_signs",
    "factor_sequences",
    "rate_windows",
]
