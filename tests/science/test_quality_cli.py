"""The `validation`, `spc` and `comparability` command-line sub-apps, through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencmc.cli import comparability as comparability_cli
from opencmc.cli import spc as spc_cli
from opencmc.cli import validation as validation_cli

DATA = Path(__file__).resolve().parent / "data" / "quality"
REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference-cases" / "spc"
runner = CliRunner()


def _json(result) -> dict:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# --- validation --------------------------------------------------------------------------


def test_validation_linearity_json_and_plot(tmp_path: Path) -> None:
    png = tmp_path / "lin.png"
    out = _json(
        runner.invoke(
            validation_cli.app,
            [
                "linearity",
                str(DATA / "linearity.csv"),
                "--concentration",
                "concentration_pct",
                "--response",
                "peak_area",
                "--target",
                "100",
                "--json",
                "--plot",
                str(png),
            ],
        )
    )
    assert out["r"] > 0.999 and out["levels"] == 5
    assert out["lack_of_fit"]["df_pure_error"] == 10
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_validation_accuracy_precision_and_lod() -> None:
    acc = _json(
        runner.invoke(
            validation_cli.app,
            [
                "accuracy",
                str(DATA / "accuracy.csv"),
                "--nominal",
                "nominal_mg",
                "--measured",
                "measured_mg",
                "--level",
                "level",
                "--limits",
                "98,102",
                "--json",
            ],
        )
    )
    assert acc["passed"] is True and len(acc["levels"]) == 3
    rep = _json(
        runner.invoke(
            validation_cli.app,
            ["precision", str(DATA / "precision.csv"), "--value", "assay_pct", "--json"],
        )
    )
    assert rep["n"] == len(pd.read_csv(DATA / "precision.csv")) and rep["rsd"] > 0
    ip = _json(
        runner.invoke(
            validation_cli.app,
            [
                "precision",
                str(DATA / "precision.csv"),
                "--value",
                "assay_pct",
                "--factor",
                "analyst",
                "--factor",
                "day",
                "--json",
            ],
        )
    )
    assert [c["source"] for c in ip["components"]] == [
        "analyst", "day within analyst", "repeatability",
    ]  # fmt: skip
    assert ip["method"].startswith("REML")
    text = runner.invoke(
        validation_cli.app,
        ["lod", str(DATA / "linearity.csv"), "--concentration", "concentration_pct",
         "--response", "peak_area"],
    )  # fmt: skip
    assert text.exit_code == 0 and "LOD" in text.stdout
    sn = _json(
        runner.invoke(
            validation_cli.app, ["lod", "--signal", "12", "--noise", "2", "--at", "0.05", "--json"]
        )
    )
    assert sn["signal_to_noise"] == 12.0


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["linearity", "missing.csv", "--concentration", "x", "--response", "y"], "not found"),
        (
            ["linearity", str(DATA / "linearity.csv"), "--concentration", "conc",
             "--response", "peak_area"],
            "'conc' not found",
        ),
        (
            ["accuracy", str(DATA / "accuracy.csv"), "--nominal", "nominal_mg",
             "--measured", "measured_mg", "--limits", "98"],
            "two numbers",
        ),
        (["lod", "--signal", "12"], "needs --signal, --noise and --at"),
    ],
)  # fmt: skip
def test_validation_bad_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    res = runner.invoke(validation_cli.app, args)
    assert res.exit_code == 2
    assert needle in res.stderr and "Traceback" not in res.output


# --- spc ---------------------------------------------------------------------------------


def test_spc_chart_piston_rings_phase_one_and_two(tmp_path: Path) -> None:
    if not REF.exists():
        pytest.skip(f"reference cases not found at {REF} (needs ../shared next to the repo)")
    png = tmp_path / "xbar.png"
    out = _json(
        runner.invoke(
            spc_cli.app,
            [
                "chart",
                str(REF / "spc_xbar_r_pistonrings.csv"),
                "--type",
                "xbar-r",
                "--value",
                "diameter_mm",
                "--subgroup",
                "sample",
                "--phase1",
                "phase1_trial",
                "--json",
                "--plot",
                str(png),
            ],
        )
    )
    assert out["ucl"] == pytest.approx(74.014309, abs=1e-5)
    assert out["dispersion"]["center"] == pytest.approx(0.02276, abs=1e-5)
    monitored = out["monitoring"]
    beyond = [s["label"] for s in monitored["signals"] if s["rule"] == "nelson1"]
    assert beyond == [37, 38, 39]
    assert png.stat().st_size > 1000
    text = runner.invoke(
        spc_cli.app,
        ["chart", str(REF / "spc_xbar_r_pistonrings.csv"), "--type", "xbar-r",
         "--value", "diameter_mm", "--subgroup", "sample", "--phase1", "phase1_trial"],
    )  # fmt: skip
    assert text.exit_code == 0 and "Signals (phase II)" in text.stdout


def test_spc_p_chart_with_exclusion() -> None:
    out = _json(
        runner.invoke(
            spc_cli.app,
            [
                "chart",
                str(DATA / "orange_juice.csv"),
                "--type",
                "p",
                "--value",
                "nonconforming",
                "--size",
                "sample_size",
                "--label",
                "sample",
                "--exclude",
                "14,22",
                "--reason",
                "new cardboard lot",
                "--json",
            ],
        )
    )
    assert out["center"] == pytest.approx(0.2150, abs=1e-4)
    assert out["exclusions"] == [{"indices": [14, 22], "reason": "new cardboard lot"}]
    assert [out["labels"][i] for i in out["out_of_control"]] == [21]


@pytest.mark.parametrize("kind", ["imr", "ewma", "cusum", "c"])
def test_spc_chart_types_on_a_column(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    pd.DataFrame({"v": [4, 7, 5, 6, 3, 8, 5, 4, 6, 9, 5, 7, 6, 5, 4]}).to_csv(path, index=False)
    out = _json(runner.invoke(spc_cli.app, ["chart", str(path), "--type", kind, "--value", "v",
                                            "--json"]))  # fmt: skip
    assert out["kind"] == kind and out["n_points"] == 15


def test_spc_capability_json() -> None:
    if not REF.exists():
        pytest.skip(f"reference cases not found at {REF} (needs ../shared next to the repo)")
    path = REF / "spc_xbar_r_pistonrings.csv"
    out = _json(
        runner.invoke(
            spc_cli.app,
            [
                "capability",
                str(path),
                "--value",
                "diameter_mm",
                "--lsl",
                "73.95",
                "--usl",
                "74.05",
                "--subgroup",
                "sample",
                "--json",
            ],
        )
    )
    assert set(out["intervals"]) >= {"cp", "cpk", "pp", "ppk", "cpm"}
    text = runner.invoke(
        spc_cli.app, ["capability", str(path), "--value", "diameter_mm", "--usl", "74.05"]
    )
    assert text.exit_code == 0 and "not estimable" in text.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["chart", str(DATA / "orange_juice.csv"), "--type", "pareto", "--value", "x"],
         "--type must be one of"),
        (["chart", str(DATA / "orange_juice.csv"), "--type", "p", "--value", "nonconforming"],
         "needs --size"),
        (["chart", str(DATA / "orange_juice.csv"), "--type", "xbar-r",
          "--value", "nonconforming", "--subgroup-size", "1"], "at least 2 values per subgroup"),
        (["chart", str(DATA / "orange_juice.csv"), "--type", "imr", "--value", "nonconforming",
          "--exclude", "3"], "needs --reason"),
        (["capability", str(DATA / "orange_juice.csv"), "--value", "nonconforming",
          "--lsl", "10", "--usl", "5"], "must be below USL"),
        (["chart", str(DATA / "lots.csv"), "--type", "imr", "--value", "process"],
         "not a number"),
    ],
)  # fmt: skip
def test_spc_bad_input(args: list[str], needle: str) -> None:
    res = runner.invoke(spc_cli.app, args)
    assert res.exit_code == 2, res.output
    assert needle in res.stderr


# --- comparability -----------------------------------------------------------------------


def test_comparability_command(tmp_path: Path) -> None:
    png = tmp_path / "ci.png"
    out = _json(
        runner.invoke(
            comparability_cli.app,
            [
                str(DATA / "lots.csv"),
                "--group",
                "process",
                "--attribute",
                "purity_pct",
                "--attribute",
                "potency_pct",
                "--margin",
                "purity_pct=0.5",
                "--json",
                "--plot",
                str(png),
            ],
        )
    )
    assert out["pre"] == "pre" and out["post"] == "post"
    by = {a["attribute"]: a for a in out["attributes"]}
    assert by["purity_pct"]["tost"]["margin_basis"] == "given"
    assert by["potency_pct"]["verdict"] == "comparability not shown"
    assert png.exists()
    table = runner.invoke(comparability_cli.app, [str(DATA / "lots.csv"), "--group", "process"])
    assert table.exit_code == 0
    assert "main_peak_pct" in table.stdout and "overall" in table.stdout


def test_comparability_registered_as_a_plain_command() -> None:
    import typer

    top = typer.Typer()
    top.command("comparability")(comparability_cli.compare_command)
    top.command("noop")(lambda: None)
    res = runner.invoke(top, ["comparability", str(DATA / "lots.csv"), "--group", "process",
                              "--attribute", "purity_pct", "--json"])  # fmt: skip
    assert _json(res)["attributes"][0]["attribute"] == "purity_pct"
    nested = typer.Typer()
    nested.add_typer(comparability_cli.app, name="comparability")
    nested.command("noop")(lambda: None)
    res = runner.invoke(nested, ["comparability", str(DATA / "lots.csv"), "--group", "process",
                                 "--attribute", "purity_pct", "--json"])  # fmt: skip
    assert _json(res)["attributes"][0]["attribute"] == "purity_pct"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([str(DATA / "lots.csv"), "--group", "nope"], "'nope' not found"),
        ([str(DATA / "lots.csv"), "--group", "lot"], "16 groups"),
        ([str(DATA / "lots.csv"), "--group", "process", "--margin", "x=abc"], "--margin must"),
        ([str(DATA / "lots.csv"), "--group", "process", "--method", "anova"], "method must be"),
    ],
)
def test_comparability_bad_input(args: list[str], needle: str) -> None:
    res = runner.invoke(comparability_cli.app, args)
    assert res.exit_code == 2, res.output
    assert needle in res.stderr
