"""``neuroengram engram``: command-line access to the engram stage.

``neuroengram engram demo --dataset digits --forget-class 3 --json`` trains the digits MLP, erases one class with the
closed-form estimator, retrains without it (gold standard) and prints the original, erased and retrained forget/retain
accuracies, the four criteria, the identity errors and both wall times. Errors of the neuroengram family propagate
unchanged (the main CLI prints them on one line, exit status 2).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from neuroengram.engram import stage
from neuroengram.stages import StageContext


@click.group(name="engram")
def engram() -> None:
    """Closed-form engrams: erase, isolate and compose memories in trained networks."""


@engram.command()
@click.option("--dataset", type=click.Choice(["digits"]), default="digits", show_default=True)
@click.option("--forget-class", type=int, default=3, show_default=True, help="class to erase (0-9)")
@click.option("--alpha", type=float, default=1.0, show_default=True, help="edit strength: W - alpha * engram")
@click.option("--method", type=click.Choice(["input", "kfac"]), default="input", show_default=True)
@click.option("--epochs", type=int, default=60, show_default=True, help="training epochs of the MLP")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None, help="keep outputs here")
@click.option("--json", "as_json", is_flag=True, help="print the metrics as JSON")
def demo(
    dataset: str,
    forget_class: int,
    alpha: float,
    method: str,
    epochs: int,
    seed: int,
    out: Path | None,
    as_json: bool,
) -> None:
    """Erase one class of a trained classifier and compare with retraining."""
    try:
        params = stage.Params(dataset=dataset, forget_class=forget_class, alpha=alpha, method=method, epochs=epochs)
    except ValueError as err:  # pydantic's ValidationError names the field
        raise click.BadParameter(str(err)) from err
    with tempfile.TemporaryDirectory() as tmp:
        point = out if out is not None else Path(tmp)
        metrics = stage.run(params, StageContext("engram", seed=seed, point_dir=point))
    if as_json:
        click.echo(json.dumps(metrics, indent=2))
        return
    rows = [("original", "original"), ("erased", "erased"), ("retrained", "gold")]
    click.echo(f"{'model':<10} {'forget acc':>10} {'retain acc':>10}")
    for label, key in rows:
        click.echo(f"{label:<10} {metrics[f'{key}_forget_acc']:>10.3f} {metrics[f'{key}_retain_acc']:>10.3f}")
    for key in ("specificity", "reactivation", "sufficiency", "false_positive_rate", "necessity"):
        click.echo(f"{key:<20} {metrics[key]:.3f}")
    click.echo(f"composition error    {metrics['composition_error']:.2e}")
    click.echo(f"partition error      {metrics['partition_error']:.2e}")
    click.echo(f"erase {metrics['erase_seconds']:.3f} s, retrain {metrics['retrain_seconds']:.2f} s")
