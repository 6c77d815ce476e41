"""Coordinate-exchange optimal designs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from opencmc.science.stats import doe
from opencmc.science.stats.doe.optimal import moment_matrix

ROOT = Path(__file__).resolve().parents[2]


def test_finds_the_orthogonal_design_for_5_factors_with_interactions_in_16_runs() -> None:
    d = doe.optimal_design(list("ABCDE"), "interaction", 16, seed=11, randomize=False)
    x = d.model_matrix()
    assert x.shape == (16, 16)
    assert d.info["D_efficiency"] == pytest.approx(100.0, abs=1e-9)
    assert np.allclose(x.T @ x, 16 * np.eye(16))  # as orthogonal as the 2^(5-1)_V fraction


def test_main_effects_in_8_runs_and_a_saturated_interaction_model() -> None:
    d = doe.optimal_design(list("ABCDEFG"), "linear", 8, seed=2, randomize=False)
    assert d.info["D_efficiency"] == pytest.approx(100.0)
    d3 = doe.optimal_design(list("ABC"), "full", 8, seed=2, randomize=False)
    assert d3.info["D_efficiency"] == pytest.approx(100.0)


def test_constrained_region_is_respected_and_boundary_used() -> None:
    factors = [
        doe.Factor("T", 30, 40, "°C"),
        doe.Factor("t", 1, 5, "h"),
        doe.Factor("pH", 6.5, 7.5),
    ]
    d = doe.optimal_design(factors, "quadratic", 16, constraints=["T + 2.5*t <= 45"], seed=3)
    sheet = d.run_sheet()
    assert np.all(sheet["T"] + 2.5 * sheet["t"] <= 45 + 1e-9)
    assert np.any(np.isclose(sheet["T"] + 2.5 * sheet["t"], 45))  # runs sit on the boundary
    assert d.info["D_efficiency"] > 30


def test_categorical_and_disallowed_combination() -> None:
    factors = [
        doe.Factor("T", 20, 40, "°C"),
        doe.Factor("Resin", kind="categorical", levels=("X", "Y", "Z")),
        doe.Factor("Load", kind="discrete", levels=(10, 20, 30)),
    ]
    d = doe.optimal_design(
        factors,
        ["T", "Resin", "Load", "T:Load", "T^2"],
        14,
        seed=5,
        disallowed=[{"Resin": "Z", "Load": 30}],
    )
    sheet = d.run_sheet()
    assert not ((sheet["Resin"] == "Z") & (sheet["Load"] == 30)).any()
    assert set(sheet["Resin"]) == {"X", "Y", "Z"}
    assert set(sheet["Load"]) <= {10.0, 20.0, 30.0}


def test_i_and_d_optimal_quadratic_in_one_factor_match_theory() -> None:
    # Quadratic regression on [-1, 1]: the D-optimal design puts 1/3 of the runs at each
    # of -1, 0, 1; the I-optimal one 1/4, 1/2, 1/4.
    d = doe.optimal_design(["x"], "quadratic", 12, criterion="D", seed=1, randomize=False)
    i = doe.optimal_design(["x"], "quadratic", 12, criterion="I", seed=1, randomize=False)
    count = lambda des: [int(np.sum(np.isclose(des.coded[:, 0], v))) for v in (-1, 0, 1)]  # noqa: E731
    assert count(d) == [4, 4, 4]
    assert count(i) == [3, 6, 3]
    assert i.info["average_prediction_variance"] < d.info["average_prediction_variance"]
    region = doe.Region(("x",))
    w = moment_matrix(region, doe.Model.build(region.factors, "quadratic"))
    assert np.allclose(w, [[1, 0, 1 / 3], [0, 1 / 3, 0], [1 / 3, 0, 1 / 5]])


def test_too_few_runs_for_the_model() -> None:
    with pytest.raises(doe.DesignError, match="at least 10 runs"):
        doe.optimal_design(list("ABC"), "quadratic", 8)


def test_benchmark_runs_on_a_tiny_budget() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "doe_optimal.py"), "--starts", "2"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "ratio" in out.stdout and "D-efficiency" in out.stdout
