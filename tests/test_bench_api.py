"""The API throughput benchmark runs end to end on a tiny load (no timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CI, PG_ADMIN, _pg_reachable

BENCH = Path(__file__).resolve().parents[1] / "bench" / "api_throughput.py"


@pytest.mark.postgres
@pytest.mark.slow
def test_api_throughput_bench_runs() -> None:
    problem = _pg_reachable()
    if problem:
        if CI:
            pytest.fail(f"PostgreSQL unreachable: {problem}", pytrace=False)
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    result = subprocess.run(
        [sys.executable, str(BENCH), "--postgres", PG_ADMIN, "--clients", "4",
         "--duration", "0.5", "--programs", "60"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ratio (OpenCMC / bare)" in result.stdout
    assert "bare Starlette" in result.stdout
    assert "read cache off" in result.stdout
