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
    the bridge to Brian2 networks (weights both ways, spikes to rates); :func:`held_out_agreement`: rate mirror
    against spiking rates on held-out cues, relative to the seed-to-seed noise ceiling.
:class:`MelodyMirror`, :func:`build_bridge`, :func:`predict_replay`, :func:`readout_synapses`, :func:`readout_matrix`,
:func:`save_mirror`, :func:`load_mirror`
    the rate mirror of the spiking melody circuit: calibrated in Brian2, trained in PyTorch, replayed in Brian2
    (:mod:`neuroengram.mirror.melody`); :func:`melody_presentations`: melodies as autoencoder training data.
"""

from neuroengram.mirror.agreement import held_out_agreement
from neuroengram.mirror.autoencoder import DaleAutoencoder, EIRateRNN
from neuroengram.mirror.bridge import filtered_rates, rate_network_from_synapses, synapses_from_rate_network
from neuroengram.mirror.dale import dale_linear, dale_violations, ei_signs
from neuroengram.mirror.data import check_sequences, factor_sequences, melody_presentations, rate_windows
from neuroengram.mirror.estimator import EngramAutoencoder
from neuroengram.mirror.hebbian import HebbianMemoryCell, HebbianMemoryRNN, Recording
from neuroengram.mirror.melody import (
    MelodyMirror,
    build_bridge,
    load_mirror,
    predict_replay,
    readout_matrix,
    readout_synapses,
    save_mirror,
)
from neuroengram.mirror.memory import capacity_curve
from neuroengram.mirror.sweep import elbow_width, latent_width_curve

__all__ = [
    "DaleAutoencoder",
    "EIRateRNN",
    "EngramAutoencoder",
    "HebbianMemoryCell",
    "HebbianMemoryRNN",
    "MelodyMirror",
    "Recording",
    "build_bridge",
    "capacity_curve",
    "check_sequences",
    "dale_linear",
    "dale_violations",
    "ei_signs",
    "elbow_width",
    "factor_sequences",
    "filtered_rates",
    "held_out_agreement",
    "latent_width_curve",
    "load_mirror",
    "melody_presentations",
    "predict_replay",
    "rate_network_from_synapses",
    "rate_windows",
    "readout_matrix",
    "readout_synapses",
    "save_mirror",
    "synapses_from_rate_network",
]
