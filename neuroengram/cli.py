"""The ``neuroengram`` command: parses, validates, calls the library, formats the output.

Every error a user can cause (a bad study file, a bad argument) is printed as one line, ``error: <key>: <what>
(fix: <how>)``, with exit status 2 and no traceback.
"""

from __future__ import annotations

import importlib
import json
import logging
import shlex
import sys
from typing import Any

import click

from neuroengram import __version__
from neuroengram.errors import NeuroEngramError

STAGE_COMMANDS = {
    "xor": ("neuroengram.spiking.cli:xor", "XOR motif truth table from spikes, per-case accuracy over seeds."),
    "connectome": ("neuroengram.connectome.cli:connectome", "C. elegans connectomes: info, motif statistics."),
    "id": ("neuroengram.latent.cli:id_group", "Intrinsic dimension of an array; validation on known manifolds."),
    "engram": ("neuroengram.engram.cli:engram", "Closed-form engram estimation and erasure demos."),
}
"""Commands the stages contribute: import path and one-line help. They are imported only when run, so that
``neuroengram --help`` does not load Brian2 or torch."""


class _Group(click.Group):
    """A click group that loads stage commands lazily and turns every :class:`NeuroEngramError` into one line on
    stderr and exit status 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *STAGE_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in STAGE_COMMANDS:
            module, _, attribute = STAGE_COMMANDS[cmd_name][0].partition(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, STAGE_COMMANDS[name][1]) for name in STAGE_COMMANDS]
        rows += [(name, command.get_short_help_str(60)) for name, command in self.commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NeuroEngramError as err:
            click.echo(f"error: {err}", err=True)
            ctx.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="neuroengram")
@click.option("-v", "--verbose", is_flag=True, help="Log debug messages.")
def main(verbose: bool) -> None:
    """neuroengram: spiking engrams in Brian2, their PyTorch mirrors, latent dimension and closed-form erasure."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    for chatty in ("distributed", "brian2", "numba", "matplotlib"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if verbose else logging.WARNING)


@main.command()
@click.argument("study", type=click.Path(dir_okay=False, path_type=str))
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Run folder [default: runs/<study name>].")
@click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Dask scheduler (tcp://host:port) to run the sweep points on, or 'synchronous' to run them in this "
    "process [default: a local cluster of --workers processes].",
)
@click.option("--workers", type=int, default=None, help="Processes of the local cluster [default: min(points, cores)].")
@click.option("--quiet", is_flag=True, help="No progress bars, warnings and errors only.")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON.")
def run(study: str, out: str | None, scheduler: str | None, workers: int | None, quiet: bool, as_json: bool) -> None:
    """Run STUDY (a TOML file) into a run folder; finished points of an earlier run are reused.

    Exit status: 0 when every point finished, 1 when some failed (their tracebacks are in the report),
    2 for an invalid study or argument.
    """
    from neuroengram.runner import run_study

    if quiet:
        logging.getLogger().setLevel(logging.WARNING)
    summary = run_study(
        study,
        out,
        scheduler=scheduler,
        workers=workers,
        show_progress=not quiet and sys.stderr.isatty(),
        command=shlex.join(["neuroengram", *sys.argv[1:]]),
    )
    payload = {
        "run_dir": str(summary.run_dir),
        "report": str(summary.run_dir / "report.html"),
        "metrics_csv": str(summary.run_dir / "metrics.csv"),
        "points": summary.n_points,
        "cached": summary.n_cached,
        "failed": summary.n_failed,
        "wall_time_s": round(summary.wall_time_s, 2),
    }
    if as_json:
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(
            f"{summary.n_points} point(s) ({summary.n_cached} cached, {summary.n_failed} failed) in "
            f"{summary.wall_time_s:.1f} s -> {payload['report']}"
        )
    if summary.n_failed:
        sys.exit(1)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, path_type=str))
def report(run_dir: str) -> None:
    """Rebuild RUN_DIR/report.html from the results saved in RUN_DIR."""
    from neuroengram.report import write_report

    click.echo(write_report(run_dir))


@main.command()
@click.argument("study", type=click.Path(dir_okay=False, path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print the resolved study and its points as JSON.")
def validate(study: str, as_json: bool) -> None:
    """Check STUDY without running it: print its points and their config hashes."""
    from neuroengram.config import load_study

    parsed = load_study(study)
    points = parsed.points()
    if as_json:
        click.echo(
            json.dumps({**parsed.as_dict(), "points": [p.resolved() | {"key": p.key} for p in points]}, indent=2)
        )
        return
    click.echo(f"{parsed.name}: stages {', '.join(parsed.stages)}; {len(points)} point(s)")
    for p in points:
        click.echo(f"  {p.index:>3}  {p.key}  {json.dumps(p.overrides)}")


@main.command()
@click.argument("stage", required=False)
def stages(stage: str | None) -> None:
    """List the stages, or the parameters of STAGE (name, type, default, bounds, description)."""
    from neuroengram.stages import STAGE_ORDER, stage_module

    if stage is None:
        for name in STAGE_ORDER:
            doc = (stage_module(name).__doc__ or "").strip().splitlines()
            click.echo(f"{name:<11} {doc[0] if doc else ''}")
        return
    params = stage_module(stage).Params
    for name, field in params.model_fields.items():
        bounds = " ".join(str(m) for m in field.metadata)
        click.echo(f"{name} = {field.default!r}  [{field.annotation}] {bounds}\n    {field.description or ''}")


if __name__ == "__main__":
    main()
