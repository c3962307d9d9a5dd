"""cpp_standalone as a target of the melody task: it learns like numpy, and two points run one after the other in
one process do not leak into each other (the standalone device is re-initialised, the runtime device restored).

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
