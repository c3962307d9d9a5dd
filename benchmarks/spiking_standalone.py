"""The melody network on cpp_standalone: a sweep built once (run_args) vs rebuilt per value, and real-time factors.

Network: the melody task's circuit at the issue's size (4 melodies x 16 steps x 8 channels, one network: 4 copies
of 530 cells, 1.92 s of biological time per run), training structure (teacher on every step), melodies from
``--seed``.

(a) Sweep: 10 values of the chain -> prediction weight (all plastic synapses set to the value, 0 ... ``w_max_mv``),
the quantity a training loop changes between runs. "Built once": one program compiled, then run 10 times with the
weights (and the noise seed) as ``run_args`` (:class:`neuroengram.spiking.melody.StandaloneMelody`). "Rebuild per
value": a new program per value in a fresh folder (the cost without run_args or a build cache); the first
``--rebuilds`` values are timed and the total is extrapolated to 10 if fewer. Both paths give identical spikes for
the same value and seed (checked). Prints the mean prediction-cell rate and XOR error per value.

(b) Real-time factor (wall time / simulated time) of one run under numpy, cython and cpp_standalone: the first call
(code generation, compilation) and the steady state (second and later calls; numpy and cython rebuild the Brian2
objects each call as the melody training does, standalone re-runs its program), plus standalone's simulation loop
alone (Brian2's ``last_run_info.txt``).

Run: OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 10 python benchmarks/spiking_standalone.py [--rebuilds 10 --seed 0]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from brian2 import prefs

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
    prefs.codegen.target = "numpy"
    root = Path(tempfile.mkdtemp(prefix="neuroengram-bench-standalone-"))

    def summary(run) -> tuple[float, float]:
        p_rate = run.full[:, :, layout.node(3)].mean() / (config.step_ms / 1000.0)
        return float(p_rate), float(_xor_errors(run, layout, config)[:, config.cue_steps :].mean())

    once, call_s = [], []
    with StandaloneMelody(fixed, melodies, config, layout, directory=root / "once") as simulate:
        for w, seed in zip(weights, seeds, strict=True):
            start = time.perf_counter()
            run = simulate(w, n_steps, seed)
            call_s.append(time.perf_counter() - start)
            once.append((summary(run), run.index.copy(), run.time_ms.copy()))
        loop_s = simulate.run_seconds
    once_s = sum(call_s)
    print(f"(a) built once + {N_VALUES} runs with run_args: {once_s:.1f} s", flush=True)

    rebuild_times = []
    for k in range(min(args.rebuilds, N_VALUES)):
        start = time.perf_counter()
        with StandaloneMelody(fixed, melodies, config, layout, directory=root / f"rebuild{k}") as simulate:
            run = simulate(weights[k], n_steps, seeds[k])
            same = np.array_equal(run.index, once[k][1]) and np.array_equal(run.time_ms, once[k][2])
        rebuild_times.append(time.perf_counter() - start)
        print(f"    rebuild {k}: {rebuild_times[-1]:.1f} s, spikes identical to the run_args run: {same}", flush=True)
    rebuild_s = float(np.mean(rebuild_times)) * N_VALUES
    timed = f"{len(rebuild_times)} timed" + ("" if len(rebuild_times) == N_VALUES else ", extrapolated to 10")
    print(f"(a) rebuild per value: {rebuild_s:.1f} s ({timed}); speed-up {rebuild_s / once_s:.1f}x (target >= 10x)")
    per_value = float(np.median(call_s[1:]))
    build = call_s[0] - per_value
    marginal = float(np.mean(rebuild_times)) / per_value
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

    rows = []
    for target in ("numpy", "cython"):
        prefs.codegen.target = target
        times = []
        for k in range(RTF_RUNS):
            start = time.perf_counter()
            _simulate(fixed, weights[5], melodies, n_steps, config, layout, seeds[k])
            times.append(time.perf_counter() - start)
            print(f"    {target} run {k}: {times[-1]:.1f} s", flush=True)
        rows.append((target, times[0], float(np.median(times[1:])), None))
    prefs.codegen.target = "numpy"
    rows.append(("cpp_standalone", call_s[0], float(np.median(call_s[1:])), float(np.median(loop_s))))
    print("(b) real-time factor (wall / simulated time)")
    print("| target | first call (s) | steady wall per run (s) | RTF steady | RTF simulation loop only |")
    print("|---|---|---|---|---|")
    for target, first, steady_s, loop in rows:
        loop_rtf = "" if loop is None else f"{loop / simulated_s:.3f}"
        print(f"| {target} | {first:.1f} | {steady_s:.2f} | {steady_s / simulated_s:.3f} | {loop_rtf} |")


if __name__ == "__main__":
    main()
