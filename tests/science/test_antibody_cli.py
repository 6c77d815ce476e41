"""`opencmc design antibody` sub-app: profile, redesign and screen on files."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencmc.cli.antibody import app

pytestmark = pytest.mark.usefixtures("hmmscan")
DATA = Path(__file__).parent / "data" / "antibody"
runner = CliRunner()


def test_profile_json_lists_one_dict_per_record() -> None:
    result = runner.invoke(app, ["profile", str(DATA / "leads.fasta"), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert [p["name"] for p in payload] == ["trastuzumab", "adalimumab", "pembrolizumab"]
    tras = payload[0]
    assert tras["cdrs"]["heavy"]["imgt"]["CDR2"] == "IYPTNGYT"
    assert {"motif", "chain", "position", "region", "risk"} <= set(tras["liabilities"][0])
    assert set(tras["flags"].values()) <= {"green", "amber", "red"}


def test_profile_table_and_redesign() -> None:
    result = runner.invoke(app, ["profile", str(DATA / "leads.fasta")])
    assert result.exit_code == 0 and "trastuzumab" in result.output
    result = runner.invoke(app, ["redesign", str(DATA / "leads.fasta"), "--json"])
    rows = json.loads(result.output)
    assert any(r["mutation"] == "heavy N55Q" and r["changes_cdr"] for r in rows)


def test_bad_residue_is_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.fasta"
    bad.write_text(">x|heavy\n" + "EVQLVESGGG" * 8 + "J\n")
    result = runner.invoke(app, ["profile", str(bad)])
    assert result.exit_code == 2
    assert "record 'x' heavy chain position 81: 'J'" in result.output


def test_screen_writes_filtered_csv(tmp_path: Path) -> None:
    fasta = (DATA / "leads.fasta").read_text().split()
    seqs = dict(zip(fasta[::2], fasta[1::2], strict=True))
    lib = pd.DataFrame(
        {
            "name": ["t", "a"],
            "heavy": [seqs[">trastuzumab|heavy"], seqs[">adalimumab|heavy"]],
            "light": [seqs[">trastuzumab|light"], seqs[">adalimumab|light"]],
        }
    )
    lib.to_csv(tmp_path / "lib.csv", index=False)
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app,
        [
            "screen",
            str(tmp_path / "lib.csv"),
            "--out",
            str(out),
            "--keep",
            "motif_high=:0",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kept"] == 1
    assert pd.read_csv(out)["name"].tolist() == ["a"]


@pytest.mark.parametrize(
    "module",
    [
        "antibody",
        "antibody_input",
        "antibody_liabilities",
        "antibody_metrics",
        "antibody_numbering",
        "antibody_screen",
        "protein_properties",
    ],
)
def test_docstring_examples(module: str) -> None:
    mod = importlib.import_module(f"opencmc.science.design.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
