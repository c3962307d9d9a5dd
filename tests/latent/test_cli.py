"""``neuroengram id`` commands: reports from files, the digits worked example, validation table, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from neuroengram.errors import DataError
from neuroengram.latent.cli import id_group

from .helpers import linear_subspace


def test_estimate_npz_writes_report_and_json(tmp_path: Path) -> None:
    np.savez(tmp_path / "run.npz", codes=linear_subspace(800, 3, 8, 0), other=np.zeros(3))
    out = tmp_path / "report"
    result = CliRunner().invoke(
        id_group,
        ["estimate", f"{tmp_path / 'run.npz'}:codes", "--fast", "--bootstrap", "20", "--json", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["id"] == pytest.approx(3, rel=0.1)
    assert data["id_low"] <= 3 <= data["id_high"]
    assert "reading" in data and data["source"].endswith(":codes")
    assert (out / "report.html").read_text().count("<tr>") >= 10
    assert (out / "id.png").stat().st_size > 1000


def test_digits_reproduces_skdim_numbers() -> None:
    """scikit-learn digits (research brief section 3.5, skdim 0.5.0 conventions): reproduced to +-0.05."""
    result = CliRunner().invoke(id_group, ["estimate", "sklearn:digits", "--fast", "--bootstrap", "0", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    expected = {
        "raw_TwoNN": 8.91,
        "raw_GRIDE_1": 8.95,
        "raw_GRIDE_2": 8.17,
        "raw_GRIDE_4": 7.20,
        "raw_MLE_5": 8.11,
        "raw_MLE_10": 7.42,
        "raw_MLE_20": 6.84,
        "raw_DANCo": 9.01,
        "raw_MiND_ML": 7.72,
        "raw_CorrInt": 5.06,
        "raw_PR": 13.17,
        "raw_lPCA_FO": 23,
        "raw_PCA_90": 21,
    }
    for key, value in expected.items():
        assert data[key] == pytest.approx(value, abs=0.05), key
    assert data["warn_no_plateau"] is True  # GRIDE 8.95 at n1 = 1 -> 6.1 at n1 = 16: scale-dependent, no plateau
    assert data["warn_count_data"] is True  # pixel intensities are integers 0..16


def test_validate_prints_table() -> None:
    result = CliRunner().invoke(
        id_group, ["validate", "--manifolds", "M7_Roll,M2_Affine_3to5", "--n", "600", "--bootstrap", "10"]
    )
    assert result.exit_code == 0, result.output
    assert "M7_Roll" in result.output and "MRE %" in result.output


@pytest.mark.parametrize(
    "content,needle",
    [(b"", "empty"), (b"1,2\n3,nan\n", "NaN"), (b"1\n2\n3\n", "need at least 30")],
)
def test_bad_files_raise_data_error(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(id_group, ["estimate", str(path)])
    assert isinstance(result.exception, DataError)
    assert needle in str(result.exception)


def test_estimate_run_folder_and_csv(tmp_path: Path) -> None:
    run = tmp_path / "run" / "points" / "p000" / "mirror"
    run.mkdir(parents=True)
    np.savez(run / "latent.npz", codes=linear_subspace(500, 2, 6, 1))
    result = CliRunner().invoke(id_group, ["estimate", str(tmp_path / "run"), "--fast", "--bootstrap", "0", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["id"] == pytest.approx(2, rel=0.1)
    csv = tmp_path / "x.csv"
    np.savetxt(csv, linear_subspace(500, 2, 6, 2), delimiter=",", header="a,b,c,d,e,f", comments="")
    result = CliRunner().invoke(id_group, ["estimate", str(csv), "--fast", "--bootstrap", "0", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["n_points"] == 500
