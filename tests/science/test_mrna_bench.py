"""The mRNA design benchmark runs end to end on the first residues of the spike (no timing
is asserted; the full run is ``python bench/mrna_design.py``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPIKE = ROOT.parent / "shared" / "reference-cases" / "mrna" / "spike_2p_protein.fasta"


def test_benchmark_runs_against_dna_chisel() -> None:
    pytest.importorskip("dnachisel", reason="the benchmark's peer, DNA Chisel, is not installed")
    if not SPIKE.exists():
        pytest.skip("shared reference case not present")
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "mrna_design.py"),
            "--max-aa",
            "60",
            "--weights",
            "3",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "DNA Chisel use_best_codon" in out.stdout
    assert "ratio MFE OpenCMC chosen / DNA Chisel" in out.stdout
    assert "ratio time OpenCMC / DNA Chisel" in out.stdout
