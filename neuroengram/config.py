"""Study files: the one place that knows the TOML shape.

A study is a TOML file::

    [study]
    name = "quickstart"          # letters, digits, '-' and '_'
    seed = 20261122              # the root seed; every sweep point and stage derives its own from it
    description = "optional free text"

    [stages.spiking]             # one table per stage that runs; keys are the stage's Params fields
    n_exc = 80

    [stages.latent]              # an empty table runs the stage with its defaults

    [sweep]                      # optional: a grid over stage parameters
    "spiking.n_exc" = [80, 160]  # "<stage>.<field>" = [values]; the grid is the Cartesian product

Validation rejects an unknown key, a wrong type or an out-of-range value with a :class:`ConfigError` whose
``key`` is the dotted path of the offending entry (for example ``stages.spiking.n_exc``).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import numpy as np
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from neuroengram import __version__
from neuroengram.errors import ConfigError
from neuroengram.stages import STAGE_ORDER, StageParams, stage_module

_TOP_KEYS = ("study", "stages", "sweep")
_STUDY_KEYS = ("name", "seed", "description")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class Point:
    """One fully resolved sweep point.

    Attributes
    ----------
    index:
        Position in the grid (row-major over the ``[sweep]`` keys in file order).
    overrides:
        The swept values of this point, ``{"spiking.n_exc": 160, ...}`` (empty without a sweep).
    params:
        Validated parameters of every stage that runs, in :data:`STAGE_ORDER`.
    seeds:
        The seed of every stage at this point, derived from the root seed and the overrides of that stage and the
        stages upstream of it only (:func:`derive_seeds`), so adding values to a sweep does not change the seeds (or
        the cached results) of existing points, and a sweep over a downstream parameter keeps the upstream data.
    """

    index: int
    overrides: dict[str, Any]
    params: dict[str, StageParams]
    seeds: dict[str, int]
    key: str = field(default="")

    def resolved(self) -> dict[str, Any]:
        """JSON-serialisable description of everything that determines this point's results."""
        return {
            "neuroengram": __version__,
            "overrides": self.overrides,
            "seeds": self.seeds,
            "stages": {name: p.model_dump(mode="json") for name, p in self.params.items()},
        }

    def stage_key(self, stage: str) -> str:
        """Hash of everything that determines ``stage``'s outputs at this point: the parameters and seeds of
        ``stage`` and of every stage before it, and the package version (downstream settings do not enter)."""
        upto = [name for name in self.params if STAGE_ORDER.index(name) <= STAGE_ORDER.index(stage)]
        return config_hash(
            {
                "neuroengram": __version__,
                "stage": stage,
                "seeds": {name: self.seeds[name] for name in upto},
                "stages": {name: self.params[name].model_dump(mode="json") for name in upto},
            }
        )


@dataclass(frozen=True)
class Study:
    """A validated study: its name, root seed, stage parameters and sweep grid."""

    name: str
    seed: int
    description: str
    stages: dict[str, StageParams]
    sweep: dict[str, list[Any]]
    source: str = ""

    def points(self) -> list[Point]:
        """Expand the sweep grid into resolved points (one point when there is no sweep)."""
        keys = list(self.sweep)
        points = []
        for index, values in enumerate(itertools.product(*(self.sweep[k] for k in keys))):
            overrides = dict(zip(keys, values, strict=True))
            params = {name: _override(name, p, overrides) for name, p in self.stages.items()}
            seeds = derive_seeds(self.seed, overrides, list(params))
            point = Point(index=index, overrides=overrides, params=params, seeds=seeds)
            points.append(Point(index, overrides, params, seeds, key=config_hash(point.resolved())))
        return points

    def as_dict(self) -> dict[str, Any]:
        """The study with every default filled in (what ``config.resolved.json`` holds)."""
        return {
            "study": {"name": self.name, "seed": self.seed, "description": self.description},
            "stages": {name: p.model_dump(mode="json") for name, p in self.stages.items()},
            "sweep": self.sweep,
        }


