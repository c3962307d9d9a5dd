"""Spiking circuits in Brian2: a recurrent E/I network, the XOR and lateral-inhibition (WTA) motifs.

Public API
----------
:func:`simulate_ei_network`, :class:`EIConfig`
    the recurrent E/I network (Dale's law, Poisson drive) with its spike statistics.
:func:`xor_graph`, :func:`wta_graph`
    the motifs as signed ``networkx.DiGraph`` (node attribute ``excitatory``, edge attributes ``sign``,
    ``weight`` in mV, ``delay_ms``); :func:`build_copies` turns a motif graph into a batched Brian2 circuit.
:func:`run_xor_trials`, :class:`XORConfig`, :func:`truth_table_cases`, :func:`xor_robustness`
    XOR truth tables from spikes (many trials as copies in one network) and robustness grids.
:func:`learn_melodies`, :class:`MelodyConfig`, :func:`check_melodies`, :func:`replay_melodies`
    melody learning (XOR-gated three-factor rule on a chain network's read-out) and cued replay, also with given
    read-out weights (from the mirror, or edited by the engram estimator).
:func:`build_circuit`, :class:`Circuit`
    the LIF engine every circuit is built on (one NeuronGroup, excitatory and inhibitory Synapses).
:class:`StandaloneProject`, :class:`StandaloneMelody`
    ``cpp_standalone``: compile a circuit once, re-run it with new weights / noise seeds (``run_args``);
    the melody network's simulator on that device.
"""

from neuroengram.spiking.melody import (
    MelodyConfig,
    MelodyResult,
    StandaloneMelody,
    check_melodies,
    learn_melodies,
    replay_melodies,
)
from neuroengram.spiking.model import Circuit, StandaloneProject, build_circuit
from neuroengram.spiking.motifs import (
    XORConfig,
    XORTrials,
    build_copies,
    run_wta_trials,
    run_xor_trials,
    truth_table_cases,
    wta_graph,
    xor_graph,
    xor_index,
    xor_robustness,
)
from neuroengram.spiking.network import EIConfig, EIResult, simulate_ei_network, spike_statistics

__all__ = [
    "Circuit",
    "EIConfig",
    "EIResult",
    "MelodyConfig",
    "MelodyResult",
    "StandaloneMelody",
    "StandaloneProject",
    "XORConfig",
    "XORTrials",
    "build_circuit",
    "build_copies",
    "check_melodies",
    "learn_melodies",
    "replay_melodies",
    "run_wta_trials",
    "run_xor_trials",
    "simulate_ei_network",
    "spike_statistics",
    "truth_table_cases",
    "wta_graph",
    "xor_graph",
    "xor_index",
    "xor_robustness",
]
