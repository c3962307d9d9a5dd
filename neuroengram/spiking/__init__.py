"""Spiking circuits in Brian2: a recurrent E/I network, the XOR and winner-take-all motifs.

Public API
----------
:func:`simulate_ei_network`, :class:`EIConfig`
    the recurrent E/I network (Dale's law, Poisson drive) with its spike statistics.
:func:`build_circuit`, :class:`Circuit`
    the LIF engine every circuit is built on (one NeuronGroup, excitatory and inhibitory Synapses).
"""

from neuroengram.spiking.model import Circuit, build_circuit
from neuroengram.spiking.network import EIConfig, EIResult, simulate_ei_network, spike_statistics

__all__ = ["Circuit", "EIConfig", "EIResult", "build_circuit", "simulate_ei_network", "spike_statistics"]
