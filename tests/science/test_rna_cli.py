"""The RNA design commands, run through the sub-app with Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from opencmc.cli.rna import app, mrna_app
from opencmc.science.design.sequences import read_fasta, translate

DATA = Path(__file__).parent / "data" / "rna"
PEPTIDE = DATA / "peptide.fasta"
runner = CliRunner()
FAST = ["--weights", "3", "--cai-weight", "3", "--workers", "1", "--sweeps", "2"]
FAST += ["--half-window", "20"]


def _ok(args: list[str], application=app) -> str:
    result = runner.invoke(application, args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.output


def test_mrna_optimise_writes_fasta_and_json(tmp_path: Path) -> None:
    out = tmp_path / "design.fasta"
    front = tmp_path / "front.fasta"
    text = _ok(
        ["mrna", "optimise", str(PEPTIDE), "--out", str(out), "--front-out", str(front), *FAST]
    )
    assert "CAI only" in text and "weight 3" in text
    protein = read_fasta(PEPTIDE.read_text())[0].sequence
    design = read_fasta(out.read_text())[0]
    assert translate(design.sequence) == protein + "*"
    assert "CAI=" in design.name and set(design.sequence) <= set("ACGU")
    assert len(read_fasta(front.read_text())) == 2
    data = json.loads(_ok(["mrna", "optimise", str(PEPTIDE), "--json", "--host", "cho", *FAST]))
    assert data["host"] == "cho" and data["chosen"]["cai_weight"] == 3.0
    assert data["front"][0]["cai_weight"] is None


def test_optimise_options(tmp_path: Path) -> None:
    out = tmp_path / "d.fasta"
    _ok(
        [
            "mrna-optimize",
            str(PEPTIDE),
            "--dna",
            "--utr5",
            "GGGAAAUAAGAGAGAAAAGAAGAGUAAGAAGAAAUAUAAGAGCCACC",
            "--utr3",
            "GCUGGAGCC",
            "--poly-a",
            "30",
            "--uridine-depletion",
            "--avoid",
            "AUUUA",
            "--avoid-site",
            "BsaI",
            "--max-homopolymer",
            "4",
            "--out",
            str(out),
            *FAST,
        ]
    )
    seq = read_fasta(out.read_text())[0].sequence
    assert seq.startswith("GGGAAATAAG") and seq.endswith("GCTGGAGCC" + "A" * 30)
    assert "ATTTA" not in seq[47:-39] and "GGTCTC" not in seq and "GAGACC" not in seq


def test_mrna_profile(tmp_path: Path) -> None:
    mrna_file = tmp_path / "m.fasta"
    mrna_file.write_text(
        ">m\nGGGAAAUAAGAGAGAAAAGAAGAGUAAGAAGAAAUAUAAGAGCCACCAUGGCCAAGCUGACC"
        "UGAGCUGGAGCCAAUAAAGG" + "A" * 40 + "\n"
    )
    text = _ok(["mrna", "profile", str(mrna_file), "--site", "BsaI"])
    assert "CAI" in text and "MFE" in text and "poly(A) 40" in text
    data = json.loads(_ok(["mrna-metrics", str(mrna_file), "--json", "--no-fold"]))
    assert data["cds"] == "AUGGCCAAGCUGACCUGA" and data["mfe"] is None
    assert data["polya_signals"][0]["sequence"] == "AAUAAA"
    cds_only = json.loads(
        _ok(["mrna", "profile", str(mrna_file), "--cds", "48:65", "--json", "--no-fold"])
    )
    assert cds_only["cds_start"] == 48


def test_sirna_and_aso(tmp_path: Path) -> None:
    target = tmp_path / "t.fasta"
    target.write_text(
        ">t\nAUGGCUUCUAAAGGAGAAGAACUUUUCACUGGAGUUGUCCCAAUUCUUGUUGAAUUAGAUGGUGAUGUUAAU\n"
    )
    text = _ok(
        ["sirna", str(target), "--transcripts", str(DATA / "transcripts.fasta"), "--top", "5"]
    )
    assert "2 transcripts searched" in text
    data = json.loads(_ok(["sirna", str(target), "--json", "--top", "3", "--length", "21"]))
    assert len(data["candidates"]) == 3 and data["candidates"][0]["length"] == 21
    text = _ok(["aso", str(target), "--lengths", "16,18", "--top", "4"])
    assert "gapmers" in text
    data = json.loads(_ok(["aso", str(target), "--json", "--region", "10:60", "--wings", "4-4"]))
    assert {c["design"].split("-")[0] for c in data["candidates"]} == {"4"}


def test_mrna_sub_app_mounts_alone() -> None:
    """The lead mounts ``mrna_app`` as ``opencmc design mrna``."""
    text = _ok(["optimise", str(PEPTIDE), *FAST], application=mrna_app)
    assert "CAI only" in text
    assert "profile" in _ok(["--help"], application=mrna_app)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["mrna", "optimise", "missing.fasta"], "missing.fasta: file not found"),
        (["mrna", "profile", "BAD"], "file not found"),
        (["sirna", "TARGET", "--length", "25"], "file not found"),
    ],
)
def test_missing_files(args: list[str], message: str) -> None:
    assert message in _error(args)


def test_bad_content_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.fasta"
    bad.write_text(">x\nMKVB\n")
    out = _error(["mrna", "optimise", str(bad)])
    assert "letter 'B' at position 4" in out and out.count("\n") == 1
    cds = tmp_path / "cds.fasta"
    cds.write_text(">x\nATGTAAGCCTGA\n")
    assert "stop codon TAA at codon 2" in _error(["mrna", "profile", str(cds), "--utr5", "GG"])
    assert "START:END" in _error(["mrna", "profile", str(cds), "--cds", "x"])
    assert "19-21 nt" in _error(["sirna", str(cds), "--length", "25"])
    assert "--weights" in _error(["mrna", "optimise", str(PEPTIDE), "--weights", "a,b"])
    assert "wings" in _error(["aso", str(cds), "--wings", "x"])
