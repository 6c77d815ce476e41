"""Control charts: constants, published cases, the run rules, phases, properties, bad input."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special
from scipy import stats as sps

from opencmc.science.stats import spc, spc_constants, spc_rules
from opencmc.science.stats._quality import NotEstimableError
from opencmc.science.stats._validation import NonNumericError, StatsInputError

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "quality"
REF = ROOT.parent / "shared" / "reference-cases" / "spc"
CASES = json.loads((DATA / "textbook_cases.json").read_text())


# --- constants ---------------------------------------------------------------------------

APPENDIX_VI = pd.read_csv(DATA / "montgomery_appendix_vi.csv")


@pytest.mark.parametrize("row", APPENDIX_VI.to_dict("records"), ids=lambda r: f"n={r['n']}")
def test_constants_match_montgomery_appendix_vi(row: dict[str, float]) -> None:
    """Computed constants against Montgomery's Appendix VI for n = 2..25.

    d2 and c4 are printed from exact values and must agree to half a unit in the last
    digit. The table's other factors are derived from the *rounded* d2 and d3 (and its
    d3 for n = 19 reads 0.734 where the exact value is 0.73348), so they may differ by
    up to two units in the third decimal.
    """
    c = spc_constants.constants(int(row["n"])).to_dict()
    assert c["d2"] == pytest.approx(row["d2"], abs=0.0005)
    assert c["c4"] == pytest.approx(row["c4"], abs=0.00005)
    assert c["d3"] == pytest.approx(row["d3"], abs=0.0006)
    for name in ("A", "A2", "A3", "B3", "B4", "B5", "B6", "D1", "D2", "D3", "D4"):
        assert c[name] == pytest.approx(row[name], abs=0.002), name


@pytest.mark.parametrize("n", [2, 3, 7, 25, 60])
def test_d2_against_adaptive_quadrature(n: int) -> None:
    def integrand(x: float) -> float:
        return 1.0 - special.ndtr(x) ** n - special.ndtr(-x) ** n

    expected = integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-13, epsrel=1e-13)[0]
    assert spc_constants.d2(n) == pytest.approx(expected, rel=1e-11)


@pytest.mark.parametrize("n", [2, 5, 10])
def test_d3_against_double_integral_and_closed_forms(n: int) -> None:
    def g(x: float, y: float) -> float:
        py, px = special.ndtr(y), special.ndtr(x)
        return 1 - py**n - special.ndtr(-x) ** n + (py - px) ** n

    second = 2 * integrate.dblquad(g, -12, 12, lambda y: -12, lambda y: y, epsabs=1e-11)[0]
    expected = math.sqrt(second - spc_constants.d2(n) ** 2)
    assert spc_constants.d3(n) == pytest.approx(expected, rel=1e-8)
    if n == 2:  # the range of two normals is |X1 - X2|: d2 = 2/sqrt(pi), d3 = sqrt(2 - 4/pi)
        assert spc_constants.d2(2) == pytest.approx(2 / math.sqrt(math.pi), rel=1e-14)
        assert spc_constants.d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), rel=1e-12)


def test_c4_from_the_gamma_function_and_large_n() -> None:
    for n in (2, 5, 30):
        direct = math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)
        assert spc_constants.c4(n) == pytest.approx(direct, rel=1e-14)
    assert spc_constants.c4(10_000) == pytest.approx(1 - 1 / (4 * 10_000), abs=1e-8)


@pytest.mark.parametrize("bad", [1, 0, 2.5, "x", True])
def test_constants_refuse_bad_sizes(bad: object) -> None:
    with pytest.raises((StatsInputError, ValueError)):
        spc_constants.constants(bad)  # type: ignore[arg-type]


# --- the piston rings (shared reference case) --------------------------------------------


@pytest.fixture(scope="module")
def rings() -> tuple[pd.DataFrame, dict]:
    if not REF.exists():
        pytest.skip(f"reference cases not found at {REF} (needs ../shared next to the repo)")
    data = pd.read_csv(REF / "spc_xbar_r_pistonrings.csv")
    answers = json.loads((REF / "spc_xbar_r_pistonrings.json").read_text())
    return data, answers


def test_piston_rings_phase_one_limits(rings: tuple[pd.DataFrame, dict]) -> None:
    data, ref = rings
    known = ref["known_answers"]["exact_on_this_data_qcc_definitions"]
    tol = ref["tolerance"]["exact_values_abs"]
    phase1 = data[data["phase1_trial"]]
    chart = spc.xbar_r(phase1["diameter_mm"], phase1["sample"])
    assert chart.n_points == 25
    assert chart.center == pytest.approx(known["grand_mean"], abs=tol)
    assert chart.dispersion.center == pytest.approx(known["Rbar"], abs=tol)
    assert chart.sigma == pytest.approx(known["sigma_within_Rbar_over_d2"], abs=tol)
    assert chart.ucl == pytest.approx(known["xbar_UCL"], abs=tol)
    assert chart.lcl == pytest.approx(known["xbar_LCL"], abs=tol)
    assert chart.dispersion.lcl == known["R_chart_LCL"]
    # The reference R-chart UCL uses the table's D4 = 2.114; the exact D4 is 2.11452.
    d4_exact = spc_constants.constants(5).D4
    assert chart.dispersion.ucl == pytest.approx(d4_exact * known["Rbar"], rel=1e-12)
    assert round(chart.dispersion.ucl / chart.dispersion.center, 3) == 2.114
    assert known["R_chart_UCL_D4"] / known["Rbar"] == pytest.approx(2.114, abs=5e-5)
    warn_lo, warn_hi = chart.warning_limits
    expected = ref["known_answers"]["published_qcc_vignette"]["xbar_2sigma_warning_limits"]
    assert [warn_lo, warn_hi] == pytest.approx(expected, abs=tol)
    rounded = ref["known_answers"]["published_montgomery_rounded"]
    r_tol = ref["tolerance"]["montgomery_rounded_abs"]
    assert chart.center == pytest.approx(rounded["grand_mean"], abs=r_tol)
    assert chart.ucl == pytest.approx(rounded["xbar_UCL"], abs=r_tol)
    assert chart.lcl == pytest.approx(rounded["xbar_LCL"], abs=r_tol)
    # Montgomery: the trial samples show the process in control on both charts
    assert chart.out_of_control == [] and chart.dispersion.out_of_control == []


def test_piston_rings_xbar_s(rings: tuple[pd.DataFrame, dict]) -> None:
    data, ref = rings
    known = ref["known_answers"]["exact_on_this_data_qcc_definitions"]
    phase1 = data[data["phase1_trial"]]
    chart = spc.xbar_s(phase1["diameter_mm"], phase1["sample"])
    assert chart.dispersion.center == pytest.approx(known["sbar"], abs=1e-5)
    assert chart.sigma == pytest.approx(known["sigma_sbar_over_c4"], abs=1e-5)
    b4 = spc_constants.constants(5).B4
    assert chart.dispersion.ucl == pytest.approx(b4 * chart.dispersion.center, rel=1e-12)


def test_piston_rings_phase_two_flags_samples_37_to_39(rings: tuple[pd.DataFrame, dict]) -> None:
    data, ref = rings
    phase1 = data[data["phase1_trial"]]
    phase2 = data[~data["phase1_trial"]]
    chart = spc.xbar_r(phase1["diameter_mm"], phase1["sample"])
    monitored = chart.monitor(phase2["diameter_mm"], phase2["sample"])
    assert monitored.phase == "II"
    assert monitored.ucl == chart.ucl and monitored.center == chart.center
    beyond = [int(monitored.labels[i]) for i in monitored.signal_indices("nelson1")]
    assert beyond == ref["known_answers"]["phase2_samples_beyond_xbar_UCL"]
    assert all(s.side == "above" for s in monitored.signals if s.rule == "nelson1")
    # the same limits given as frozen parameters
    again = spc.xbar_r(phase2["diameter_mm"], phase2["sample"], limits=chart.parameters)
    assert again.signal_indices("nelson1") == monitored.signal_indices("nelson1")
    with pytest.raises(StatsInputError, match="frozen"):
        monitored.exclude([0], "cannot re-estimate in phase II")


# --- further textbook cases ---------------------------------------------------------------


def test_orange_juice_p_chart_with_exclusions() -> None:
    case = CASES["orange_juice_p_chart"]
    known, tol = case["known"], case["tolerance_abs"]
    chart = spc.p_chart(case["nonconforming"], case["sample_size"])
    assert [chart.center, chart.ucl, chart.lcl] == pytest.approx(
        [known["center"], known["ucl"], known["lcl"]], abs=tol
    )
    samples = [int(chart.labels[i]) for i in chart.out_of_control]
    assert samples == known["out_of_control_samples"]
    revised = chart.exclude([14, 22], "new cardboard lot; inexperienced operator")
    r = known["revised_after_excluding_15_23"]
    assert [revised.center, revised.ucl, revised.lcl] == pytest.approx(
        [r["center"], r["ucl"], r["lcl"]], abs=tol
    )
    assert [int(revised.labels[i]) for i in revised.out_of_control] == r["out_of_control_samples"]
    assert revised.exclusions[0].indices == (14, 22)
    assert "cardboard" in revised.exclusions[0].reason
    assert 14 not in revised.signal_indices() and 22 not in revised.signal_indices()
    assert chart.center == pytest.approx(known["center"], abs=tol)  # the original is unchanged
    d = revised.to_dict()
    assert d["excluded"] == [14, 22] and d["exclusions"][0]["indices"] == [14, 22]
    json.dumps(d, allow_nan=False)


def test_circuit_board_c_chart() -> None:
    case = CASES["circuit_boards_c_chart"]
    known, tol = case["known"], case["tolerance_abs"]
    chart = spc.c_chart(case["counts"])
    assert [chart.center, chart.ucl, chart.lcl] == pytest.approx(
        [known["center"], known["ucl"], known["lcl"]], abs=tol
    )
    assert [int(chart.labels[i]) for i in chart.out_of_control] == known["out_of_control_samples"]
    revised = chart.exclude([5, 19], "temperature control; inexperienced operator")
    r = known["revised_after_excluding_6_20"]
    assert [revised.center, revised.ucl, revised.lcl] == pytest.approx(
        [r["center"], r["ucl"], r["lcl"]], abs=tol
    )


def test_tabular_cusum_example_9_1() -> None:
    case = CASES["cusum_example_9_1"]
    known = case["known"]
    chart = spc.cusum(case["values"], k=0.5, h=5.0, target=10.0, sigma=1.0)
    first = chart.signals[0]
    assert first.rule == "cusum_upper" and first.label == known["cusum_first_signal_period"]
    i = first.index
    assert chart.values[i] == pytest.approx(known["cusum_c_plus_29"], abs=case["tolerance_abs"])
    assert chart.extra["n_plus"][i] == known["cusum_n_plus_29"]
    shift = 10.0 + 0.5 + chart.values[i] / chart.extra["n_plus"][i]
    assert shift == pytest.approx(known["cusum_shift_estimate"], abs=case["tolerance_abs"])
    # the Lindley identity against the plain recursion
    c, plus = 0.0, []
    for x in case["values"]:
        c = max(0.0, x - 10.5 + c)
        plus.append(c)
    assert chart.values == pytest.approx(plus, abs=1e-12)


def test_ewma_example_9_2() -> None:
    case = CASES["cusum_example_9_1"]
    known, tol = case["known"], case["tolerance_abs"]
    chart = spc.ewma(case["values"], lam=0.1, L=2.7, target=10.0, sigma=1.0)
    assert chart.values[0] == pytest.approx(known["ewma_z1"], abs=1e-9)
    assert chart.values[1] == pytest.approx(known["ewma_z2"], abs=1e-9)
    assert chart.ucl[0] == pytest.approx(known["ewma_ucl_1"], abs=tol)
    assert chart.ucl[1] == pytest.approx(known["ewma_ucl_2"], abs=tol)
    assert chart.ucl[-1] == pytest.approx(known["ewma_ucl_steady"], abs=tol)
    z = 10.0
    for i, x in enumerate(case["values"]):
        z = 0.1 * x + 0.9 * z
        assert chart.values[i] == pytest.approx(z, abs=1e-12)
    # the shift after period 20 is caught late in the series, never before the shift
    fired = [int(chart.labels[i]) for i in chart.signal_indices("nelson1")]
    assert fired and min(fired) > 20


# --- chart mechanics ----------------------------------------------------------------------


def test_imr_limits_and_moving_range_chart() -> None:
    x = np.array([10.0, 10.4, 9.8, 10.1, 10.3, 9.9, 10.2, 10.0])
    chart = spc.imr(x)
    mr = np.abs(np.diff(x))
    sigma = mr.mean() / (2 / math.sqrt(math.pi))
    assert chart.sigma == pytest.approx(sigma, rel=1e-12)
    assert chart.ucl == pytest.approx(x.mean() + 3 * sigma, rel=1e-12)
    assert chart.dispersion.values == pytest.approx(mr)
    assert chart.dispersion.ucl == pytest.approx(3.267 * mr.mean(), rel=1e-3)
    assert list(chart.dispersion.labels) == list(range(2, 9))


def test_imr_exclusion_drops_the_moving_ranges_it_touches() -> None:
    x = np.array([5.0, 5.1, 4.9, 9.0, 5.0, 5.2, 4.8, 5.1, 5.0, 4.9])
    chart = spc.imr(x).exclude([3], "sample contaminated")
    kept_mr = [abs(x[i + 1] - x[i]) for i in range(9) if i not in (2, 3)]
    assert chart.sigma == pytest.approx(np.mean(kept_mr) / spc_constants.d2(2), rel=1e-12)
    assert chart.center == pytest.approx(np.delete(x, 3).mean(), rel=1e-12)
    assert chart.dispersion.excluded.tolist() == [i in (2, 3) for i in range(9)]


def test_xbar_unequal_subgroups_vary_the_limits() -> None:
    rng = np.random.default_rng(7)
    sizes = [3, 5, 4, 5, 3, 6, 5, 4]
    labels = np.repeat(np.arange(len(sizes)), sizes)
    x = rng.normal(50, 2, labels.size)
    chart = spc.xbar_s(x, labels)
    assert isinstance(chart.ucl, np.ndarray) and chart.ucl.size == len(sizes)
    means = np.array([x[labels == g].mean() for g in range(len(sizes))])
    sds = np.array([x[labels == g].std(ddof=1) for g in range(len(sizes))])
    c4 = np.array([spc_constants.c4(n) for n in sizes])
    h = c4**2 / (1 - c4**2)
    sigma = np.sum(h * sds / c4) / np.sum(h)
    assert chart.sigma == pytest.approx(sigma, rel=1e-12)
    assert chart.center == pytest.approx(x.mean(), rel=1e-12)
    assert chart.ucl == pytest.approx(x.mean() + 3 * sigma / np.sqrt(sizes), rel=1e-12)
    assert chart.values == pytest.approx(means)
    pooled = spc.xbar_s(x, labels, sigma_method="pooled")
    sp = math.sqrt(np.sum((np.array(sizes) - 1) * sds**2) / (labels.size - len(sizes)))
    assert pooled.sigma == pytest.approx(sp / spc_constants.c4(labels.size - len(sizes) + 1))
    r_chart = spc.xbar_r(x, labels)
    assert isinstance(r_chart.dispersion.ucl, np.ndarray)
    # equal sizes reduce to the textbook factors
    eq = spc.xbar_r(x[:40], 5)
    rbar = eq.dispersion.center
    assert eq.ucl - eq.center == pytest.approx(spc_constants.constants(5).A2 * rbar, rel=1e-12)


def test_attribute_charts_np_and_u() -> None:
    d = [3, 5, 2, 4, 6, 1, 3, 4, 2, 5]
    np_chart = spc.np_chart(d, 100)
    p = sum(d) / 1000
    assert np_chart.center == pytest.approx(100 * p)
    assert np_chart.ucl == pytest.approx(100 * p + 3 * math.sqrt(100 * p * (1 - p)))
    assert np_chart.lcl == 0.0 and "set to 0" in " ".join(np_chart.notes)
    counts, units = [4, 7, 3, 5, 6, 2], [1.0, 1.5, 0.8, 1.2, 1.0, 0.9]
    u = spc.u_chart(counts, units)
    ubar = sum(counts) / sum(units)
    assert u.center == pytest.approx(ubar)
    assert u.ucl == pytest.approx(ubar + 3 * np.sqrt(ubar / np.array(units)))
    later = u.monitor([30, 2], [1.0, 1.0])
    assert later.phase == "II" and later.signal_indices("nelson1") == [0]


def test_chart_by_name_and_plots(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(0, 1, 60)
    for kind in ("imr", "ewma", "cusum"):
        chart = spc.chart(kind, x)
        for suffix in (".png", ".svg"):
            out = tmp_path / f"{kind}{suffix}"
            chart.plot(out)
            assert out.stat().st_size > 1000
        data = chart.to_plot_data()
        json.dumps(data, allow_nan=False)
        assert data["panels"][0]["values"]
    with pytest.raises(StatsInputError, match="chart type"):
        spc.chart("pareto", x)


# --- the run rules -----------------------------------------------------------------------


def _naive(x: list[float], c: float, s: float, rule: str) -> list[int]:
    """The rules written out point by point, as a person would check them by eye."""
    n, out = len(x), []
    z = [(v - c) / s for v in x]
    for i in range(n):
        w = {
            "nelson1": 1, "nelson2": 9, "we4": 8, "nelson3": 6, "nelson4": 14, "nelson5": 3,
            "nelson6": 5, "nelson7": 15, "nelson8": 8,
        }[rule]  # fmt: skip
        if i < w - 1:
            continue
        win = z[i - w + 1 : i + 1]
        xs = x[i - w + 1 : i + 1]
        if rule == "nelson1":
            hit = abs(z[i]) > 3
        elif rule in ("nelson2", "we4"):
            hit = all(v > 0 for v in win) or all(v < 0 for v in win)
        elif rule == "nelson3":
            hit = all(b > a for a, b in itertools.pairwise(xs)) or all(
                b < a for a, b in itertools.pairwise(xs)
            )
        elif rule == "nelson4":
            d = [b - a for a, b in itertools.pairwise(xs)]
            hit = all(d1 * d2 < 0 for d1, d2 in itertools.pairwise(d))
        elif rule == "nelson5":
            hit = (z[i] > 2 and sum(v > 2 for v in win) >= 2) or (
                z[i] < -2 and sum(v < -2 for v in win) >= 2
            )
        elif rule == "nelson6":
            hit = (z[i] > 1 and sum(v > 1 for v in win) >= 4) or (
                z[i] < -1 and sum(v < -1 for v in win) >= 4
            )
        elif rule == "nelson7":
            hit = all(abs(v) <= 1 for v in win)
        else:
            hit = all(abs(v) > 1 for v in win)
        if hit:
            out.append(i)
    return out


RULES_TO_CHECK = [*spc_rules.RULE_SETS["nelson"], "we4"]


@settings(max_examples=150)
@given(st.lists(st.integers(-4, 4), min_size=1, max_size=120))
def test_vectorised_rules_equal_the_point_by_point_rules(steps: list[int]) -> None:
    # integer data on a coarse grid, so ties, runs, trends and zone edges all occur
    x = [0.75 * v for v in steps]
    flags = spc_rules.rule_flags(np.array(x), 0.0, 1.0, -3.0, 3.0, RULES_TO_CHECK)
    for rule in RULES_TO_CHECK:
        assert flags[rule].tolist() == _naive(x, 0.0, 1.0, rule), rule


@settings(max_examples=40)
@given(st.integers(0, 10_000), st.integers(1, 60))
def test_rules_in_blocks_equal_one_pass(seed: int, chunk: int) -> None:
    """Long series run in overlapping blocks; the answer must not depend on the blocks."""
    rng = np.random.default_rng(seed)
    n = 400
    x = np.round(rng.normal(0, 1.3, n), 1)
    x[100:130] += 1.5
    center = np.where(np.arange(n) < 200, 0.0, 0.1)  # per-point lines are cut per block
    sigma = np.full(n, 1.0)
    rules = [*spc_rules.RULE_SETS["nelson"], "we4"]
    whole = spc_rules.rule_flags(x, center, sigma, center - 3, center + 3, rules, chunk=10**6)
    blocks = spc_rules.rule_flags(x, center, sigma, center - 3, center + 3, rules, chunk=chunk)
    for rule in rules:
        assert blocks[rule].tolist() == whole[rule].tolist(), rule


def test_western_electric_rules_alias_nelson() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, 500)
    x[200:260] += 1.5
    we = spc_rules.rule_flags(x, 0.0, 1.0, -3.0, 3.0, ["we1", "we2", "we3", "we4"])
    ne = spc_rules.rule_flags(x, 0.0, 1.0, -3.0, 3.0, ["nelson1", "nelson5", "nelson6"])
    assert we["we1"].tolist() == ne["nelson1"].tolist()
    assert we["we2"].tolist() == ne["nelson5"].tolist()
    assert we["we3"].tolist() == ne["nelson6"].tolist()
    assert spc_rules.resolve_rules("1, 5,we4") == ("nelson1", "nelson5", "we4")
    with pytest.raises(StatsInputError, match="unknown rule"):
        spc_rules.resolve_rules(["nelson9"])


def test_signals_carry_rule_points_zone_and_side() -> None:
    x = np.zeros(30)
    x[::2] = 0.2
    x[10:19] = 0.5  # nine in a row above the centre
    x[25] = 5.0
    chart = spc.imr(x, center=0.0, sigma=1.0)
    by_rule = {s.rule: s for s in chart.signals}
    assert by_rule["nelson1"].index == 25 and by_rule["nelson1"].side == "above"
    assert by_rule["nelson1"].zone == "beyond 3 sigma"
    run = next(s for s in chart.signals if s.rule == "nelson2")
    assert run.points == tuple(range(run.index - 8, run.index + 1))
    assert all(s.description for s in chart.signals)
    assert chart.phase == "II" and chart.sigma_method == "known standard"


# --- properties ----------------------------------------------------------------------------


def test_rule_one_false_alarm_rate_is_near_0_27_percent() -> None:
    rng = np.random.default_rng(20260401)
    x = rng.normal(100.0, 2.0, 2_000_000)
    chart = spc.imr(x)  # limits estimated from the moving ranges
    rate = len(chart.signal_indices("nelson1")) / x.size
    expected = 2 * sps.norm.sf(3)  # 0.0026998
    se = math.sqrt(expected * (1 - expected) / x.size)
    assert abs(rate - expected) < 5 * se + 1e-4


@settings(max_examples=60)
@given(
    st.lists(st.floats(-0.9, 0.9), min_size=30, max_size=80),
    st.integers(5, 25),
    st.sampled_from([1.0, -1.0]),
)
def test_a_four_sigma_shift_fires_rule_one_at_the_shift(
    noise: list[float], at: int, direction: float
) -> None:
    x = np.array(noise)
    x[at:] += 4.0 * direction
    chart = spc.imr(x, center=0.0, sigma=1.0)
    fired = chart.signal_indices("nelson1")
    assert fired[0] == at
    assert all(i >= at for i in fired)
    # phase I limits from in-control data (sigma 0.886), then monitoring the shifted part
    phase1 = spc.imr(np.tile([-0.5, 0.5], 10))
    monitored = phase1.monitor(x[at:])
    assert monitored.signal_indices("nelson1")[0] == 0


@settings(max_examples=60)
@given(
    st.floats(0.05, 5.0),
    st.lists(st.floats(-0.49, 0.49), min_size=8, max_size=60),
    st.sampled_from([1.0, -1.0]),
)
def test_a_linear_drift_fires_the_trend_rule(
    slope: float, jitter: list[float], sign: float
) -> None:
    i = np.arange(len(jitter))
    x = sign * slope * i + slope * np.array(jitter)  # noise smaller than half a step
    chart = spc.imr(x, rules=["nelson3"], center=0.0, sigma=100.0)
    fired = chart.signal_indices("nelson3")
    assert fired == list(range(5, len(x)))
    s = chart.signals[0]
    assert s.side == ("increasing" if sign > 0 else "decreasing")


# --- bad input -----------------------------------------------------------------------------


def test_non_numeric_values_name_the_position() -> None:
    with pytest.raises(NonNumericError, match="position 2"):
        spc.imr(["1.0", "2.0", "abc", "3.0"])
    with pytest.raises(NonNumericError):
        spc.imr([1.0, float("nan"), 2.0])


def test_subgroups_of_one_are_refused_for_xbar_r() -> None:
    with pytest.raises(StatsInputError, match="at least 2 values per subgroup"):
        spc.xbar_r([1.0, 2.0, 3.0, 4.0], 1)
    with pytest.raises(StatsInputError, match="subgroup 'c' has 1 value"):
        spc.xbar_r([1.0, 2.0, 3.0, 4.0, 5.0], ["a", "a", "b", "b", "c"])
    with pytest.raises(StatsInputError, match="do not divide"):
        spc.xbar_r([1.0, 2.0, 3.0], 2)


def test_zero_variance_is_not_estimable() -> None:
    with pytest.raises(NotEstimableError, match="not estimable"):
        spc.imr([5.0] * 10)
    with pytest.raises(NotEstimableError, match="not estimable"):
        spc.xbar_r([5.0] * 10, 2)
    with pytest.raises(NotEstimableError, match="not estimable"):
        spc.p_chart([0, 0, 0], 50)
    with pytest.raises(NotEstimableError, match="not estimable"):
        spc.c_chart([0, 0, 0])


def test_fewer_points_than_a_rule_needs_is_said_not_guessed() -> None:
    chart = spc.imr([1.0, 1.4, 0.9, 1.2, 1.1])
    assert chart.rule_status["nelson1"] == "evaluated"
    assert chart.rule_status["nelson4"].startswith("not evaluable: needs 14 points")
    assert chart.signal_indices("nelson4") == []
    assert "nelson4: not evaluable" in chart.summary()
    with pytest.raises(NotEstimableError, match="at least 2 values"):
        spc.imr([1.0])


def test_other_bad_input() -> None:
    with pytest.raises(StatsInputError, match="nonconforming out of a sample"):
        spc.p_chart([3, 60], 50)
    with pytest.raises(StatsInputError, match="whole count"):
        spc.c_chart([1.5, 2.0])
    with pytest.raises(StatsInputError, match="negative"):
        spc.c_chart([-1, 2])
    chart = spc.imr([1.0, 1.2, 0.9, 1.1])
    with pytest.raises(StatsInputError, match="reason"):
        chart.exclude([1], "  ")
    with pytest.raises(StatsInputError, match="not on the chart"):
        chart.exclude([9], "typo")
    with pytest.raises(StatsInputError, match="every point"):
        chart.exclude([0, 1, 2, 3], "all")
    with pytest.raises(StatsInputError, match="limits are for"):
        spc.xbar_r([1.0, 2.0, 3.0, 4.0], 2, limits=chart.parameters)
    with pytest.raises(StatsInputError, match="lam"):
        spc.ewma([1.0, 2.0, 3.0], lam=0.0)


def test_no_nan_in_any_result() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(10, 1, 40)
    for chart in (
        spc.imr(x),
        spc.xbar_r(x, 4),
        spc.xbar_s(x, 5),
        spc.ewma(x),
        spc.cusum(x),
        spc.p_chart(rng.integers(0, 10, 20), 50),
        spc.c_chart(rng.integers(1, 10, 20)),
    ):
        json.dumps(chart.to_dict(), allow_nan=False)
        assert "nan" not in chart.summary().lower()


def test_benchmark_runs_and_agrees_on_a_small_input() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "spc_rules.py"), "--n", "20000", "--repeat", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "signals identical: True" in out.stdout and "ratio" in out.stdout
