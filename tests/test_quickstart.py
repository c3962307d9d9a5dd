"""README command (a) end to end: the quickstart study through the CLI on the default scheduler."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    return re.findall(r"```bash\n(python3 -m venv .+?)\n```", (ROOT / "README.md").read_text())


def test_ci_runs_the_readme_test_command() -> None:
    install_and_run, install_and_test = _readme_commands()[:2]
    assert "studies/quickstart.toml" in install_and_run
    assert "pytest" in install_and_test
    assert install_and_test in (ROOT / ".ci" / "run").read_text().splitlines()


@pytest.mark.slow
def test_quickstart_writes_a_report_with_embedded_figures(tmp_path: Path) -> None:
    out = tmp_path / "quickstart"
    result = subprocess.run(
        [sys.executable, "-m", "neuroengram.cli", "run", str(ROOT / "studies" / "quickstart.toml"),
         "--out", str(out), "--quiet", "--json"],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["points"], summary["failed"]) == (1, 0)

    table = pd.read_csv(out / "metrics.csv")
    assert list(table["stage"]) == ["spiking", "connectome", "mirror", "latent", "engram"]
    assert (table["status"] == "done").all()
    assert (table["seed"] >= 0).all() and table["seed"].nunique() == 5
    spiking = table[table["stage"] == "spiking"].iloc[0]
    assert 0.5 < spiking["rate_exc_hz"] < 100

    page = (out / "report.html").read_text()
    pngs = list(out.glob("points/*/*/figures/*.png"))
    assert len(pngs) >= 5 and list(out.glob("points/*/*/figures/*.svg"))
    assert page.count("src='data:image/png;base64,") >= len(pngs)
    assert "http://" not in page and "https://" not in page  # opens offline

    provenance = json.loads((out / "provenance.json").read_text())
    assert provenance["root_seed"] == 20261122
    assert provenance["versions"]["brian2"] and provenance["versions"]["torch"]

    rebuilt = subprocess.run(
        [sys.executable, "-m", "neuroengram.cli", "report", str(out)], capture_output=True, text=True, check=False
    )
    assert rebuilt.returncode == 0 and (out / "report.html").read_text().count("data:image/png") == page.count(
        "data:image/png"
    )
