"""The antibody screen benchmark runs end to end on a tiny input (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.usefixtures("hmmscan")
def test_benchmark_runs_and_agrees() -> None:
    cmd = [
        sys.executable,
        str(ROOT / "bench" / "antibody_screen.py"),
        "--n",
        "300",
        "--loop-n",
        "100",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=300).stdout
    assert "ratio" in out and "high-risk motif counts equal: True" in out
    diff = float(out.split("max |difference|")[1].split(":")[1].split(";")[0])
    assert diff <= 1e-9
