"""Shared fixtures of the spiking tests: Brian2 on the numpy target, a StageContext in a temporary folder."""

from __future__ import annotations

import pytest
from brian2 import prefs

from neuroengram.stages import StageContext


@pytest.fixture(autouse=True, scope="session")
def numpy_target() -> None:
    prefs.codegen.target = "numpy"


@pytest.fixture
def make_ctx(tmp_path):
    def make(seed: int = 0) -> StageContext:
        return StageContext(stage="spiking", seed=seed, point_dir=tmp_path / f"seed{seed}")

    return make
