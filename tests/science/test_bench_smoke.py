"""The stability benchmark runs end to end on a tiny input (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_runs_and_agrees() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stability_batch.py"), "--n", "40", "--loop-n", "40"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "ratio" in out.stdout and "max |difference|" in out.stdout
