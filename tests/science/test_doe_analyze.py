"""Analyses of published experiments: Box, Hunter and Hunter and Montgomery's textbook examples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opencmc.science.stats import doe

SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference-cases" / "doe"
DATA = Path(__file__).resolve().parent / "data" / "doe"


def _reference() -> tuple[pd.DataFrame, dict]:
    if not (SHARED / "doe_2k3_pilot_plant_bhh.json").exists():
        pytest.skip(f"reference cases not found at {SHARED} (a clone outside the workspace)")
    case = json.loads((SHARED / "doe_2k3_pilot_plant_bhh.json").read_text())
    return pd.read_csv(SHARED / case["data_file"]), case


def test_bhh_pilot_plant_effects_reproduce_the_reference_case() -> None:
    runs, case = _reference()
    result = doe.analyze(runs, response="yield")
    tol = case["tolerance"]["abs"]
    # The reference names terms by letter; match them by role (T, C, K are the columns'
    # first letters), not by spelling.
    by_letter = {c[0]: c for c in runs.columns if c != "yield"}
    for term, expected in case["known_answers"]["effects"].items():
        name = ":".join(by_letter[ch] for ch in term)
        assert result.effects[name] == pytest.approx(expected, abs=tol), term
        assert result.coefficients[name] == pytest.approx(expected / 2, abs=tol)
    assert result.grand_mean == pytest.approx(case["known_answers"]["grand_mean"], abs=tol)
    assert result.coefficients["intercept"] == pytest.approx(64.25, abs=tol)
    # unreplicated: Lenth's method flags T and the T x K interaction (BHH's conclusion)
    assert set(result.lenth.active) == {"T_temperature", "T_temperature:K_catalyst"}
    assert result.to_dict()["effects"] == pytest.approx(result.effects)


def test_pilot_plant_in_actual_units_with_declared_factors() -> None:
    runs, _ = _reference()
    actual = pd.DataFrame(
        {
            "T": np.where(runs["T_temperature"] > 0, 180, 160),
            "C": np.where(runs["C_concentration"] > 0, 40, 20),
            "K": np.where(runs["K_catalyst"] > 0, "B", "A"),
            "yield": runs["yield"],
        }
    )
    factors = [
        doe.Factor("T", 160, 180, "°C"),
        doe.Factor("C", 20, 40, "%"),
        doe.Factor("K", kind="categorical", levels=("A", "B")),
    ]
    r = doe.analyze(actual, "yield", factors=factors)
    assert r.effects["T"] == pytest.approx(23.0)
    assert r.effects["C"] == pytest.approx(-5.0)
    assert r.effects["T:K"] == pytest.approx(10.0)
    # by name: K holds text, so it is categorical with its levels sorted (A low, B high)
    inferred = doe.analyze(actual, "yield", factors=["T", "C", "K"])
    assert inferred.effects == pytest.approx(r.effects, abs=1e-9)
    # by default only the numeric columns are factors
    assert doe.analyze(actual, "yield").terms == ("T", "C", "T:C")


# Montgomery, Design and Analysis of Experiments, Example 6.2: filtration rate of a
# chemical, 2^4 unreplicated (A temperature, B pressure, C concentration, D stirring rate).
FILTRATION = [45, 71, 48, 65, 68, 60, 80, 65, 43, 100, 45, 104, 75, 86, 70, 96]
FILTRATION_EFFECTS = {
    "A": 21.625,
    "B": 3.125,
    "C": 9.875,
    "D": 14.625,
    "A:B": 0.125,
    "A:C": -18.125,
    "A:D": 16.625,
    "B:C": 2.375,
    "B:D": -0.375,
    "C:D": -1.125,
    "A:B:C": 1.875,
    "A:B:D": 4.125,
    "A:C:D": -1.625,
    "B:C:D": -2.625,
    "A:B:C:D": 1.375,
}


def _filtration() -> pd.DataFrame:
    runs = doe.full_factorial(list("ABCD"), randomize=False).actual()
    runs["rate"] = FILTRATION
    return runs


def test_montgomery_filtration_2_4_effects_lenth_and_reduced_anova() -> None:
    r = doe.analyze(_filtration(), "rate")
    assert r.effects == pytest.approx(FILTRATION_EFFECTS)
    assert r.df_resid == 0 and r.p_values == {}
    # Lenth (1989) on these effects: PSE = 1.5 x median of the small ones = 2.625
    assert r.lenth.pse == pytest.approx(2.625)
    assert set(r.lenth.active) == {"A", "C", "D", "A:C", "A:D"}
    reduced = doe.analyze(_filtration(), "rate", reduce=True)
    assert reduced.terms == ("A", "C", "D", "A:C", "A:D")
    ss = {row["source"]: row["ss"] for row in reduced.anova}
    # Montgomery Table 6.13 (ANOVA of the reduced model)
    assert ss["A"] == pytest.approx(1870.5625)
    assert ss["C"] == pytest.approx(390.0625)
    assert ss["D"] == pytest.approx(855.5625)
    assert ss["A:C"] == pytest.approx(1314.0625)
    assert ss["A:D"] == pytest.approx(1105.5625)
    assert ss["Residual"] == pytest.approx(195.125)
    assert ss["Total"] == pytest.approx(5730.9375)
    assert reduced.r_squared == pytest.approx(0.9660, abs=5e-5)
    assert reduced.adj_r_squared == pytest.approx(0.9489, abs=5e-5)


def test_montgomery_filtration_half_fraction_with_aliases() -> None:
    # Montgomery Example 8.1: the 2^(4-1)_IV half (D = ABC) of the same experiment.
    d = doe.fractional_factorial(list("ABCD"), resolution=4, randomize=False)
    runs = d.actual()
    full = _filtration()
    key = full[list("ABCD")].astype(int).astype(str).agg(",".join, axis=1)
    rate = dict(zip(key, full["rate"], strict=True))
    runs["rate"] = runs[list("ABCD")].astype(int).astype(str).agg(",".join, axis=1).map(rate)
    r = doe.analyze(runs, "rate")
    assert r.effects == pytest.approx(
        {"A": 19.0, "B": 1.5, "C": 14.0, "D": 16.5, "A:B": -1.0, "A:C": -18.5, "A:D": 19.0}
    )
    assert {k: r.aliases[k] for k in ("A", "D", "A:B", "A:C", "A:D")} == {
        "A": ["B:C:D"],
        "D": ["A:B:C"],
        "A:B": ["C:D"],
        "A:C": ["B:D"],
        "A:D": ["B:C"],
    }
    assert any("aliased" in n for n in r.notes)


def test_montgomery_plasma_etch_replicated_2_3_anova() -> None:
    # Montgomery Example 6.1: etch rate, 2^3 in two replicates (A gap, B gas flow, C power).
    etch = [550, 669, 633, 642, 1037, 749, 1075, 729, 604, 650, 601, 635, 1052, 868, 1063, 860]
    runs = doe.full_factorial(list("ABC"), replicates=2, randomize=False).actual()
    runs["etch"] = etch
    r = doe.analyze(runs, "etch")
    assert r.effects == pytest.approx(
        {
            "A": -101.625,
            "B": 7.375,
            "C": 306.125,
            "A:B": -24.875,
            "A:C": -153.625,
            "B:C": -2.125,
            "A:B:C": 5.625,
        }
    )
    ss = {row["source"]: row for row in r.anova}
    assert ss["A"]["ss"] == pytest.approx(41310.5625)
    assert ss["C"]["ss"] == pytest.approx(374850.0625)
    assert ss["A:C"]["ss"] == pytest.approx(94402.5625)
    assert ss["Residual"]["ss"] == pytest.approx(18020.50)
    assert ss["Residual"]["df"] == 8
    assert ss["A"]["F"] == pytest.approx(41310.5625 / (18020.5 / 8))
    assert r.p_values["B"] > 0.5 and r.p_values["C"] < 1e-5


def test_montgomery_curvature_test_with_centre_points() -> None:
    # Montgomery Example 6.7: 2^2 with five centre points (reaction time, temperature).
    runs = pd.DataFrame(
        {
            "time": [30, 40, 30, 40, 35, 35, 35, 35, 35],
            "temp": [150, 150, 160, 160, 155, 155, 155, 155, 155],
            "yield": [39.3, 40.9, 40.0, 41.5, 40.3, 40.5, 40.7, 40.2, 40.6],
        }
    )
    r = doe.analyze(runs, "yield")
    ss = {row["source"].strip(): row["ss"] for row in r.anova}
    assert ss["time"] == pytest.approx(2.4025)
    assert ss["temp"] == pytest.approx(0.4225)
    assert ss["time:temp"] == pytest.approx(0.0025)
    assert r.curvature["ss"] == pytest.approx(0.0027, abs=1e-4)
    assert ss["Pure error"] == pytest.approx(0.1720)
    assert r.curvature["F"] == pytest.approx(0.0027222 / 0.043, rel=1e-3)
    assert r.curvature["p_value"] > 0.5


def test_montgomery_ccd_response_surface() -> None:
    # Montgomery Example 11.2 and Table 11.6 (CCD with five centre points): yield,
    # viscosity and molecular weight of a chemical process.
    runs = pd.read_csv(DATA / "montgomery_ccd_chemical_process.csv")
    y = doe.analyze(runs, "yield", factors=["x1", "x2"])
    c = y.coefficients
    assert [round(c[k], 3) for k in ("intercept", "x1", "x2", "x1^2", "x2^2", "x1:x2")] == [
        79.94,
        0.995,
        0.515,
        -1.376,
        -1.001,
        0.25,
    ]
    sp = y.stationary_point()
    assert sp["coded"]["x1"] == pytest.approx(0.389, abs=5e-4)
    assert sp["coded"]["x2"] == pytest.approx(0.306, abs=5e-4)
    assert sp["predicted"] == pytest.approx(80.21, abs=5e-3)
    assert sp["nature"] == "maximum"
    assert y.lack_of_fit["df"] == 3 and y.lack_of_fit["pure_error_df"] == 4
    v = doe.analyze(runs, "viscosity", factors=["x1", "x2"]).coefficients
    assert [round(v[k], 2) for k in ("intercept", "x1", "x2", "x1^2", "x2^2", "x1:x2")] == [
        70.0,
        -0.16,
        -0.95,
        -0.69,
        -6.69,
        -1.25,
    ]
    mw = doe.analyze(runs, "molecular_weight", factors=["x1", "x2"], model="linear").coefficients
    assert [round(mw[k], 1) for k in ("intercept", "x1", "x2")] == [3386.2, 205.1, 177.4]
    # in actual units the cube levels (80/90 min, 170/180 °F) are found and coded -1/+1
    actual = doe.analyze(runs, "yield", factors=["time", "temperature"])
    assert actual.coding["time"]["low"] == 80 and actual.coding["time"]["high"] == 90
    assert actual.coefficients["time"] == pytest.approx(c["x1"], abs=2e-4)
    spa = actual.stationary_point()["actual"]
    assert spa["time"] == pytest.approx(86.95, abs=0.01)
    assert spa["temperature"] == pytest.approx(176.53, abs=0.01)


def test_prediction_intervals_and_diagnostics() -> None:
    runs = pd.read_csv(DATA / "montgomery_ccd_chemical_process.csv")
    r = doe.analyze(runs, "yield", factors=["x1", "x2"])
    p = r.predict({"x1": [0.0], "x2": [0.0]})
    assert p["predicted"][0] == pytest.approx(r.coefficients["intercept"])
    assert p["lower"][0] < p["predicted"][0] < p["upper"][0]
    wide = r.predict({"x1": [0.0], "x2": [0.0]}, interval="prediction")
    assert wide["upper"][0] > p["upper"][0]
    diag = r.residual_diagnostics()
    assert np.allclose(diag["fitted"] + diag["residuals"], r.y)
    assert 0 < r.pred_r_squared < r.r_squared
    assert 0 <= diag["shapiro_wilk"]["p_value"] <= 1


def test_hierarchical_reduction_keeps_parents() -> None:
    rng = np.random.default_rng(4)
    runs = doe.full_factorial(list("ABC"), replicates=2, randomize=False).actual()
    x = runs.to_numpy()
    runs["y"] = 50 + 0.2 * x[:, 0] + 4 * x[:, 0] * x[:, 1] + rng.normal(0, 0.5, len(x))
    r = doe.analyze(runs, "y", model="full", reduce=True, alpha=0.05)
    assert "A:B" in r.terms and "A" in r.terms and "B" in r.terms  # parents stay
    assert "C" not in r.terms


def test_plots_write_files(tmp_path: Path) -> None:
    runs = pd.read_csv(DATA / "montgomery_ccd_chemical_process.csv")
    r = doe.analyze(runs, "yield", factors=["time", "temperature"])
    r.contour_plot("time", "temperature", tmp_path / "c.png")
    r.contour_plot("time", "temperature", tmp_path / "s.svg", surface=True)
    r.residual_plot(tmp_path / "r.png")
    f = doe.analyze(_filtration(), "rate")
    f.half_normal_plot(tmp_path / "h.png")
    for name in ("c.png", "s.svg", "r.png", "h.png"):
        assert (tmp_path / name).stat().st_size > 1000
