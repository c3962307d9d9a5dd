"""``neuroengram connectome info|motifs`` print the loader's and the statistics' numbers."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from neuroengram.connectome.cli import connectome
from neuroengram.errors import ConfigError


def test_info_json() -> None:
    result = CliRunner().invoke(connectome, ["info", "varshney2011", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["nodes"], summary["edges"], summary["total_weight"], summary["mutual_pairs"]) == (
        279,
        2194,
        6394,
        233,
    )


def test_info_gap_text() -> None:
    result = CliRunner().invoke(connectome, ["info", "varshney2011", "--synapses", "gap", "--sign", "none"])
    assert result.exit_code == 0 and "mutual_pairs: 514" in result.output


def test_motifs_json() -> None:
    result = CliRunner().invoke(
        connectome, ["motifs", "varshney2011", "--motif", "ffl", "--null", "mutual", "--samples", "30", "--json"]
    )
    assert result.exit_code == 0, result.output
    ffl = json.loads(result.output)["motifs"]["ffl"]
    assert ffl["n_real"] == 1453 and ffl["z"] > 8 and ffl["p_value"] == pytest.approx(1 / 31)


def test_errors_reach_the_caller_unchanged() -> None:
    result = CliRunner().invoke(connectome, ["motifs", "worm", "--samples", "5"])
    assert isinstance(result.exception, ConfigError) and result.exception.key == "dataset"
