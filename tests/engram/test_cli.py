"""The ``engram demo`` command: JSON output of the quickstart's numbers, clear errors."""

from __future__ import annotations

import json

from click.testing import CliRunner

from neuroengram.engram.cli import engram


def test_demo_prints_original_erased_and_retrained_accuracies_as_json():
    result = CliRunner().invoke(engram, ["demo", "--forget-class", "3", "--epochs", "5", "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    for model in ("original", "erased", "gold"):
        assert 0.0 <= metrics[f"{model}_forget_acc"] <= 1.0
    assert metrics["erased_forget_acc"] < metrics["original_forget_acc"]
    assert metrics["gold_forget_acc"] == 0.0  # a class never trained on is never predicted
    assert {"specificity", "reactivation", "sufficiency", "necessity", "erase_seconds", "retrain_seconds"} <= set(
        metrics
    )


def test_demo_rejects_a_bad_class():
    bad = CliRunner().invoke(engram, ["demo", "--forget-class", "12"])
    assert bad.exit_code == 2 and "forget_class" in bad.output
