"""The rate mirror of the spiking melody network and its bridge to Brian2, measured in both directions.

Reduced melody setting of tests/spiking/test_spiking_melody.py (2 melodies x 8 steps x 4 channels); melodies
from seed 1, whose cues select their own chains (the circuit's gates separate them). The full size (4 x 16 x 8,
3 seeds) is in benchmarks/bridge_melody.py."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from brian2 import prefs

from neuroengram.errors import DataError
from neuroengram.mirror.melody import (
    build_bridge,
    fit_transfer,
    load_mirror,
    predict_replay,
    readout_matrix,
    readout_synapses,
    save_mirror,
)
from neuroengram.spiking.melody import Layout, MelodyConfig, random_melodies, replay_melodies

SMALL = MelodyConfig(n_melodies=2, n_steps=8, n_channels=4, n_pool=22)
LAYOUT = Layout(4, 2, 8, SMALL.n_sub, SMALL.n_pool, SMALL.cue_steps)


@pytest.fixture(scope="module")
def bridge():
    prefs.codegen.target = "numpy"
    melodies = random_melodies(np.random.default_rng(1), SMALL)
    return melodies, build_bridge(SMALL, melodies, seed=1)


def test_synapse_format_round_trip_and_bad_input(tmp_path):
    rng = np.random.default_rng(0)
    weight = rng.uniform(0, 100, (4, LAYOUT.readout.size))
    syn = readout_synapses(weight, LAYOUT, w_max_mv=160.0)
    assert np.all(np.isin(syn["pre"], LAYOUT.readout)) and np.all(np.isin(syn["post"], LAYOUT.node(3)))
    order = rng.permutation(syn["pre"].size)  # any synapse order, extra synapses ignored
    pre = np.concatenate([syn["pre"][order], LAYOUT.node(1)])
    post = np.concatenate([syn["post"][order], LAYOUT.node(2)])
    back = readout_matrix(pre, post, np.concatenate([syn["weight"][order], np.ones(4)]), LAYOUT)
    assert np.array_equal(back, weight) and float(syn["clipped_fraction"]) == 0.0
    clipped = readout_synapses(weight - 50.0, LAYOUT, w_max_mv=160.0)  # Dale's law: negative weights are cut
    assert clipped["weight"].min() == 0.0 and float(clipped["clipped_fraction"]) > 0
    with pytest.raises(DataError, match="missing"):
        readout_matrix(syn["pre"][1:], syn["post"][1:], syn["weight"][1:], LAYOUT)
    with pytest.raises(DataError, match="weight_mv"):
        readout_synapses(weight.T, LAYOUT, 160.0)
    melodies = random_melodies(np.random.default_rng(1), SMALL)
    with pytest.raises(DataError, match="weights_mv"):
        replay_melodies(SMALL, melodies, np.zeros((3, 4)), seed=0)
    with pytest.raises(DataError, match=">= 0"):
        replay_melodies(SMALL, melodies, -np.ones((LAYOUT.readout.size, 4)), seed=0)
    with pytest.raises(DataError, match="transfer"):
        fit_transfer(np.ones(10), np.arange(10.0))
    (tmp_path / "model.json").write_text(json.dumps({"kind": "autoencoder"}))
    with pytest.raises(DataError, match="melody_bridge"):
        load_mirror(tmp_path)


@pytest.mark.slow
def test_fitted_transfer_is_monotone_and_follows_the_measurements(bridge):
    """The transfer functions are fitted to Brian2 windows: monotone, and within 10 Hz RMS of the measured rates
    (measured: P 6.6 Hz, X 7.6 Hz on the calibration windows)."""
    _, result = bridge
    cal = result.calibration
    pairs = [(cal.p_transfer, cal.drive_mv, cal.windows.p_hz), (cal.x_transfer, cal.windows.p_hz, cal.windows.x_hz)]
    for transfer, x, y in pairs:
        assert torch.all(torch.diff(transfer.knots_y) > 0)
        with torch.no_grad():
            fit = transfer(torch.as_tensor(x.ravel(), dtype=torch.float32)).numpy()
        assert np.sqrt(np.mean((fit - y.ravel()) ** 2)) <= 10.0


@pytest.mark.slow
def test_mirror_weights_replay_in_brian2(bridge, tmp_path):
    """Mirror -> Brian2: the weights trained in PyTorch, exported as synapses, replay every melody in Brian2 from its
    2-step cue without learning: >= 90 % bit accuracy per melody (measured 1.0 and 1.0), on bits recalled."""
    melodies, result = bridge
    assert np.all(result.accuracy >= 0.9), result.accuracy
    assert np.all(result.recall >= 0.9), result.recall
    weight = result.mirror.weight_mv
    assert weight.min() >= 0 and weight.max() <= SMALL.w_max_mv  # Dale's law and the spiking bound
    save_mirror(tmp_path, result.mirror, SMALL, melodies, epochs=400)
    torch.load(tmp_path / "model.pt", weights_only=True)
    mirror, config, loaded, _ = load_mirror(tmp_path)
    assert config == SMALL and np.array_equal(loaded, melodies)
    assert np.array_equal(mirror.weight_mv, weight)


@pytest.mark.slow
def test_mirror_predicts_the_spiking_replay_of_other_weights(bridge):
    """Brian2 -> mirror: load held-out random chain -> P weights (not used in the fit) into the mirror and predict,
    from the measured chain activity, which bits Brian2 replays: >= 90 % agreement and far above always guessing the
    majority bit (measured 0.96 and 0.98 against 0.67 and 0.71)."""
    melodies, result = bridge
    rng = np.random.default_rng(7)
    levels = rng.uniform(0, SMALL.w_max_mv, (2, 2, 6, 1, 4))  # per network, slot, free step, channel
    weights = np.repeat(levels, SMALL.n_sub, axis=3).reshape(2, -1, 4)
    replay = replay_melodies(SMALL, melodies, weights, seed=11)
    for k in range(2):
        counts, replayed = replay.counts[k : k + 1], replay.replayed[k : k + 1]
        reverse = predict_replay(result.mirror, weights[k].T, counts, LAYOUT, SMALL.step_ms, replayed)
        assert reverse["bit_agreement"] >= 0.9, reverse
        assert reverse["bit_agreement"] >= reverse["majority_baseline"] + 0.15, reverse
        assert reverse["p_rate_pearson"] >= 0.8, reverse
