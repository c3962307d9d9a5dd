"""The contract between the runner and the stages.

A stage is a module ``neuroengram/<name>/stage.py`` exposing

``Params``
    a :class:`StageParams` subclass (pydantic, unknown keys rejected) whose fields are the stage's
    ``[stages.<name>]`` table in a study file, with defaults, bounds and a description each;
``REQUIRES``
    a tuple of the upstream stage names whose outputs it reads (may be empty);
``run(params, ctx) -> dict[str, float | int | str | bool]``
    does the work, writes arrays and figures through ``ctx`` and returns flat scalar metrics
    (one row of ``metrics.csv``).

Stages run in :data:`STAGE_ORDER` (data flows one way); a stage reads only what earlier stages
wrote, through :meth:`StageContext.load_arrays` / :meth:`StageContext.input_dir`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict

from neuroengram.errors import ConfigError, StageError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STAGE_ORDER: tuple[str, ...] = ("spiking", "connectome", "mirror", "latent", "engram")
"""All stages, in the order data flows through them."""

Metric = float | int | str | bool
T = TypeVar("T")


class StageParams(BaseModel):
    """Base class of every stage's parameter model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def stage_module(name: str) -> ModuleType:
    """Import ``neuroengram.<name>.stage``; raise :class:`ConfigError` for an unknown stage name."""
    if name not in STAGE_ORDER:
        raise ConfigError(
            f"unknown stage {name!r}",
            key=f"stages.{name}",
            fix=f"use one of {', '.join(STAGE_ORDER)}",
        )
    try:
        return importlib.import_module(f"neuroengram.{name}.stage")
    except ModuleNotFoundError as err:
        if err.name == f"neuroengram.{name}.stage" or err.name == f"neuroengram.{name}":
            raise ConfigError(
                f"stage {name!r} is not available in this version of neuroengram",
                key=f"stages.{name}",
                fix="remove the table or upgrade neuroengram",
            ) from err
        raise


@dataclass
class StageContext:
    """What a stage gets besides its parameters.

    Attributes
    ----------
    stage:
        This stage's name.
    seed:
        This stage's seed at this sweep point (an int in [0, 2**31)); the only source of randomness.
    point_dir:
        The sweep point's folder; this stage writes under ``point_dir / stage``.
    show_progress:
        Whether progress bars may be drawn (False under ``--quiet`` or when not on a terminal).
    """

    stage: str
    seed: int
    point_dir: Path
    show_progress: bool = False

    @property
    def out_dir(self) -> Path:
        """This stage's own output folder (created on first use)."""
        path = self.point_dir / self.stage
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def rng(self) -> np.random.Generator:
        """A fresh numpy Generator seeded with :attr:`seed` (same numbers every call)."""
        return np.random.default_rng(self.seed)

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"neuroengram.{self.stage}")

    def save_arrays(self, name: str, **arrays: Any) -> Path:
        """Write ``<out_dir>/<name>.npz`` (uncompressed numpy archive, readable without neuroengram)."""
        path = self.out_dir / f"{name}.npz"
        np.savez(path, **{key: np.asarray(value) for key, value in arrays.items()})
        return path

    def save_figure(self, name: str, fig: Figure) -> list[Path]:
        """Write ``<out_dir>/figures/<name>.png`` and ``.svg`` and close the figure."""
        import matplotlib.pyplot as plt

        fig_dir = self.out_dir / "figures"
        fig_dir.mkdir(exist_ok=True)
        paths = [fig_dir / f"{name}.png", fig_dir / f"{name}.svg"]
        fig.savefig(paths[0], dpi=120, bbox_inches="tight")
        fig.savefig(paths[1], bbox_inches="tight")
        plt.close(fig)
        return paths

    def input_dir(self, stage: str) -> Path:
        """The output folder of an upstream ``stage`` at this point; :class:`StageError` if it has none."""
        path = self.point_dir / stage
        if not path.is_dir():
            raise StageError(
                f"needs the output of stage {stage!r}, which did not run at this point",
                key=f"stages.{self.stage}",
                fix=f"add a [stages.{stage}] table to the study",
            )
        return path

    def load_arrays(self, stage: str, name: str) -> dict[str, np.ndarray]:
        """Read ``<point_dir>/<stage>/<name>.npz`` written by an upstream stage."""
        path = self.input_dir(stage) / f"{name}.npz"
        if not path.is_file():
            raise StageError(f"upstream stage {stage!r} wrote no {name}.npz", key=f"stages.{self.stage}")
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}

    def progress(self, iterable: Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
        """Wrap ``iterable`` in a tqdm bar when progress is shown."""
        from tqdm.auto import tqdm

        yield from tqdm(
            iterable, desc=f"{self.stage}: {desc}", total=total, disable=not self.show_progress, leave=False
        )
