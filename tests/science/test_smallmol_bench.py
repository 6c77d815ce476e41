"""The molecule-screen benchmark runs end to end on a tiny input (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_molecule_screen_benchmark_runs_and_agrees() -> None:
    out = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "molecule_screen.py"),
            "--n",
            "60",
            "--loop-n",
            "30",
            "--workers",
            "2",
            "--chunk-size",
            "10",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    assert "ratio" in out.stdout and "peak memory" in out.stdout
    assert "rows identical on the 30 molecules both profiled: True" in out.stdout