def config_hash(resolved: dict[str, Any]) -> str:
    """First 12 hex digits of the SHA-256 of the canonical JSON of a resolved point."""
    canonical = json.dumps(resolved, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def derive_seeds(root: int, overrides: dict[str, Any], stages: list[str]) -> dict[str, int]:
    """Seeds for each stage at a point: ``SeedSequence(root, spawn_key=(h(upstream overrides), stage index))``.

    A stage's seed depends only on the swept values of that stage and of the stages before it in
    :data:`STAGE_ORDER`: sweeping ``engram.alpha`` leaves the spiking network and the mirror of every point the same
    (a paired comparison), while sweeping ``spiking.g_inh`` gives every downstream stage new seeds. ``h`` is a stable
    32-bit hash of the canonical JSON of those overrides; the stage index is the stage's position in
    :data:`STAGE_ORDER`. Seeds lie in ``[0, 2**31)`` so that every backend (Brian2, torch, numpy) accepts them.
    """
    seeds = {}
    for stage in stages:
        upstream = {
            key: value
            for key, value in overrides.items()
            if STAGE_ORDER.index(key.partition(".")[0]) <= STAGE_ORDER.index(stage)
        }
        canonical = json.dumps(upstream, sort_keys=True, default=str).encode()
        point_key = int.from_bytes(hashlib.sha256(canonical).digest()[:4], "little")
        sequence = np.random.SeedSequence(root, spawn_key=(point_key, STAGE_ORDER.index(stage)))
        seeds[stage] = int(sequence.generate_state(1)[0] & 0x7FFFFFFF)
    return seeds


def load_study(path: str | Path) -> Study:
    """Read and validate a study file; raise :class:`ConfigError` naming the offending key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("study file not found", key=str(path), fix="give the path of an existing .toml file")
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}", key=str(path), fix="check the syntax at that line") from err
    return parse_study(raw, source=text)


def parse_study(raw: dict[str, Any], source: str = "") -> Study:
    """Validate an already parsed study mapping (what :func:`load_study` reads from TOML)."""
    _check_keys(raw, _TOP_KEYS, "")
    study = _table(raw, "study", required=True)
    _check_keys(study, _STUDY_KEYS, "study")
    name = study.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(
            f"expected a name of letters, digits, '-' and '_', got {name!r}",
            key="study.name",
            fix='e.g. name = "my-study"',
        )
    seed = study.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        raise ConfigError(f"expected an integer >= 0, got {seed!r}", key="study.seed", fix="e.g. seed = 1")
    description = study.get("description", "")
    if not isinstance(description, str):
        raise ConfigError(f"expected a string, got {description!r}", key="study.description")

    stage_tables = _table(raw, "stages", required=True)
    if not stage_tables:
        raise ConfigError("no stage to run", key="stages", fix=f"add a table such as [stages.{STAGE_ORDER[0]}]")
    stages: dict[str, StageParams] = {}
    for stage in sorted(stage_tables, key=lambda n: STAGE_ORDER.index(n) if n in STAGE_ORDER else -1):
        table = stage_tables[stage]
        if not isinstance(table, dict):
            raise ConfigError(f"expected a table, got {table!r}", key=f"stages.{stage}", fix=f"write [stages.{stage}]")
        stages[stage] = validate_params(stage, table, f"stages.{stage}")
    for stage in stages:
        for needed in getattr(stage_module(stage), "REQUIRES", ()):
            if needed not in stages:
                raise ConfigError(
                    f"stage {stage!r} reads the output of stage {needed!r}, which the study does not run",
                    key=f"stages.{stage}",
                    fix=f"add a [stages.{needed}] table",
                )

    sweep = _table(raw, "sweep", required=False)
    for dotted, values in sweep.items():
        where = f'sweep."{dotted}"'
        stage, _, param = dotted.partition(".")
        if stage not in stages or not param:
            raise ConfigError(
                "expected '<stage>.<parameter>' naming a stage the study runs",
                key=where,
                fix=f"one of the stages {', '.join(stages)}",
            )
        if param not in type(stages[stage]).model_fields:
            raise ConfigError(
                f"stage {stage!r} has no parameter {param!r}",
                key=where,
                fix=f"one of {', '.join(type(stages[stage]).model_fields)}",
            )
        if not isinstance(values, list) or not values:
            raise ConfigError(f"expected a non-empty list of values, got {values!r}", key=where)
        base = stages[stage].model_dump()
        for i, value in enumerate(values):
            validate_params(stage, {**base, param: value}, f"{where}[{i}]", only=param)
    return Study(name, seed, description, stages, sweep, source)


def validate_params(stage: str, table: dict[str, Any], where: str, only: str | None = None) -> StageParams:
    """Build ``stage``'s Params from ``table``; turn pydantic's report into a :class:`ConfigError`."""
    params_type: type[StageParams] = stage_module(stage).Params
    try:
        return params_type.model_validate(table)
    except ValidationError as err:
        first = err.errors()[0]
        loc = ".".join(str(part) for part in first["loc"])
        key = where if only else f"{where}.{loc}" if loc else where
        if first["type"] == "extra_forbidden":
            fields = ", ".join(params_type.model_fields)
            raise ConfigError("unknown key", key=key, fix=f"stage {stage!r} takes {fields}") from err
        field = params_type.model_fields.get(str(first["loc"][0])) if first["loc"] else None
        fix = _expected(field) if field is not None else None
        raise ConfigError(f"{first['msg']}, got {first.get('input')!r}", key=key, fix=fix) from err


def _expected(field: FieldInfo) -> str:
    """What a parameter accepts, e.g. ``"an int >= 1, <= 20000 (number of excitatory cells)"``."""
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        kind = "one of " + ", ".join(repr(choice) for choice in get_args(annotation))
    else:
        names = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string"}
        kind = names.get(getattr(annotation, "__name__", ""), "a list" if get_origin(annotation) is tuple else "")
        kind = kind or str(annotation)
    symbols = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<", "min_length": "length >=", "max_length": "length <="}
    bounds = [
        f"{symbol} {getattr(rule, name)}"
        for rule in field.metadata
        for name, symbol in symbols.items()
        if getattr(rule, name, None) is not None
    ]
    text = ", ".join([kind, *bounds])
    return f"use {text} ({field.description})" if field.description else f"use {text}"


def _override(stage: str, params: StageParams, overrides: dict[str, Any]) -> StageParams:
    changed = {k.partition(".")[2]: v for k, v in overrides.items() if k.partition(".")[0] == stage}
    if not changed:
        return params
    return type(params).model_validate({**params.model_dump(), **changed})


def _table(raw: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    if key not in raw:
        if required:
            raise ConfigError("missing table", key=key, fix=f"add a [{key}] table")
        return {}
    value = raw[key]
    if not isinstance(value, dict):
        raise ConfigError(f"expected a table, got {value!r}", key=key, fix=f"write [{key}] as a table")
    return value


def _check_keys(table: dict[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            path = f"{where}.{key}" if where else key
            raise ConfigError("unknown key", key=path, fix=f"expected one of {', '.join(allowed)}")
