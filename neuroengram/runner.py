"""Run a study: expand the sweep, skip finished points, run the rest as Dask tasks, write the run folder.

Every sweep point is one task, :func:`run_point`, which runs the study's stages in :data:`STAGE_ORDER` inside
``RUN_DIR/points/<key>/``, where ``<key>`` hashes the point's resolved config (parameters, derived seeds, package
version). A point that finished has ``result.json`` with status "done" and is never recomputed; a point that raised
is recorded with its traceback and rerun next time; the other points carry on either way.

Schedulers:

- ``None`` (default): a ``distributed.LocalCluster`` of ``workers`` single-threaded processes on this machine
  (in this process when only one point is left to run or ``workers == 1``: a cluster would only add start-up time);
- ``"tcp://host:port"``: an existing Dask cluster (``dask scheduler`` + ``dask worker``, or dask-jobqueue on HPC);
  the workers must have neuroengram installed and see ``RUN_DIR`` on a shared filesystem;
- ``"synchronous"``: every point in this process, one after another (debugging, profiling, notebooks).

Each point runs single-threaded (BLAS and torch intra-op threads set to 1 while it runs), whatever the scheduler:
parallelism comes from running points side by side, and a point's floating-point results do not depend on where it
ran. The same study therefore gives the same metrics on every scheduler.

Stages shared between points run once: a sweep over ``engram.alpha`` leaves the parameters and seeds of the spiking
and mirror stages the same at every point (:func:`~neuroengram.config.derive_seeds`), so their outputs are computed
by the first point that needs them, kept in ``RUN_DIR/stages/`` and hard-linked into the other points' folders
(``reused_stages`` in ``result.json`` lists them; their ``stage_seconds`` is the time of the run that computed them).
Points that start at the same time on a cluster may each compute a shared stage once; the results are identical.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neuroengram.config import Point, Study, load_study
from neuroengram.errors import ConfigError, StageError
from neuroengram.results import (
    RESULT_FILE,
    finished_result,
    point_dir,
    provenance,
    read_json,
    write_json,
    write_metrics,
)
from neuroengram.stages import STAGE_ORDER, StageContext, stage_module

log = logging.getLogger("neuroengram.runner")
STAGE_CACHE = "stages"
"""``RUN_DIR/stages/<stage>/<stage key>/``: a finished stage's outputs, reused by every point that shares the stage's
parameters and seeds and those of the stages before it (see :meth:`~neuroengram.config.Point.stage_key`)."""
STAGE_METRICS = "stage_metrics.json"


@dataclass(frozen=True)
class RunSummary:
    """What :func:`run_study` did: the run folder, and how many points ran, were cached or failed."""

    run_dir: Path
    n_points: int
    n_cached: int
    n_failed: int
    wall_time_s: float
    records: list[dict[str, Any]]


def run_point(point: Point, run_dir: str, show_progress: bool = False) -> dict[str, Any]:
    """Run every stage of one point; never raises for a stage's failure (the traceback is recorded).

    A half-written folder from a killed earlier attempt is cleared first. ``result.json`` is written last and
    atomically, so it exists only for a point that ended (status "done" or "failed").
    """
    folder = point_dir(Path(run_dir), point.key)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    write_json(folder / "point.json", {"index": point.index, "key": point.key, **point.resolved()})
    start = time.perf_counter()
    metrics: dict[str, dict[str, Any]] = {}
    status, error = "done", None
    reused: list[str] = []
    for name in STAGE_ORDER:
        if name not in point.params:
            continue
        cache = Path(run_dir) / STAGE_CACHE / name / point.stage_key(name)
        if (cache / STAGE_METRICS).is_file():
            _link_tree(cache, folder / name)
            metrics[name] = read_json(cache / STAGE_METRICS)
            reused.append(name)
            continue
        ctx = StageContext(stage=name, seed=point.seeds[name], point_dir=folder, show_progress=show_progress)
        stage_start = time.perf_counter()
        try:
            with _single_threaded():
                values = stage_module(name).run(point.params[name], ctx)
            metrics[name] = _check_metrics(name, values) | {
                "stage_seconds": round(time.perf_counter() - stage_start, 3)
            }
            _store_stage(ctx.out_dir, cache, metrics[name])
        except Exception as err:  # a failed point is recorded, the sweep goes on
            status = "failed"
            error = {"stage": name, "message": str(err), "traceback": traceback.format_exc()}
            break
    result = {
        "key": point.key,
        "index": point.index,
        "overrides": point.overrides,
        "seeds": point.seeds,
        "status": status,
        "metrics": metrics,
        "reused_stages": reused,
        "error": error,
        "wall_time_s": round(time.perf_counter() - start, 3),
    }
    write_json(folder / RESULT_FILE, result)
    return result


def _store_stage(out_dir: Path, cache: Path, metrics: dict[str, Any]) -> None:
    """Keep a finished stage's outputs and metrics under ``cache`` for other points with the same upstream.

    Written into a temporary folder and renamed, so a cache entry is complete or absent; when two points finish the
    same stage at once (on a cluster), the first rename wins and the other copy is dropped.
    """
    tmp = cache.with_name(f"{cache.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    _link_tree(out_dir, tmp)
    write_json(tmp / STAGE_METRICS, metrics)
    try:
        tmp.rename(cache)
    except OSError:  # another point stored it first
        shutil.rmtree(tmp, ignore_errors=True)


def _link_tree(source: Path, target: Path) -> None:
    """Copy a folder by hard links (files are never modified after a stage wrote them); plain copies across
    filesystems."""

    def link(src: str, dst: str) -> None:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, target, copy_function=link, ignore=shutil.ignore_patterns(STAGE_METRICS))


def run_study(
    study: Study | str | Path,
    out: str | Path | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    show_progress: bool = False,
    command: str = "",
) -> RunSummary:
    """Run ``study`` into the folder ``out`` (default ``runs/<study name>``), resuming what is already there.

    Returns a :class:`RunSummary`; writes ``metrics.json``, ``metrics.csv``, ``provenance.json`` and
    ``report.html`` even when some points failed.
    """
    from neuroengram.report import write_report

    if not isinstance(study, Study):
        study = load_study(study)
    if workers is not None and workers < 1:
        raise ConfigError(f"expected a number of workers >= 1, got {workers}", key="--workers")
    run_dir = Path(out) if out is not None else Path("runs") / study.name
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "study.toml").write_text(study.source, encoding="utf-8")
    write_json(run_dir / "config.resolved.json", study.as_dict())

    start = time.perf_counter()
    points = study.points()
    cached = {p.key: r for p in points if (r := finished_result(run_dir, p.key)) is not None}
    todo = [p for p in points if p.key not in cached]
    log.info("%s: %d point(s), %d cached, %d to run in %s", study.name, len(points), len(cached), len(todo), run_dir)

    results = dict(cached)
    for result in _execute(todo, run_dir, scheduler, workers, show_progress):
        results[result["key"]] = result
        if result["status"] == "failed":
            log.error("point %d failed in stage %s: %s", result["index"], result["error"]["stage"],
                      result["error"]["message"])  # fmt: skip
    records = [results[p.key] for p in points]
    wall = time.perf_counter() - start
    write_metrics(run_dir, records)
    write_json(
        run_dir / "provenance.json",
        provenance(
            study.seed,
            records,
            {
                "study": study.name,
                "command": command,
                "scheduler": _describe(scheduler, workers, len(todo)),
                "wall_time_s": round(wall, 3),
                "points_run": len(todo),
                "points_cached": len(cached),
                "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
        ),
    )
    write_report(run_dir)
    n_failed = sum(r["status"] == "failed" for r in records)
    return RunSummary(run_dir, len(points), len(cached), n_failed, wall, records)


def _execute(
    todo: list[Point], run_dir: Path, scheduler: str | None, workers: int | None, show_progress: bool
) -> Iterator[dict[str, Any]]:
    """Yield each point's result as it completes, on the chosen scheduler."""
    from tqdm.auto import tqdm

    if not todo:
        return
    bar = tqdm(total=len(todo), desc="sweep points", disable=not show_progress)
    if _in_process(scheduler, workers, len(todo)):
        for point in todo:
            yield run_point(point, str(run_dir), show_progress)
            bar.update()
        bar.close()
        return

    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=_n_workers(workers, len(todo)),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    try:
        client = Client(cluster if cluster is not None else scheduler, timeout="30s")
    except OSError as err:
        if cluster is not None:
            cluster.close()
        raise ConfigError(
            f"cannot reach the Dask scheduler: {err}", key="--scheduler", fix="start `dask scheduler` or check ADDRESS"
        ) from err
    try:
        by_future = {
            client.submit(run_point, point, str(run_dir.resolve()), False, key=f"point-{point.key}", pure=False): point
            for point in todo
        }
        for future in as_completed(by_future):
            point = by_future[future]
            try:
                yield future.result()
            except Exception as err:  # the worker died or the task could not run at all
                yield _lost(point, run_dir, err)
            bar.update()
    finally:
        bar.close()
        client.close()
        if cluster is not None:
            cluster.close()


