"""The melody network on cpp_standalone: a sweep built once (run_args) vs rebuilt per value, and real-time factors.

Network: the melody task's circuit at the issue's size (4 melodies x 16 steps x 8 channels, one network = 4 copies
of 530 cells, one per melody, each simulating the same 1.92 s side by side), training structure (teacher on every
step), melodies from ``--seed``.

(a) Sweep: 10 values of the chain -> prediction weight (all plastic synapses set to the value, 0 ... ``w_max_mv``),
the quantity a training loop changes between runs. "Built once": one program compiled, then run 10 times with the
weights (and the noise seed) as ``run_args`` (:class:`neuroengram.spiking.melody.StandaloneMelody`). "Rebuild per
value": a new program per value in a fresh folder (the cost without run_args or a build cache); the first
``--rebuilds`` values are timed and the total is extrapolated to 10 if fewer. Both paths give identical spikes for
the same value and seed (checked). Prints the mean prediction-cell rate and XOR error per value.

(b) Real-time factor RTF = time / simulated time of one run under numpy, cython and cpp_standalone, for the whole
4-copy structure and per network (divided by the 4 copies run side by side; a copy of 530 cells is "the melody
network" of one melody). Times: the first call (code generation, compilation), then the median of the later calls
(numpy and cython rebuild the Brian2 objects each call as the melody training does, standalone re-runs its
program) in wall time and in CPU time (user + sys of this process and its finished children, i.e. the standalone
program; wall time overstates the cost when other jobs share the cores), and standalone's simulation loop alone
(Brian2's ``last_run_info.txt``: the loop's CPU time ``std::clock`` without OpenMP, its wall time with OpenMP).
Baselines in the same run on cpp_standalone: the Poisson drive on every cell (rate 0 outside the X cells) instead
of one block of motif cells per copy, and in addition the membrane noise of the previous model (a Gaussian
``randn()`` draw per cell and step, same variance); and numpy and cython. A last row runs the standalone program
with OpenMP on 2 threads (``prefs.devices.cpp_standalone.openmp_threads = 2``; uses both cores of this machine).

Run: OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 10 python benchmarks/spiking_standalone.py [--rebuilds 10 --seed 0]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from brian2 import prefs

from neuroengram.spiking import melody, model
from neuroengram.spiking.melody import (
    Layout,
    MelodyConfig,
    StandaloneMelody,
    _fixed_synapses,
    _simulate,
    _xor_errors,
    imprint_templates,
    random_melodies,
)

N_VALUES = 10
RTF_RUNS = 3
GAUSSIAN_NOISE = "v += J_noise * sqrt(2 * rate_noise * dt) * randn() * int(not_refractory)"
"""The membrane noise before the uniform draw (same variance per step): the baseline of this benchmark."""


@contextmanager
def earlier_model(gaussian: bool) -> Iterator[None]:
    """Standalone builds inside get the Poisson drive on every cell, and the Gaussian noise if ``gaussian``."""
    noise, circuit_of = model.NOISE, melody._circuit
    model.NOISE = GAUSSIAN_NOISE if gaussian else noise
    melody._circuit = lambda *args, drive_blocks, **kwargs: circuit_of(*args, drive_blocks=False, **kwargs)
    try:
        yield
    finally:
        model.NOISE, melody._circuit = noise, circuit_of


def cpu_seconds() -> float:
    """User + sys CPU time of this process and its finished children (s)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(call: Callable[[], object]) -> tuple[float, float, object]:
    """``(wall s, CPU s, result)`` of ``call()``."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = call()
    return time.perf_counter() - wall, cpu_seconds() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuilds", type=int, default=N_VALUES, help="rebuilds timed (extrapolated to 10)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    config = MelodyConfig()
    rng = np.random.default_rng(args.seed)
    melodies = random_melodies(rng, config)
    n_melodies, n_steps, n_channels = melodies.shape
    layout = Layout(n_channels, n_melodies, n_steps, config.n_sub, config.n_pool, config.cue_steps)
    fixed = [_fixed_synapses(layout, config, imprint_templates(melodies, config.cue_steps, config.gate_cue_mv))]
    values = np.linspace(0.0, config.w_max_mv, N_VALUES)
    weights = [np.full((1, layout.readout.size, n_channels), v) for v in values]
    seeds = [args.seed + k for k in range(N_VALUES)]
    simulated_s = n_steps * config.step_ms / 1000.0
    print(f"melody network: {n_melodies} copies x {layout.n_cells} cells, {simulated_s:.2f} s simulated per run")
    print(f"load average at start: {os.getloadavg()}", flush=True)
    prefs.codegen.target = "numpy"
    root = Path(tempfile.mkdtemp(prefix="neuroengram-bench-standalone-"))

    def summary(run) -> tuple[float, float]:
        p_rate = run.full[:, :, layout.node(3)].mean() / (config.step_ms / 1000.0)
        return float(p_rate), float(_xor_errors(run, layout, config)[:, config.cue_steps :].mean())

    def standalone_runs(name: str, n_runs: int) -> tuple[list[tuple[float, float]], list[float], list[object]]:
        """(wall, CPU) per call, loop times and (summary, spikes) of ``n_runs`` runs of one build (first: compile)."""
        times, outputs = [], []
        with StandaloneMelody(fixed, melodies, config, layout, directory=root / name) as simulate:
            for w, seed in zip(weights[:n_runs], seeds[:n_runs], strict=True):
                wall, cpu, run = timed(lambda w=w, seed=seed: simulate(w, n_steps, seed))
                times.append((wall, cpu))
                outputs.append((summary(run), run.index.copy(), run.time_ms.copy()))
            return times, list(simulate.run_seconds), outputs

    once_times, loop_s, once = standalone_runs("once", N_VALUES)
    once_s = sum(wall for wall, _ in once_times)
    once_cpu = sum(cpu for _, cpu in once_times)
    print(f"(a) built once + {N_VALUES} runs with run_args: {once_s:.1f} s wall, {once_cpu:.1f} s CPU", flush=True)

    rebuild_times = []
    for k in range(min(args.rebuilds, N_VALUES)):
        project = StandaloneMelody(fixed, melodies, config, layout, directory=root / f"rebuild{k}")
        wall, cpu, same = timed(
            lambda k=k, project=project: _identical(project, weights[k], n_steps, seeds[k], once[k])
        )
        rebuild_times.append((wall, cpu))
        print(f"    rebuild {k}: {wall:.1f} s wall, {cpu:.1f} s CPU, spikes identical to the run_args run: {same}")
    rebuild_s = float(np.mean([wall for wall, _ in rebuild_times])) * N_VALUES
    rebuild_cpu = float(np.mean([cpu for _, cpu in rebuild_times])) * N_VALUES
    timed_text = f"{len(rebuild_times)} timed" + ("" if len(rebuild_times) == N_VALUES else ", extrapolated to 10")
    print(
        f"(a) rebuild per value: {rebuild_s:.1f} s wall, {rebuild_cpu:.1f} s CPU ({timed_text}); speed-up "
        f"{rebuild_s / once_s:.1f}x wall, {rebuild_cpu / once_cpu:.1f}x CPU (target >= 10x)"
    )
    per_value = float(np.median([wall for wall, _ in once_times[1:]]))
    build = once_times[0][0] - per_value
    marginal = float(np.mean([wall for wall, _ in rebuild_times])) / per_value
    needed = int(np.ceil(10 * build / (build + per_value - 10 * per_value))) if marginal > 10 else None
    print(
        f"    one build {build:.1f} s, one run_args run {per_value:.2f} s: each further value costs {marginal:.0f}x "
        f"less than a rebuild; a sweep reaches 10x in total from {needed} values (10 values give at most "
        f"10 x (build + run) / (build + 10 run) < 10x unless a rebuild costs more than the first build)"
    )
    print("| weight (mV) | P rate (Hz) | XOR error rate |")
    print("|---|---|---|")
    for v, ((p_rate, error), _, _) in zip(values, once, strict=True):
        print(f"| {v:.0f} | {p_rate:.1f} | {error:.3f} |")

    rows = [("cpp_standalone", once_times[: RTF_RUNS + 1], float(np.median(loop_s[1:])))]
    for gaussian, label in ((False, "drive on every cell"), (True, "drive on every cell, Gaussian noise (before)")):
        with earlier_model(gaussian):
            times, loops, _ = standalone_runs(f"earlier{int(gaussian)}", RTF_RUNS + 1)
        rows.append((f"cpp_standalone, {label}", times, float(np.median(loops[1:]))))
    prefs.devices.cpp_standalone.openmp_threads = 2
    try:
        times, loops, _ = standalone_runs("openmp2", RTF_RUNS + 1)
    finally:
        prefs.devices.cpp_standalone.openmp_threads = 0
    rows.append(("cpp_standalone, OpenMP 2 threads", times, float(np.median(loops[1:]))))
    for target in ("numpy", "cython"):
        prefs.codegen.target = target
        times = []
        for k in range(RTF_RUNS):
            wall, cpu, _ = timed(lambda k=k: _simulate(fixed, weights[5], melodies, n_steps, config, layout, seeds[k]))
            times.append((wall, cpu))
            print(f"    {target} run {k}: {wall:.1f} s wall, {cpu:.1f} s CPU", flush=True)
        rows.append((target, times, None))
    prefs.codegen.target = "numpy"
    print(f"load average at end: {os.getloadavg()}")
    print(f"(b) real-time factor (time / simulated time); per network = / {n_melodies} copies run side by side")
    print(
        "| target | first call (s) | wall per run (s) | CPU per run (s) | loop (s) | RTF wall | RTF CPU | RTF loop "
        "| per network: RTF wall | RTF CPU | RTF loop |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    whole, per_network = simulated_s, simulated_s * n_melodies
    for target, times, loop in rows:
        wall = float(np.median([t[0] for t in times[1:]]))
        cpu = float(np.median([t[1] for t in times[1:]]))
        loop_text = (
            ("", "", "") if loop is None else (f"{loop:.2f}", f"{loop / whole:.3f}", f"{loop / per_network:.3f}")
        )
        print(
            f"| {target} | {times[0][0]:.1f} | {wall:.2f} | {cpu:.2f} | {loop_text[0]} | {wall / whole:.3f} | "
            f"{cpu / whole:.3f} | {loop_text[1]} | {wall / per_network:.3f} | {cpu / per_network:.3f} | "
            f"{loop_text[2]} |"
        )
    new_loop, all_cells_loop, before_loop = (row[2] for row in rows[:3])
    print(
        f"standalone loop: {before_loop / new_loop:.2f}x faster than before (Gaussian noise, drive on every cell), "
        f"uniform noise {before_loop / all_cells_loop:.2f}x, drive on motif blocks {all_cells_loop / new_loop:.2f}x"
    )


def _identical(simulate: StandaloneMelody, weights: np.ndarray, n_steps: int, seed: int, reference) -> bool:
    """Build, run once and compare the spikes with the run_args run of the same value and seed."""
    with simulate:
        run = simulate(weights, n_steps, seed)
        return bool(np.array_equal(run.index, reference[1]) and np.array_equal(run.time_ms, reference[2]))


if __name__ == "__main__":
    main()
