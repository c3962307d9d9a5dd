"""``neuroengram id`` commands: reports from files, the digits worked example, validation table, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from neuroengram.errors import ConfigError, DataError
from neuroengram.latent.cli import id_group, sweep_elbow

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
    # pixel intensities are integers 0..16 but not spike-count-like (Fano factor 4.7 in dim pixels, not ~1)
    assert data["warn_count_data"] is False
    # per class, MLE (k = 20) on each class's own points (research brief section 3.5): digit 1 lowest, 0 highest
    brief = [8.6, 4.8, 6.2, 7.5, 5.7, 7.0, 6.9, 6.3, 7.6, 6.3]
    np.testing.assert_allclose(data["classes"]["MLE_20"], brief, atol=0.06)
    twonn = data["classes"]["TwoNN"]
    assert np.argmin(twonn) == 1 and np.argmax(twonn) == 0
    # ID against sample size: TwoNN falls on smaller disjoint subsamples (8.9 at 1797 -> below 8 at 224)
    dec = data["decimation"]
    assert dec["n"][:4] == [1797, 898, 449, 224] and dec["blocks"][:4] == [1, 2, 4, 8]
    assert dec["TwoNN"][0] == pytest.approx(8.91, abs=0.05) and dec["TwoNN"][3] < 8


def test_estimators_option_selects_and_validates(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", linear_subspace(600, 3, 8, 4))
    args = ["estimate", str(tmp_path / "x.npy"), "--bootstrap", "0", "--json", "--estimators", "twonn,MLE"]
    result = CliRunner().invoke(id_group, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert sorted(k for k in data if k.startswith("raw_")) == ["raw_MLE_10", "raw_MLE_20", "raw_MLE_5", "raw_TwoNN"]
    assert "raw_ESS" not in data and data["id"] == pytest.approx(3, rel=0.1)  # the recommended set still runs
    result = CliRunner().invoke(id_group, [*args[:-1], "twonn,foo"])
    assert isinstance(result.exception, ConfigError)
    assert "foo" in str(result.exception) and "twonn, gride, mle" in str(result.exception)
    result = CliRunner().invoke(id_group, [*args[:-1], "twonn,ess", "--fast"])
    assert isinstance(result.exception, ConfigError) and "drop --fast" in str(result.exception)


def test_run_folder_with_width_sweep_gets_elbow_panel(tmp_path: Path) -> None:
    """A run folder whose points sweep mirror.latent_width (files as the runner writes them): loss and code ID
    against width; codes of width w carry min(w, 3) dimensions of a 3-d manifold."""
    rng = np.random.default_rng(0)
    z = rng.uniform(-1, 1, (500, 3))
    losses = {1: 0.5, 2: 0.2, 3: 0.01, 4: 0.009, 5: 0.008, 8: 0.007}
    for width, loss in losses.items():
        folder = tmp_path / "run" / "points" / f"p{width}"
        (folder / "mirror").mkdir(parents=True)
        codes = np.tanh(z[:, : min(width, 3)] @ rng.normal(0, 1, (min(width, 3), width)))
        np.savez(folder / "mirror" / "latent.npz", codes=codes)
        (folder / "point.json").write_text(json.dumps({"stages": {"mirror": {"latent_width": width}}}))
        metrics = {"mirror": {"test_loss": loss}}
        if width == 8:  # the point's latent stage analysed the codes: its metrics are reused
            metrics["latent"] = {"mirror_id": 3.1, "mirror_id_low": 2.8, "mirror_id_high": 3.4, "mirror_raw_PR": 4.5}
        (folder / "result.json").write_text(json.dumps({"metrics": metrics}))
    out = tmp_path / "report"
    args = ["estimate", str(tmp_path / "run"), "--fast", "--bootstrap", "0", "--json", "--out", str(out)]
    result = CliRunner().invoke(id_group, args)
    assert result.exit_code == 0, result.output
    elbow = json.loads(result.output)["elbow"]
    assert elbow["width"] == [1, 2, 3, 4, 5, 8] and elbow["elbow_width"] == 3  # elbow on the consecutive 1..5
    assert elbow["id"][0] == pytest.approx(1, abs=0.2) and elbow["id"][4] == pytest.approx(3, rel=0.15)
    assert (elbow["id"][-1], elbow["pr"][-1]) == (3.1, 4.5)
    assert "Autoencoder elbow" in (out / "report.html").read_text() and (out / "elbow.png").is_file()
    flat = {"width": np.arange(1, 6), "test_loss": np.array([0.065, 0.062, 0.061, 0.065, 0.064])}
    assert sweep_elbow(flat) is None  # a flat, noisy loss curve (as the quickstart mirror on 300 bins) has no elbow


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
