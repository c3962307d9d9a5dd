"""``neuroengram xor``: the XOR motif's truth table from spikes, from the shell.

``xor`` is a click command the main ``neuroengram`` command registers; a :class:`NeuroEngramError` reaches the
main CLI unchanged (one line, exit status 2).
"""

from __future__ import annotations

import json
import time

import click
from pydantic import ValidationError

from neuroengram.errors import ConfigError
from neuroengram.spiking.model import set_target
from neuroengram.spiking.motifs import (
    XOR_CASES,
    XORConfig,
    fully_correct_fraction,
    run_xor_trials,
    truth_table_cases,
    xor_index,
)

_OPTION = {
    "n_seeds": "--seeds",
    "input_rate_hz": "--input-rate",
    "noise_rate_hz": "--noise",
    "weight_jitter": "--jitter",
    "trial_ms": "--trial-ms",
    "readout_threshold_hz": "--threshold",
}


def _config(**values: float) -> XORConfig:
    """Validate the options as an :class:`XORConfig`; a bad value becomes a :class:`ConfigError` naming it."""
    try:
        return XORConfig(**values)
    except ValidationError as err:
        first = err.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else ""
        raise ConfigError(first["msg"], key=_OPTION.get(field, "xor"), fix="see neuroengram xor --help") from err


@click.command("xor")
@click.option("--seeds", "n_seeds", default=20, show_default=True, type=int, help="noisy trials per input case")
@click.option("--seed", default=0, show_default=True, type=int, help="seed of all randomness")
@click.option(
    "--input-rate", "input_rate_hz", default=3000.0, show_default=True, help="Poisson rate of an 'on' input (Hz)"
)
@click.option("--noise", "noise_rate_hz", default=200.0, show_default=True, help="membrane noise kick rate (Hz)")
@click.option("--jitter", "weight_jitter", default=0.0, show_default=True, help="relative weight jitter per trial")
@click.option("--trial-ms", default=200.0, show_default=True, help="trial duration (ms)")
@click.option("--threshold", "readout_threshold_hz", default=20.0, show_default=True, help="read-out 'on' rate (Hz)")
@click.option("--target", default="numpy", show_default=True, help="Brian2 codegen target (numpy or cython)")
@click.option("--json", "as_json", is_flag=True, help="print machine-readable JSON")
def xor(n_seeds: int, seed: int, target: str, as_json: bool, **values: float) -> None:
    """Simulate the six-cell XOR motif (Brian2, Poisson inputs) on the four input cases, SEEDS trials each, all in
    one network, and print the truth table (read-out 'on' iff its rate after settling >= THRESHOLD)."""
    config = _config(n_seeds=n_seeds, **values)
    set_target(target)
    start = time.perf_counter()
    trials = run_xor_trials(truth_table_cases(config.n_seeds), config, seed)
    wall = time.perf_counter() - start
    accuracy = trials.accuracy_per_case()
    table = []
    for k, (a, b) in enumerate(XOR_CASES):
        rows = slice(k * config.n_seeds, (k + 1) * config.n_seeds)
        table.append(
            {
                "a": a,
                "b": b,
                "expected": int(a != b),
                "output": int(trials.predicted[rows].mean() >= 0.5),
                "readout_hz_mean": round(float(trials.readout_hz[rows].mean()), 2),
                "accuracy": accuracy[f"{a}{b}"],
            }
        )
    summary = {
        "truth_table": table,
        "accuracy_per_case": accuracy,
        "fully_correct_fraction": fully_correct_fraction(trials, config.n_seeds),
        "xor_index": round(xor_index(trials), 4),
        "seeds_per_case": config.n_seeds,
        "seed": seed,
        "config": config.model_dump(),
        "wall_time_s": round(wall, 3),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(" A B | XOR | read-out (Hz) | output | accuracy")
    for row in table:
        click.echo(
            f" {row['a']} {row['b']} |  {row['expected']}  | {row['readout_hz_mean']:13.1f} |   {row['output']}    |"
            f" {row['accuracy']:.2f}"
        )
    click.echo(
        f"fully correct seeds: {summary['fully_correct_fraction']:.2f}, xor_index {summary['xor_index']:.2f}, "
        f"{4 * config.n_seeds} trials in {wall:.2f} s"
    )
