"""The `design molecule` command-line sub-app, driven through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from opencmc.cli.smallmol import app

DATA = Path(__file__).parent / "data" / "smallmol"
runner = CliRunner()


def test_profile_json_prints_a_list_of_profiles_and_errors_on_stderr() -> None:
    res = runner.invoke(app, ["profile", str(DATA / "known.smi"), "--json"])
    assert res.exit_code == 0, res.output
    profiles = json.loads(res.stdout)
    assert [p["name"] for p in profiles][:3] == ["aspirin", "caffeine", "imatinib"]
    for p in profiles:
        assert {"descriptors", "qed", "sa_score", "esol_log_s", "alerts"} <= set(p)
    ndma = next(p for p in profiles if p["name"] == "NDMA")
    assert any(a["family"] == "ICH M7" and a["atoms"] == [1, 3, 4] for a in ndma["alerts"])
    sertraline = next(p for p in profiles if p["name"] == "sertraline hydrochloride")
    assert sertraline["standardisation"]["removed"][0]["smiles"] == "Cl"
    assert "known.smi:8:" in res.stderr and "SMILES Parse Error" in res.stderr
    assert "known.smi:9:" in res.stderr and "valence" in res.stderr


def test_profile_table() -> None:
    res = runner.invoke(app, ["profile", str(DATA / "known.csv")])
    assert res.exit_code == 0, res.output
    assert "A-1" in res.stdout and "Lipinski" in res.stdout and "ESOL" in res.stdout
    assert "hydrochloride" in res.stdout


def test_alerts_json_filtered_by_family() -> None:
    res = runner.invoke(app, ["alerts", str(DATA / "known.smi"), "--family", "PAINS A", "--json"])
    assert res.exit_code == 0, res.output
    items = {i["name"]: i["alerts"] for i in json.loads(res.stdout)}
    rhodanine = items["5-benzylidene-rhodanine (PAINS ene_rhod_A)"]
    assert [a["name"] for a in rhodanine] == ["ene_rhod_A(235)"]
    assert items["aspirin"] == []


def test_alerts_rejects_an_unknown_family() -> None:
    res = runner.invoke(app, ["alerts", str(DATA / "known.smi"), "--family", "Toxic"])
    assert res.exit_code == 2 and "unknown alert family" in res.stderr


def test_rank_json_and_table() -> None:
    res = runner.invoke(app, ["rank", str(DATA / "known.smi"), "--json"])
    assert res.exit_code == 0, res.output
    ranked = json.loads(res.stdout)
    assert ranked[0]["name"] == "aspirin" and ranked[-1]["name"] == "NDMA"
    res = runner.invoke(app, ["rank", str(DATA / "known.smi"), "--top", "2"])
    assert res.exit_code == 0 and "aspirin" in res.stdout and "NDMA" not in res.stdout


def test_screen_writes_every_row(tmp_path: Path) -> None:
    out = tmp_path / "screen.csv"
    res = runner.invoke(
        app, ["screen", str(DATA / "known.smi"), "--out", str(out), "--workers", "1", "--quiet"]
    )
    assert res.exit_code == 0, res.output
    assert "8 records (6 profiled, 2 unreadable)" in res.stdout
    assert len(out.read_text().splitlines()) == 9


def test_draw_writes_svg(tmp_path: Path) -> None:
    out = tmp_path / "ndma.svg"
    res = runner.invoke(app, ["draw", "CN(C)N=O", "--out", str(out), "--name", "NDMA"])
    assert res.exit_code == 0, res.output
    assert "<svg" in out.read_text()


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    res = runner.invoke(app, ["profile", str(tmp_path / "missing.smi")])
    assert res.exit_code == 2 and "file not found" in res.stderr
    empty = tmp_path / "bad.smi"
    empty.write_text("C1CC(\n")
    res = runner.invoke(app, ["profile", str(empty), "--json"])
    assert res.exit_code == 2 and "no readable molecule" in res.stderr
    res = runner.invoke(app, ["draw", "C1CC(", "--out", str(tmp_path / "x.svg")])
    assert res.exit_code == 2 and "SMILES Parse Error" in res.stderr


def test_screen_on_two_workers_with_progress_bar(tmp_path: Path) -> None:
    out = tmp_path / "screen.jsonl"
    res = runner.invoke(
        app, ["screen", str(DATA / "known.smi"), "--out", str(out), "--workers", "2"]
    )
    assert res.exit_code == 0, res.output
    assert "on 2 worker(s)" in res.stdout
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in rows] == [2, 3, 4, 5, 6, 7, 8, 9]


def test_mounted_as_design_molecule_and_design_vector() -> None:
    import typer

    from opencmc.cli import vector

    root = typer.Typer()
    design = typer.Typer()
    design.add_typer(app, name="molecule")
    design.add_typer(vector.app, name="vector")
    root.add_typer(design, name="design")
    res = runner.invoke(root, ["design", "molecule", "profile", str(DATA / "known.smi"), "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)) == 6
    vector_file = Path(__file__).parent / "data" / "vector" / "ssaav_4500.gb"
    res = runner.invoke(root, ["design", "vector", "check", str(vector_file), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)[0]["kind"] == "aav"
