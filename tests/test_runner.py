"""The runner on real stages: reproducibility, caching, failures, resume after a kill, and a loopback Dask cluster."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from neuroengram.config import load_study
from neuroengram.results import is_timing_metric, read_json
from neuroengram.runner import run_study

SMALL = """
[study]
name = "{name}"
seed = {seed}

[stages.spiking]
n_exc = 40
n_inh = 10
duration_ms = 400.0
epoch_ms = 100.0

[stages.mirror]
data = "{data}"
window = 6
epochs = 3
n_units = 10
latent_width = 2
max_inputs = 12
"""


def _study(tmp_path: Path, sweep: str = "", *, seed: int = 3, data: str = "spiking", name: str = "small") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(SMALL.format(name=name, seed=seed, data=data) + sweep, encoding="utf-8")
    return path


def _science(records: list[dict]) -> list[dict]:
    """Every metric but wall-clock timings, per point and stage."""
    return [
        {stage: {k: v for k, v in m.items() if not is_timing_metric(k)} for stage, m in r["metrics"].items()}
        for r in records
    ]


def test_same_seed_same_metrics_and_other_seed_differs(tmp_path: Path) -> None:
    first = run_study(_study(tmp_path), tmp_path / "a", scheduler="synchronous")
    again = run_study(_study(tmp_path), tmp_path / "b", scheduler="synchronous")
    other = run_study(_study(tmp_path, seed=4), tmp_path / "c", scheduler="synchronous")
    assert first.n_failed == again.n_failed == other.n_failed == 0
    assert _science(first.records) == _science(again.records)
    assert _science(first.records)[0]["spiking"]["rate_exc_hz"] > 0
    assert _science(first.records) != _science(other.records)


def test_failed_point_is_recorded_and_the_sweep_goes_on(tmp_path: Path) -> None:
    # The mirror reads connectome activity, which this study never simulates: that point fails at run time.
    study = _study(tmp_path, '\n[sweep]\n"mirror.data" = ["spiking", "connectome"]\n')
    summary = run_study(study, tmp_path / "run", scheduler="synchronous")
    assert (summary.n_points, summary.n_failed) == (2, 1)
    ok, failed = summary.records
    assert ok["status"] == "done" and ok["metrics"]["mirror"]["loss_ratio"] > 0
    assert failed["status"] == "failed" and failed["error"]["stage"] == "mirror"
    assert "StageError" in failed["error"]["traceback"]
    assert "connectome" in failed["error"]["message"]
    report = (tmp_path / "run" / "report.html").read_text()
    assert "Failed points" in report and "StageError" in report

    table = pd.read_csv(tmp_path / "run" / "metrics.csv")
    assert set(table["status"]) == {"done", "failed"}
    assert set(table.loc[table["status"] == "done", "stage"]) == {"spiking", "mirror"}

    rerun = run_study(study, tmp_path / "run", scheduler="synchronous")
    assert (rerun.n_cached, rerun.n_failed) == (1, 1)


def test_shared_upstream_stage_runs_once_and_gives_the_unshared_result(tmp_path: Path) -> None:
    sweep = '\n[sweep]\n"mirror.latent_width" = [1, 2]\n'
    swept = run_study(_study(tmp_path, sweep), tmp_path / "swept", scheduler="synchronous")
    assert swept.n_failed == 0
    assert [r["reused_stages"] for r in swept.records] == [[], ["spiking"]]
    first, second = (tmp_path / "swept" / "points" / r["key"] / "spiking" / "activity.npz" for r in swept.records)
    assert first.read_bytes() == second.read_bytes()
    assert first.stat().st_ino == second.stat().st_ino  # a hard link, not a second simulation

    # The second point alone (the same overrides, hence the same seeds) computes its spiking stage itself.
    alone = _study(tmp_path, '\n[sweep]\n"mirror.latent_width" = [2]\n', name="alone")
    single = run_study(alone, tmp_path / "alone", scheduler="synchronous")
    assert single.records[0]["reused_stages"] == []
    assert _science(swept.records[1:]) == _science(single.records)


def test_killed_run_resumes_without_losing_finished_points(tmp_path: Path) -> None:
    sweep = '\n[sweep]\n"spiking.g_inh" = [4.0, 5.0, 6.0]\n'
    study = _study(tmp_path, sweep)
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "neuroengram.cli", "run", str(study), "--out", str(out), "--scheduler", "synchronous"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if any(read_json(p)["status"] == "done" for p in out.glob("points/*/result.json")):
                break
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = {p: p.stat().st_mtime_ns for p in out.glob("points/*/result.json")}
    assert finished, "the first point did not finish before the deadline"
    assert len(finished) < 3, "the run ended before it could be killed"

    summary = run_study(study, out, scheduler="synchronous")
    assert summary.n_failed == 0
    assert summary.n_cached == len(finished)
    assert all(p.stat().st_mtime_ns == mtime for p, mtime in finished.items())
    assert len(list(out.glob("points/*/result.json"))) == 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_loopback_dask_cluster_gives_the_local_metrics(tmp_path: Path) -> None:
    from distributed import Client

    study = _study(tmp_path, '\n[sweep]\n"spiking.g_inh" = [4.0, 5.0]\n"mirror.latent_width" = [2, 3]\n')
    assert len(load_study(study).points()) == 4
    local = run_study(study, tmp_path / "local", workers=2)

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    scheduler = subprocess.Popen(
        [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [*dask, "worker", address, "--nthreads", "1", "--nworkers", "2", "--no-dashboard",
         "--local-directory", str(tmp_path / "dask-worker")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        remote = run_study(study, tmp_path / "remote", scheduler=address)
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
        for proc in (worker, scheduler):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    assert local.n_failed == remote.n_failed == 0
    assert [r["key"] for r in local.records] == [r["key"] for r in remote.records]
    assert _science(local.records) == _science(remote.records)
    assert read_json(tmp_path / "remote" / "provenance.json")["scheduler"] == address
