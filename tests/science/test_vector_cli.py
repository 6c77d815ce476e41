"""The `design vector` command-line sub-app, driven through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from opencmc.cli.vector import app

DATA = Path(__file__).parent / "data" / "vector"
runner = CliRunner()


def test_check_json_aav_over_limit() -> None:
    res = runner.invoke(app, ["check", str(DATA / "ssaav_5200.gb"), "--json"])
    assert res.exit_code == 0, res.output
    [report] = json.loads(res.stdout)
    assert report["kind"] == "aav" and report["genome"] == "ss"
    packaging = [f for f in report["findings"] if f["check"] == "aav.packaging"]
    assert packaging[0]["level"] == "high" and packaging[0]["value"] == 5200


def test_check_table_lists_the_engineered_repeat() -> None:
    res = runner.invoke(app, ["check", str(DATA / "plasmid_repeat100.fasta")])
    assert res.exit_code == 0, res.output
    assert "repeat.direct" in res.stdout and "1001-4100" in res.stdout


def test_check_options_and_errors(tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        [
            "check",
            str(DATA / "scaav_2200.gb"),
            "--genome",
            "ss",
            "--enzyme",
            "EcoRI",
            "--all",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    [report] = json.loads(res.stdout)
    assert report["genome"] == "ss"
    assert all(
        f["details"].get("enzyme") in (None, "EcoRI")
        for f in report["findings"]
        if f["check"] == "restriction_site"
    )
    res = runner.invoke(app, ["check", str(tmp_path / "none.gb")])
    assert res.exit_code == 2 and "file not found" in res.stderr
    res = runner.invoke(app, ["check", str(DATA / "ssaav_4500.gb"), "--kind", "virus"])
    assert res.exit_code == 2 and "--kind" in res.stderr
    bad = tmp_path / "bad.fasta"
    bad.write_text(">x\nACGTJJ\n")
    res = runner.invoke(app, ["check", str(bad)])
    assert res.exit_code == 2 and "position 5" in res.stderr
