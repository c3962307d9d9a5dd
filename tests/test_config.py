"""Study validation: every user error is a ConfigError naming the key, and the CLI prints it on one line, exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from neuroengram.config import derive_seeds, load_study, parse_study
from neuroengram.errors import ConfigError


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neuroengram.cli", *args], capture_output=True, text=True, timeout=120, check=False
    )


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[study]\nname = "x"\nseed = 1\n[stages.spiking]\n[extra]\n', "extra", "unknown key"),
        ("[stages.spiking]\n", "study", "missing table"),
        ('[study]\nname = "x"\nseed = -1\n[stages.spiking]\n', "study.seed", "integer >= 0"),
        ('[study]\nname = "x"\nseed = "one"\n[stages.spiking]\n', "study.seed", "integer >= 0"),
        ('[study]\nname = "a b"\nseed = 1\n[stages.spiking]\n', "study.name", "letters"),
        ('[study]\nname = "x"\nseed = 1\ncolour = "red"\n[stages.spiking]\n', "study.colour", "unknown key"),
        ('[study]\nname = "x"\nseed = 1\n[stages.dreaming]\n', "stages.dreaming", "unknown stage"),
        ('[study]\nname = "x"\nseed = 1\n[stages]\n', "stages", "no stage"),
        ('stages = 3\n[study]\nname = "x"\nseed = 1\n', "stages", "expected a table"),
    ],
)
def test_study_errors_name_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_study(_write(tmp_path, text))
    assert info.value.key == key
    assert words in str(info.value)


def test_bad_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_study(_write(tmp_path, "[study\nname = 1"))
    with pytest.raises(ConfigError, match="not found"):
        load_study(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[study\n", "not valid TOML"),
        ('[study]\nname = "x"\nseed = 1\n[stages.spiking]\n[extra]\n', "extra: unknown key"),
        ('[study]\nname = "x"\nseed = 1\n[stages.spiking]\nn_exc = "many"\n', "stages.spiking.n_exc: "),
        ('[study]\nname = "x"\nseed = 1\n[stages.spiking]\nn_exc = -3\n', "greater than or equal to 1"),
        ('[study]\nname = "x"\nseed = 1\n[stages.spiking]\ncolour = 1\n', "stages.spiking.colour: unknown key"),
        (
            '[study]\nname = "x"\nseed = 1\n[stages.spiking]\n[sweep]\n"spiking.p_connect" = [0.1, 7]\n',
            'sweep."spiking.p_connect"[1]',
        ),
    ],
)
def test_cli_prints_one_line_and_exits_2(tmp_path: Path, text: str, needle: str) -> None:
    result = _cli("validate", str(_write(tmp_path, text)))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0]
    assert "Traceback" not in result.stderr


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    result = _cli("run", str(tmp_path / "missing.toml"), "--out", str(tmp_path / "run"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not found" in result.stderr


def test_seeds_depend_on_root_and_point_only() -> None:
    a = derive_seeds(7, {"spiking.x": 1}, ["spiking", "mirror"])
    assert a == derive_seeds(7, {"spiking.x": 1}, ["spiking", "mirror"])
    assert a != derive_seeds(8, {"spiking.x": 1}, ["spiking", "mirror"])
    assert a != derive_seeds(7, {"spiking.x": 2}, ["spiking", "mirror"])
    assert a["spiking"] != a["mirror"]
    assert all(0 <= s < 2**31 for s in a.values())


def test_downstream_sweeps_keep_upstream_seeds() -> None:
    stages = ["spiking", "mirror", "engram"]
    one, two = (derive_seeds(7, {"engram.alpha": alpha}, stages) for alpha in (0.5, 1.0))
    assert one["spiking"] == two["spiking"] and one["mirror"] == two["mirror"]
    assert one["engram"] != two["engram"]
    three, four = (derive_seeds(7, {"spiking.g_inh": g}, stages) for g in (4.0, 5.0))
    assert all(three[s] != four[s] for s in stages)


def test_parse_study_rejects_non_table_stage() -> None:
    with pytest.raises(ConfigError) as info:
        parse_study({"study": {"name": "x", "seed": 1}, "stages": {"spiking": 3}})
    assert info.value.key == "stages.spiking"