def _lost(point: Point, run_dir: Path, err: Exception) -> dict[str, Any]:
    """Record a point whose task raised outside :func:`run_point` (a killed worker, an import error)."""
    path = point_dir(run_dir, point.key) / RESULT_FILE
    if path.is_file():
        return read_json(path)
    result = {
        "key": point.key,
        "index": point.index,
        "overrides": point.overrides,
        "seeds": point.seeds,
        "status": "failed",
        "metrics": {},
        "error": {"stage": None, "message": f"{type(err).__name__}: {err}", "traceback": traceback.format_exc()},
        "wall_time_s": None,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, result)
    return result


@contextmanager
def _single_threaded() -> Iterator[None]:
    """Run with one BLAS thread and one torch intra-op thread; restore the previous settings afterwards."""
    import torch
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(before)


def _in_process(scheduler: str | None, workers: int | None, n_points: int) -> bool:
    return scheduler == "synchronous" or (scheduler is None and (n_points == 1 or workers == 1))


def _describe(scheduler: str | None, workers: int | None, n_points: int) -> str:
    if _in_process(scheduler, workers, n_points):
        return "in-process (synchronous)"
    return scheduler or f"LocalCluster({_n_workers(workers, n_points)} processes)"


def _n_workers(workers: int | None, n_points: int) -> int:
    return workers if workers is not None else max(1, min(n_points, os.cpu_count() or 1))


def _check_metrics(stage: str, values: Any) -> dict[str, Any]:
    """Metrics must be a flat dict of scalars; numpy scalars become Python ones, NaN and inf become None."""
    if not isinstance(values, dict):
        raise StageError(f"run() returned {type(values).__name__}, expected a dict of metrics", key=f"stages.{stage}")
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if getattr(value, "ndim", None) == 0:
            value = value.item()
        if not isinstance(name, str) or not isinstance(value, float | int | str | bool):
            raise StageError(
                f"metric {name!r} is {type(value).__name__}, expected float, int, str or bool", key=f"stages.{stage}"
            )
        checked[name] = None if isinstance(value, float) and not math.isfinite(value) else value
    return checked


__all__ = ["RunSummary", "run_point", "run_study"]
