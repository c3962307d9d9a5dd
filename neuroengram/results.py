"""The run folder: what a run writes and how it is read back.

Layout of ``RUN_DIR``::

    study.toml              the study file as given
    config.resolved.json    the study with every default filled in
    points/<key>/           one folder per sweep point, <key> = hash of its resolved config
        point.json          overrides, seeds and parameters of the point
        <stage>/            arrays (.npz), figures/ (.png, .svg) and files written by that stage
        result.json         written last, atomically: status ("done" | "failed"), metrics per stage, wall time,
                            traceback if failed; a point without it never finished and is rerun
    stages/<stage>/<key>/   a finished stage's outputs, shared by the points with the same upstream (see runner)
    metrics.json            every point of the run: key, index, overrides, seeds, status, metrics per stage
    metrics.csv             tidy: one row per (point, stage) with the swept values and that stage's metrics
    provenance.json         versions, git commit, seeds, command, scheduler, wall time
    report.html             self-contained report (``neuroengram report RUN_DIR`` rebuilds it)
"""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from neuroengram.errors import ConfigError

RESULT_FILE = "result.json"
TIMING_SUFFIXES = ("_seconds", "_speedup")
"""Metric names ending so are wall-clock measurements: they vary between runs and machines, everything else is
reproducible from the seeds."""
DEPENDENCIES = (
    "neuroengram", "numpy", "scipy", "brian2", "torch", "networkx", "matplotlib", "scikit-learn",
    "scikit-dimension", "dask", "distributed", "pydantic", "click", "tqdm",
)  # fmt: skip


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temporary file + rename), so a killed run never leaves half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def is_timing_metric(name: str) -> bool:
    """Whether metric ``name`` is a wall-clock measurement (see :data:`TIMING_SUFFIXES`)."""
    return name.endswith(TIMING_SUFFIXES)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def point_dir(run_dir: Path, key: str) -> Path:
    return run_dir / "points" / key


def finished_result(run_dir: Path, key: str) -> dict[str, Any] | None:
    """The saved result of a point that completed successfully, else None (never ran, killed, or failed)."""
    path = point_dir(run_dir, key) / RESULT_FILE
    if not path.is_file():
        return None
    result = read_json(path)
    return result if result.get("status") == "done" else None


def write_metrics(run_dir: Path, records: list[dict[str, Any]]) -> None:
    """Write ``metrics.json`` (all records) and the tidy ``metrics.csv`` (one row per point and stage)."""
    write_json(run_dir / "metrics.json", records)
    swept = sorted({k for r in records for k in r["overrides"]})
    metric_names = sorted({m for r in records for stage in r["metrics"].values() for m in stage})
    header = ["point", "key", "status", *swept, "stage", "seed", *metric_names]
    tmp = run_dir / "metrics.csv.tmp"
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for record in records:
            stages = record["metrics"] or {name: {} for name in record["seeds"]}
            for stage, metrics in stages.items():
                writer.writerow(
                    {
                        "point": record["index"],
                        "key": record["key"],
                        "status": record["status"],
                        **record["overrides"],
                        "stage": stage,
                        "seed": record["seeds"].get(stage, ""),
                        **metrics,
                    }
                )
    os.replace(tmp, run_dir / "metrics.csv")


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Read a run folder back: (resolved config, metric records, provenance)."""
    run_dir = Path(run_dir)
    needed = ("config.resolved.json", "metrics.json", "provenance.json")
    for name in needed:
        if not (run_dir / name).is_file():
            raise ConfigError(
                f"not a neuroengram run folder (no {name})",
                key=str(run_dir),
                fix="give the folder that `neuroengram run` wrote (its --out)",
            )
    return tuple(read_json(run_dir / name) for name in needed)  # type: ignore[return-value]


def provenance(seed: int, points: list[dict[str, Any]], extra: dict[str, Any]) -> dict[str, Any]:
    """Versions of Python and every dependency, git commit of the source tree if any, seeds, and ``extra``."""
    versions = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": versions,
        "git_commit": _git_commit(),
        "root_seed": seed,
        "point_seeds": {p["key"]: p["seeds"] for p in points},
        "reproducible": "same study file and versions give the same metrics; every stage is seeded from root_seed",
        **extra,
    }


def _git_commit() -> str | None:
    source = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(
            ["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
