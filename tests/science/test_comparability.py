"""Comparability (ICH Q5E): tolerance factors against tables, TOST, ranges, the summary."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, optimize
from scipy import stats as sps
from statsmodels.stats.weightstats import ttost_ind

from opencmc.science.stats import comparability
from opencmc.science.stats._quality import NotEstimableError
from opencmc.science.stats._validation import MissingColumnError, StatsInputError

DATA = Path(__file__).resolve().parent / "data" / "quality"
TABLES = json.loads((DATA / "tolerance_factors.json").read_text())
TWO = TABLES["two_sided_95_confidence"]


@pytest.mark.parametrize("n", sorted(TWO["k"], key=int))
def test_two_sided_exact_k_matches_the_published_table(n: str) -> None:
    for coverage, expected in zip(TWO["coverage"], TWO["k"][n], strict=True):
        k = comparability.tolerance_factor(int(n), coverage, 0.95, sides=2, method="exact")
        assert k == pytest.approx(expected, abs=TWO["tolerance_abs"]), (n, coverage)


@pytest.mark.parametrize("case", TABLES["one_sided_95_confidence"]["cases"],
                         ids=lambda c: f"n={c['n']},p={c['coverage']}")  # fmt: skip
def test_one_sided_k_matches_natrella(case: dict) -> None:
    k = comparability.tolerance_factor(case["n"], case["coverage"], 0.95, sides=1)
    assert k == pytest.approx(case["k"], abs=TABLES["one_sided_95_confidence"]["tolerance_abs"])


def test_howe_matches_the_nist_handbook_example() -> None:
    c = TABLES["howe_nist_example"]
    k = comparability.tolerance_factor(c["n"], c["coverage"], c["confidence"], method="howe")
    assert k == pytest.approx(c["k"], abs=c["tolerance_abs"])


def test_the_issue_example_n10_99_percent_coverage_95_percent_confidence() -> None:
    exact = comparability.tolerance_factor(10, 0.99, 0.95, sides=2, method="exact")
    howe = comparability.tolerance_factor(10, 0.99, 0.95, sides=2, method="howe")
    one = comparability.tolerance_factor(10, 0.99, 0.95, sides=1)
    assert round(exact, 2) == 4.44 and round(one, 3) == 3.981
    assert howe == pytest.approx(4.4446, abs=1e-4)
    assert abs(howe - exact) / exact < 0.005  # Howe is a close approximation


def _coverage_probability(k: float, n: int, p: float) -> float:
    """The exact confidence of x̄ ± k·s by adaptive quadrature and root finding."""
    nu = n - 1

    def r(x: float) -> float:
        return optimize.brentq(
            lambda t: sps.norm.cdf(x + t) - sps.norm.cdf(x - t) - p, 0, 50 + abs(x), xtol=1e-15
        )

    def f(z: float) -> float:
        return sps.chi2.sf(nu * r(z / math.sqrt(n)) ** 2 / (k * k), nu) * sps.norm.pdf(z)

    return 2 * integrate.quad(f, 0, 15, epsabs=1e-13, limit=400)[0]


@pytest.mark.parametrize(("n", "p", "g"), [(10, 0.99, 0.95), (3, 0.9, 0.9), (200, 0.95, 0.99)])
def test_exact_k_gives_the_stated_confidence(n: int, p: float, g: float) -> None:
    k = comparability.tolerance_factor(n, p, g)
    assert _coverage_probability(k, n, p) == pytest.approx(g, abs=1e-9)


def test_one_sided_k_by_simulation() -> None:
    rng = np.random.default_rng(1)
    n, p, g = 12, 0.95, 0.90
    k = comparability.tolerance_factor(n, p, g, sides=1)
    x = rng.normal(0, 1, (100_000, n))
    upper = x.mean(axis=1) + k * x.std(axis=1, ddof=1)
    covered = sps.norm.cdf(upper) >= p
    assert covered.mean() == pytest.approx(g, abs=0.005)


def test_tolerance_factor_bad_input() -> None:
    with pytest.raises(StatsInputError, match="two-sided"):
        comparability.tolerance_factor(10, 0.99, 0.95, sides=1, method="howe")
    with pytest.raises(StatsInputError, match="coverage"):
        comparability.tolerance_factor(10, 1.5, 0.95)
    with pytest.raises(StatsInputError, match="at least 2"):
        comparability.tolerance_factor(1, 0.9, 0.95)
    with pytest.raises(StatsInputError, match="sides"):
        comparability.tolerance_factor(10, 0.9, 0.95, sides=3)


PRE = [99.8, 100.4, 100.1, 99.6, 100.3, 100.0, 99.9, 100.2]
POST = [100.2, 99.9, 100.5, 100.1, 100.4, 99.8]


@pytest.mark.parametrize(("equal_var", "usevar"), [(False, "unequal"), (True, "pooled")])
def test_tost_matches_statsmodels(equal_var: bool, usevar: str) -> None:
    r = comparability.tost(PRE, POST, 0.4, equal_var=equal_var)
    p, lower, upper = ttost_ind(np.array(POST), np.array(PRE), -0.4, 0.4, usevar=usevar)
    assert r.p_value == pytest.approx(p, rel=1e-10)
    assert r.p_lower == pytest.approx(lower[1], rel=1e-10)
    assert r.p_upper == pytest.approx(upper[1], rel=1e-10)
    assert r.df == pytest.approx(lower[2], rel=1e-10)
    assert r.equivalent == (p < 0.05)
    # the CI picture: equivalence iff the 90 % CI is inside the margins
    assert r.equivalent == (r.ci_lower > -0.4 and r.ci_upper < 0.4)


def test_tost_margin_in_pre_change_sds() -> None:
    r = comparability.tost(PRE, POST, margin_sd=1.5)
    sd = float(np.std(PRE, ddof=1))
    assert (r.margin_lower, r.margin_upper) == pytest.approx((-1.5 * sd, 1.5 * sd))
    assert "pre-change SD" in r.margin_basis
    with pytest.raises(StatsInputError, match="exactly one"):
        comparability.tost(PRE, POST)
    with pytest.raises(StatsInputError, match="straddle zero"):
        comparability.tost(PRE, POST, (0.1, 0.5))
    with pytest.raises(NotEstimableError, match="zero variance"):
        comparability.tost([1.0, 1.0], [1.0, 1.0], 0.5)
    with pytest.raises(NotEstimableError, match="needs 2"):
        comparability.tost([1.0], [1.0, 2.0], 0.5)


def test_quality_range_min_max_and_tolerance_interval() -> None:
    qr = comparability.quality_range(PRE, [100.0, 101.5], k=3)
    m, s = np.mean(PRE), np.std(PRE, ddof=1)
    assert (qr.lower, qr.upper) == pytest.approx((m - 3 * s, m + 3 * s))
    assert qr.outside == (1,) and not qr.passed and qr.fraction_within == 0.5
    assert comparability.quality_range(PRE, [100.0, 101.5], required_fraction=0.5).passed
    mm = comparability.min_max(PRE, POST)
    assert (mm.lower, mm.upper) == (min(PRE), max(PRE)) and mm.outside == (2,)
    ti = comparability.tolerance_interval(PRE, 0.99, 0.95)
    k = comparability.tolerance_factor(len(PRE), 0.99, 0.95)
    assert (ti.lower, ti.upper) == pytest.approx((m - k * s, m + k * s))
    upper = comparability.tolerance_interval(PRE, 0.99, 0.95, side="upper")
    assert upper.lower is None and upper.k == pytest.approx(
        comparability.tolerance_factor(len(PRE), 0.99, 0.95, sides=1)
    )


@pytest.fixture
def lots() -> pd.DataFrame:
    rng = np.random.default_rng(21)
    rows = []
    for process, n, shift in (("pre", 10, 0.0), ("post", 6, 0.0)):
        for _ in range(n):
            rows.append({
                "process": process,
                "purity_pct": 98.5 + shift + rng.normal(0, 0.3),
                "potency_pct": 100 + rng.normal(0, 3.0) + (8.0 if process == "post" else 0),
                "aggregates_pct": 0.8 + rng.normal(0, 0.05),
            })  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.loc[3, "aggregates_pct"] = None  # a blank cell is left out of that attribute
    return frame


def test_compare_builds_the_q5e_summary(lots: pd.DataFrame, tmp_path: Path) -> None:
    s = comparability.compare(
        lots, "process", ["purity_pct", "potency_pct", "aggregates_pct"],
        methods=("tost", "quality_range", "min_max", "tolerance"),
        margin={"purity_pct": 0.5},
    )  # fmt: skip
    assert (s.pre, s.post) == ("pre", "post")
    by = {a.attribute: a for a in s.attributes}
    assert by["purity_pct"].tost.margin_basis == "given"
    assert by["potency_pct"].tost.equivalent is False and not by["potency_pct"].comparable
    assert by["aggregates_pct"].n_pre == 9
    assert s.comparable is False
    table = s.table()
    assert list(table["attribute"]) == ["purity_pct", "potency_pct", "aggregates_pct"]
    assert {"TOST", "quality range", "min-max", "tolerance interval", "verdict"} <= set(table)
    json.dumps(s.to_dict(), allow_nan=False, default=str)
    s.plot(tmp_path / "ci.png")
    assert (tmp_path / "ci.png").stat().st_size > 1000
    assert "overall: comparability not shown" in s.summary()


def test_compare_bad_input(lots: pd.DataFrame) -> None:
    with pytest.raises(MissingColumnError, match="'nope'"):
        comparability.compare(lots, "process", ["nope"])
    three = lots.copy()
    three.loc[0, "process"] = "other"
    with pytest.raises(StatsInputError, match="3 groups"):
        comparability.compare(three, "process", ["purity_pct"])
    with pytest.raises(StatsInputError, match="not found"):
        comparability.compare(lots, "process", ["purity_pct"], pre="pre", post="Post")
    bad = lots.astype({"purity_pct": object})
    bad.loc[2, "purity_pct"] = "n/a"
    with pytest.raises(StatsInputError, match="row 2"):
        comparability.compare(bad, "process", ["purity_pct"])
    one = lots[(lots["process"] == "pre") | (lots.index == 12)]
    s = comparability.compare(one, "process", ["purity_pct"], pre="pre", post="post")
    a = s.attributes[0]
    assert a.tost is None and "not estimable" in a.not_estimable["tost"]
    assert a.quality_range is not None  # one post-change lot can still be checked
