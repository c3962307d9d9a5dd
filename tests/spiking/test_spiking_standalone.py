"""cpp_standalone as a target of the melody task: it fires numpy's spikes for the same seed, it learns, and two
points run one after the other in one process do not leak into each other (the standalone device is
re-initialised, the runtime device restored).

The two programs (training and replay circuit) are compiled once per process into
:func:`~neuroengram.spiking.model.standalone_directory` (one to two minutes on a busy core; a second build of the
same circuit reuses the compiled objects) and re-run with ``run_args`` for every epoch; the speed of this is
measured in ``benchmarks/spiking_standalone.py``."""

from __future__ import annotations

import numpy as np
import pytest
from brian2 import get_device
from brian2.devices.device import runtime_device

from neuroengram.errors import ConfigError
from neuroengram.spiking import stage
from neuroengram.spiking.melody import (
    Layout,
    MelodyConfig,
    StandaloneMelody,
    _fixed_synapses,
    _simulate,
    imprint_templates,
    random_melodies,
)
from neuroengram.stages import StageContext

SMALL = {"task": "melody", "n_melodies": 2, "n_steps": 8, "n_channels": 4, "n_pool": 22, "epochs": 6}


def test_standalone_is_refused_for_tasks_without_it(make_ctx):
    with pytest.raises(ConfigError, match="codegen_target"):
        stage.run(stage.Params(task="xor", codegen_target="cpp_standalone"), make_ctx())


@pytest.mark.slow
def test_standalone_points_in_one_process_learn_and_do_not_leak(make_ctx, tmp_path):
    """Two stage runs on cpp_standalone in one process with the same seed (two sweep points in one runner
    process). Measured (seed 1): replay accuracy 1.0, XOR error end / start 0.2. The second point gives identical
    metrics and outputs (nothing carried over), and afterwards the runtime device is active again."""
    params = stage.Params(**SMALL, codegen_target="cpp_standalone")
    first_ctx = make_ctx(seed=1)
    second_ctx = StageContext(stage="spiking", seed=1, point_dir=tmp_path / "second")
    first = stage.run(params, first_ctx)
    assert first["replay_accuracy"] >= 0.9
    assert first["error_ratio_end_start"] <= 0.5
    assert stage.run(params, second_ctx) == first
    assert get_device() is runtime_device
    with np.load(first_ctx.out_dir / "activity.npz") as a, np.load(second_ctx.out_dir / "activity.npz") as b:
        np.testing.assert_array_equal(a["rates"], b["rates"])


@pytest.mark.slow
def test_standalone_fires_the_spikes_of_numpy_for_the_same_seed():
    """Brian2's standalone random generator is numpy's Mersenne Twister, seeded alike, and its ``rand``/``poisson``
    are numpy's algorithms; with the Poisson drive on the motif blocks and then the uniform noise on every
    non-refractory cell, both targets draw the same numbers in the same order. So the teaching and the replay
    circuit (2 melodies x 8 steps x 4 channels, random read-out weights, seed 7) fire exactly the same spikes at
    the same times on numpy and on cpp_standalone. Measured: 6480 and 9779 spikes, identical."""
    config = MelodyConfig(**{key: value for key, value in SMALL.items() if key not in ("task", "epochs")})
    rng = np.random.default_rng(0)
    melodies = random_melodies(rng, config)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)
    fixed = [_fixed_synapses(layout, config, imprint_templates(melodies, config.cue_steps, config.gate_cue_mv))]
    weights = rng.uniform(0.0, 120.0, (1, layout.readout.size, n_channels))
    structures = (n_steps, config.cue_steps)  # teaching, replay
    on_numpy = [_simulate(fixed, weights, melodies, steps, config, layout, seed=7) for steps in structures]
    with StandaloneMelody(fixed, melodies, config, layout) as simulate:  # the standalone device only from here
        for steps, expected in zip(structures, on_numpy, strict=True):
            standalone = simulate(weights, steps, seed=7)
            assert expected.index.size > 1000
            np.testing.assert_array_equal(standalone.index, expected.index)
            np.testing.assert_array_equal(standalone.time_ms, expected.time_ms)
