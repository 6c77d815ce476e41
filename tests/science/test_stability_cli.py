"""The `stability` command-line sub-app, driven through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from opencmc.cli.stability import app

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference-cases" / "stability"
runner = CliRunner()


@pytest.fixture
def exp1(tmp_path: Path) -> Path:
    if not REF.exists():
        pytest.skip(f"reference cases not found at {REF} (needs ../shared next to the repo)")
    df = pd.read_csv(REF / "exp1.csv")
    path = tmp_path / "exp1.csv"
    df[df["Batch"].isin(["b2", "b5", "b7"])].to_csv(path, index=False)
    return path


def test_shelf_life_json_reproduces_leblond(exp1: Path) -> None:
    res = runner.invoke(
        app,
        [
            "shelf-life",
            str(exp1),
            "--time",
            "Month",
            "--value",
            "Potency",
            "--batch",
            "Batch",
            "--lower",
            "95",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["shelf_life"] == pytest.approx(25.9958, abs=1e-4)
    assert out["model"] == "pooled"


def test_shelf_life_table_xlsx_and_plot(exp1: Path, tmp_path: Path) -> None:
    xlsx = tmp_path / "exp1.xlsx"
    pd.read_csv(exp1).to_excel(xlsx, index=False)
    png = tmp_path / "plot.png"
    res = runner.invoke(
        app,
        [
            "shelf-life",
            str(xlsx),
            "--time",
            "Month",
            "--value",
            "Potency",
            "--batch",
            "Batch",
            "--lower",
            "95",
            "--plot",
            str(png),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "Shelf life" in res.stdout and "b5" in res.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--time", "Nope", "--value", "Potency", "--lower", "95"], "'Nope'"),
        (
            ["--time", "Month", "--value", "Potency", "--batch", "Batch", "--lower", "120"],
            "lower limit",
        ),
        (["--time", "Month", "--value", "Potency"], "acceptance limit"),
    ],
)
def test_bad_input_is_one_line_exit_2(exp1: Path, args: list[str], needle: str) -> None:
    res = runner.invoke(app, ["shelf-life", str(exp1), *args])
    assert res.exit_code == 2
    assert needle in res.stderr
    assert "Traceback" not in res.output
    assert len(res.stderr.strip().splitlines()) == 1


def test_missing_file(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        ["shelf-life", str(tmp_path / "none.csv"), "--time", "t", "--value", "v", "--lower", "1"],
    )
    assert res.exit_code == 2 and "file not found" in res.stderr


def test_arrhenius_command(tmp_path: Path) -> None:
    temps = np.array([40, 50, 60, 70.0])
    t_iso = np.exp(-(25.0 - 90e3 / (8.314462618 * (temps + 273.15))))
    path = tmp_path / "acc.csv"
    pd.DataFrame({"T": temps, "t": t_iso}).to_csv(path, index=False)
    res = runner.invoke(
        app, ["arrhenius", str(path), "--temperature", "T", "--time", "t", "--json"]
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["activation_energy_kj_mol"] == pytest.approx(90.0, rel=1e-9)
    table = runner.invoke(app, ["arrhenius", str(path), "--temperature", "T", "--time", "t"])
    assert table.exit_code == 0 and "Ea" in table.stdout
