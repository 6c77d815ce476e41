"""Design evaluation (power, correlations, FDS), desirability and design space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from opencmc.science.stats import doe

DATA = Path(__file__).resolve().parent / "data" / "doe"


def test_power_matches_the_noncentral_t() -> None:
    d = doe.full_factorial(list("ABC"), replicates=2, randomize=False)
    pw = doe.power(d, "interaction", effect_size=2.0, sigma=1.0)
    df = 16 - 7
    ncp = 1.0 / (1.0 / np.sqrt(16))  # coefficient 1, its SE sigma / sqrt(n)
    q = sps.t.ppf(0.975, df)
    assert pw["A"] == pytest.approx(sps.nct.sf(q, df, ncp) + sps.nct.cdf(-q, df, ncp))
    assert len(set(np.round(list(pw.values()), 12))) == 1  # orthogonal: all the same
    bigger = doe.power(d, "interaction", effect_size=3.0, sigma=1.0)
    assert bigger["A"] > pw["A"]
    with pytest.raises(
        doe.StatsInputError if hasattr(doe, "StatsInputError") else ValueError,
        match="no degrees of freedom",
    ):
        doe.power(doe.full_factorial(list("ABC")), "full")


def test_correlation_map_shows_aliasing() -> None:
    res3 = doe.evaluate(doe.fractional_factorial(list("ABCDEFG"), resolution=3, randomize=False))
    terms = list(res3.correlation_terms)
    assert res3.correlation[terms.index("A"), terms.index("B:D")] == pytest.approx(1.0)
    dsd = doe.evaluate(doe.definitive_screening(list("ABCDEF"), randomize=False))
    t = list(dsd.correlation_terms)
    mains = [t.index(n) for n in "ABCDEF"]
    twos = [i for i, n in enumerate(t) if ":" in n]
    assert np.allclose(dsd.correlation[np.ix_(mains, twos)], 0)
    assert res3.alias_matrix.shape[0] == 8  # intercept and seven main effects


def test_fds_of_a_two_level_factorial() -> None:
    # main-effects model of a 2^3: scaled prediction variance 1 + x1^2 + x2^2 + x3^2
    e = doe.evaluate(doe.full_factorial(list("ABC"), randomize=False), "linear", fds_points=20000)
    assert e.fds_variance.max() <= 4.0 + 1e-9
    assert e.fds_variance.min() >= 1.0
    assert e.fds_quantile(0.5) == pytest.approx(2.0, abs=0.05)  # median of 1 + sum U^2
    assert e.efficiencies["D_efficiency"] == pytest.approx(100.0)


def test_desirability_functions() -> None:
    g = doe.Goal("y", "maximize", lower=10, target=20)
    assert g.desirability(np.array([5, 15, 25])).tolist() == [0.0, 0.5, 1.0]
    m = doe.Goal("imp", "minimize", target=0.1, upper=0.5, shape=2)
    assert m.desirability(np.array([0.3]))[0] == pytest.approx(0.25)
    t = doe.Goal("v", "target", lower=62, target=65, upper=68)
    assert t.desirability(np.array([62, 63.5, 65, 67, 70])).tolist() == pytest.approx(
        [0, 0.5, 1, 1 / 3, 0]
    )
    assert doe.overall_desirability([np.array([0.25]), np.array([1.0])], [1, 1])[
        0
    ] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="lower < target < upper"):
        doe.Goal("v", "target", lower=65, target=62, upper=68)


def test_optimize_two_responses_of_montgomery_ccd() -> None:
    runs = pd.read_csv(DATA / "montgomery_ccd_chemical_process.csv")
    fits = [doe.analyze(runs, r, factors=["time", "temperature"]) for r in ("yield", "viscosity")]
    goals = [
        doe.Goal("yield", "maximize", lower=78.5, target=80),
        doe.Goal("viscosity", "target", lower=62, target=65, upper=68),
    ]
    best = doe.optimize(fits, goals)
    assert best.overall > 0.9
    assert best.predicted["yield"] >= 79.5 and 63 <= best.predicted["viscosity"] <= 67
    assert 80 - 1.414 * 5 <= best.settings["time"] <= 90 + 1.414 * 5
    held = doe.optimize(fits, goals, hold={"temperature": 170})
    assert held.settings["temperature"] == pytest.approx(170)
    assert held.overall <= best.overall + 1e-9


def test_design_space_probability_map_and_pars(tmp_path: Path) -> None:
    runs = pd.read_csv(DATA / "montgomery_ccd_chemical_process.csv")
    fits = [doe.analyze(runs, r, factors=["time", "temperature"]) for r in ("yield", "viscosity")]
    specs = [doe.Specification("yield", lower=78.0), doe.Specification("viscosity", 60, 75)]
    ds = doe.design_space(fits, specs, "time", "temperature", probability=0.5, grid=21, draws=1000)
    assert ds.probability.shape == (21, 21)
    assert ds.probability.min() >= 0 and ds.probability.max() <= 1
    assert ds.set_point_probability >= 0.5
    low, high = ds.proven_acceptable_ranges["time"]
    assert low <= ds.set_point["time"] <= high
    strict = doe.design_space(
        fits,
        [doe.Specification("yield", lower=79.5), specs[1]],
        "time",
        "temperature",
        probability=0.5,
        grid=21,
        draws=1000,
    )
    assert strict.fraction_in_design_space < ds.fraction_in_design_space
    ds.plot(tmp_path / "ds.png")
    assert (tmp_path / "ds.png").stat().st_size > 1000
    assert ds.to_dict()["proven_acceptable_ranges"]["time"] == [low, high]


def test_design_space_needs_error_degrees_of_freedom() -> None:
    runs = doe.full_factorial(list("AB"), randomize=False).actual()
    runs["y"] = [1.0, 2.0, 3.0, 5.0]
    fit = doe.analyze(runs, "y")
    with pytest.raises(ValueError, match="no error degrees of freedom"):
        doe.design_space([fit], [doe.Specification("y", lower=2)], "A", "B")
