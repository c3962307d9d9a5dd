"""``neuroengram xor``: the truth table printed as JSON, bad options as ConfigError."""

from __future__ import annotations

import json

from click.testing import CliRunner

from neuroengram.errors import ConfigError
from neuroengram.spiking.cli import xor


def test_xor_json_prints_truth_table_and_accuracy():
    result = CliRunner().invoke(xor, ["--seeds", "3", "--seed", "1", "--trial-ms", "150", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert [(row["a"], row["b"], row["output"]) for row in summary["truth_table"]] == [
        (0, 0, 0),
        (0, 1, 1),
        (1, 0, 1),
        (1, 1, 0),
    ]
    assert set(summary["accuracy_per_case"]) == {"00", "01", "10", "11"}
    assert summary["seeds_per_case"] == 3 and summary["config"]["trial_ms"] == 150.0


def test_xor_bad_option_raises_config_error_naming_it():
    result = CliRunner().invoke(xor, ["--noise", "-5"])
    assert isinstance(result.exception, ConfigError)
    assert result.exception.key == "--noise"
