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
:func:`elbow_width`, :func:`latent_width_curve`
    latent width against complexity.
:class:`HebbianMemoryRNN`, :class:`HebbianMemoryCell`
    the Hebbian memory RNN (engram-neuron cell) with per-step :class:`Recording`.
:func:`capacity_curve`
    recall against load for classical / modern Hopfield and the cell's slot memory.
:func:`rate_network_from_synapses`, :func:`synapses_from_rate_network`, :func:`filtered_rates`
    the bridge to Brian2 networks (weights both ways, spikes to rates).
"""

from neuroengram.mirror.autoencoder import DaleAutoencoder, EIRateRNN
from neuroengram.mirror.bridge import filtered_rates, rate_network_from_synapses, synapses_from_rate_network
from neuroengram.mirror.dale import dale_linear, dale_violations, ei_signs
from neuroengram.mirror.data import check_sequences, factor_sequences, rate_windows
from neuroengram.mirror.estimator import EngramAutoencoder
from neuroengram.mirror.hebbian import HebbianMemoryCell, HebbianMemoryRNN, Recording
from neuroengram.mirror.memory import capacity_curve
from neuroengram.mirror.sweep import elbow_width, latent_width_curve

__all__ = [
    "DaleAutoencoder",
    "EIRateRNN",
    "EngramAutoencoder",
    "HebbianMemoryCell",
    "HebbianMemoryRNN",
    "Recording",
    "capacity_curve",
    "check_sequences",
    "dale_linear",
    "dale_violations",
    "ei_signs",
    "elbow_width",
    "factor_sequences",
    "filtered_rates",
    "latent_width_curve",
    "rate_network_from_synapses",
    "rate_windows",
    "synapses_from_rate_network",
]
