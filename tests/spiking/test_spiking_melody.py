"""Melody learning and replay: cue-selected chains, XOR-gated read-out learning, bad input, stage outputs.

The full target (4 melodies x 16 steps x 8 channels, 5 seeds) runs in ``benchmarks/spiking_melody.py``; these
tests use 2 melodies x 8 steps x 4 channels (116 E / 26 I cells per copy)."""

from __future__ import annotations

import numpy as np
import pytest

from neuroengram.errors import ConfigError, DataError
from neuroengram.spiking import stage
from neuroengram.spiking.melody import MelodyConfig, check_melodies, learn_melodies

SMALL = {"n_melodies": 2, "n_steps": 8, "n_channels": 4, "n_pool": 22}


def test_bad_melodies_raise_errors_naming_the_field(make_ctx):
    good = np.zeros((2, 6, 4), dtype=int)
    good[0, :2, 0] = good[1, :2, 1] = 1
    assert check_melodies(good, cue_steps=2).dtype == bool
    with pytest.raises(DataError, match=r"melodies.*binary"):
        check_melodies(good * 2, cue_steps=2)
    with pytest.raises(DataError, match=r"melodies.*shape"):
        check_melodies(good[0], cue_steps=2)
    with pytest.raises(ConfigError, match="cue_steps"):
        check_melodies(good, cue_steps=6)
    with pytest.raises(DataError, match="same cue"):
        check_melodies(np.stack([good[0], good[0]]), cue_steps=2)
    with pytest.raises(DataError, match="at least one channel"):
        check_melodies(np.zeros((1, 6, 4)), cue_steps=2)
    with pytest.raises(ConfigError, match="cue_steps"):
        stage.run(stage.Params(task="melody", n_steps=4, cue_steps=4), make_ctx())


def test_the_cue_selects_the_chain_of_its_melody():
    """Before any learning every chain starts, and only the chain imprinted with the cue passes its gates:
    after the cue, >= 90 % of the chain spikes of each replay copy belong to the melody's own chain."""
    config = MelodyConfig(**SMALL, epochs=0)
    result = learn_melodies(config, seed=3)
    layout = result.layout
    rates = result.replay_rates.reshape(config.n_melodies, config.n_steps, -1)[:, config.cue_steps :]
    per_chain = rates[:, :, layout.chain.reshape(config.n_melodies, -1)].sum(axis=(1, 3))  # (copy, chain)
    own = np.diag(per_chain) / per_chain.sum(axis=1)
    assert np.all(own >= 0.9), own


@pytest.mark.slow
def test_stage_melody_learns_replays_and_writes_outputs(make_ctx):
    """2 melodies x 8 steps x 4 channels, 8 epochs, seed 1. Measured: replay accuracy 1.0, XOR error 0.56 -> 0.08
    (mean of the last 5 evaluations). Replay far above chance (0.5), the XOR error falls, the predictions stay in
    the comparator's operating range, Dale's law and the weight bounds hold, every output is written."""
    ctx = make_ctx(seed=1)
    metrics = stage.run(stage.Params(task="melody", **SMALL, epochs=8), ctx)
    assert metrics["replay_accuracy"] >= 0.95
    assert metrics["error_ratio_end_start"] <= 0.3  # measured 0.14
    assert (metrics["n_exc"], metrics["n_inh"]) == (116, 26)  # >= 4:1 E:I in this reduced copy
    with np.load(ctx.out_dir / "melody.npz", allow_pickle=False) as data:
        melodies, weights = data["melodies"], data["weights_mv"]
        assert data["error_rate"].shape == (9, 1) and data["replayed"].shape == (1, 2, 8, 4)
        assert np.all(weights >= 0) and np.all(weights <= MelodyConfig().w_max_mv)
    with np.load(ctx.out_dir / "activity.npz", allow_pickle=False) as activity:
        rates, labels = activity["rates"], activity["labels"]
        assert rates.shape[0] == 16 and np.array_equal(labels, np.repeat([0, 1], 8))
    p_rates = rates[:, 6 * np.arange(4) + 2].reshape(2, 8, 4)[:, 2:]  # prediction cells, free steps
    on = melodies[:, 2:]
    assert 40 <= p_rates[on].mean() <= 160 and p_rates[~on].mean() <= 10  # measured 54 Hz and 3 Hz
    with np.load(ctx.out_dir / "weights.npz", allow_pickle=False) as w:
        exc = w["is_excitatory"][w["pre"]]
        assert np.all(np.where(exc, w["weight"] >= 0, w["weight"] < 0))  # Dale's law (plastic weights may be 0)
    for name in ("raster", "xor_error", "replay"):
        assert (ctx.out_dir / "figures" / f"{name}.png").is_file()
