"""`opencmc doe` sub-commands, invoked directly."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencmc.cli.doe import app

DATA = Path(__file__).resolve().parent / "data" / "doe"
runner = CliRunner()


def test_design_fraction_writes_sheet_and_shows_aliases(tmp_path: Path) -> None:
    out = tmp_path / "runs.csv"
    args = ["design", "fractional", "--resolution", "4", "--seed", "3", "--out", str(out)]
    for f in "ABCDEF":
        args += ["-f", f"{f}=-1:1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "I = A:B:C:E = A:D:E:F = B:C:D:F" in res.output
    assert "A:E = B:C = D:F" in res.output
    sheet = pd.read_csv(out)
    assert len(sheet) == 16 and list(sheet.columns)[:2] == ["run", "std_order"]


def test_design_then_analyze_json(tmp_path: Path) -> None:
    out = tmp_path / "runs.csv"
    res = runner.invoke(
        app,
        [
            "design",
            "full",
            "-f",
            "T=160:180:°C",
            "-f",
            "C=20:40:%",
            "-f",
            "K=A,B",
            "--seed",
            "5",
            "--out",
            str(out),
            "--response",
            "yield",
        ],
    )
    assert res.exit_code == 0, res.output
    sheet = pd.read_csv(out)
    yields = {1: 60, 2: 72, 3: 54, 4: 68, 5: 52, 6: 83, 7: 45, 8: 80}  # BHH pilot plant
    sheet["yield"] = sheet["std_order"].map(yields)
    sheet.to_csv(out, index=False)
    res = runner.invoke(
        app, ["analyze", str(out), "--response", "yield", "--factors", "T,C,K", "--json"]
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["effects"]["T"] == pytest.approx(23.0)
    assert payload["effects"]["T:K"] == pytest.approx(10.0)
    assert payload["coefficients"]["C"] == pytest.approx(-2.5)


def test_analyze_table_and_plots(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "analyze",
            str(DATA / "montgomery_ccd_chemical_process.csv"),
            "--response",
            "yield",
            "--factors",
            "time,temperature",
            "--plot",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "time:temperature" in res.output and "R²" in res.output
    assert {p.name for p in tmp_path.iterdir()} >= {"yield_contour.png", "yield_residuals.png"}


def test_optimize(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "optimize",
            str(DATA / "montgomery_ccd_chemical_process.csv"),
            "--factors",
            "time,temperature",
            "--goal",
            "yield:maximize:78.5:80",
            "--goal",
            "viscosity:target:62:65:68",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["overall"] > 0.9 and set(payload["settings"]) == {"time", "temperature"}


def test_bad_input_exits_2_with_a_message(tmp_path: Path) -> None:
    sheet = tmp_path / "runs.csv"
    pd.DataFrame(
        {"run": [1, 2, 3, 4], "A": [-1, 1, -1, 1], "B": [-1, -1, 1, 1], "y": [1.0, None, 2.0, 3.0]}
    ).to_csv(sheet, index=False)
    res = runner.invoke(app, ["analyze", str(sheet), "--response", "y"])
    assert res.exit_code == 2
    assert "'y' is missing in 1 row(s): 2 (run 2)" in res.output
    res = runner.invoke(app, ["analyze", str(tmp_path / "nope.csv"), "--response", "y"])
    assert res.exit_code == 2 and "file not found" in res.output
    res = runner.invoke(app, ["design", "bbd", "-f", "A=0:1", "-f", "B=0:1"])
    assert res.exit_code == 2 and "3 to 7 factors" in res.output
    res = runner.invoke(app, ["design", "full", "-f", "A"])
    assert res.exit_code == 2 and "NAME=LOW:HIGH" in res.output
    res = runner.invoke(app, ["optimize", str(sheet), "--goal", "y:maximize:1"])
    assert res.exit_code == 2 and "goal" in res.output
