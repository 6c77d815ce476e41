"""Process capability: the piston rings, interval formulas, normality, non-normal routes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.diagnostic import normal_ad

from opencmc.science.stats import capability as cap_module
from opencmc.science.stats import spc
from opencmc.science.stats._quality import NotEstimableError
from opencmc.science.stats._validation import LimitSideError, NonNumericError

REF = Path(__file__).resolve().parents[2].parent / "shared" / "reference-cases" / "spc"


def test_piston_ring_capability_reproduces_the_reference() -> None:
    if not REF.exists():
        pytest.skip(f"reference cases not found at {REF} (needs ../shared next to the repo)")
    data = pd.read_csv(REF / "spc_xbar_r_pistonrings.csv")
    ref = json.loads((REF / "spc_xbar_r_pistonrings.json").read_text())
    known = ref["known_answers"]["derived_capability_spec_73.95_74.05_sigma_Rbar_over_d2"]
    tol = ref["tolerance"]["capability_abs"]
    p1 = data[data["phase1_trial"]]
    r = spc.capability(p1["diameter_mm"], lsl=73.95, usl=74.05, subgroup=p1["sample"])
    assert r.cp == pytest.approx(known["Cp"], abs=tol)
    assert r.cpk == pytest.approx(known["Cpk"], abs=tol)
    assert r.cpl == pytest.approx(known["Cpl"], abs=tol)
    assert r.cpu == pytest.approx(known["Cpu"], abs=tol)
    assert r.sigma_within_method == "R̄ / d2"
    assert r.sigma_overall == pytest.approx(float(np.std(p1["diameter_mm"], ddof=1)))
    assert r.method == "normal" and r.normality.normal


def test_capability_plot(tmp_path: Path) -> None:
    r = spc.capability(_sample(), lsl=9.4, usl=10.6, target=10.0)
    r.plot(tmp_path / "cap.png")
    assert (tmp_path / "cap.png").read_bytes()[:4] == b"\x89PNG"


def _sample(seed: int = 1, n: int = 50) -> np.ndarray:
    return np.random.default_rng(seed).normal(10.0, 0.2, n)


def test_intervals_follow_their_formulas() -> None:
    x = _sample()
    n, conf = x.size, 0.95
    r = spc.capability(x, lsl=9.2, usl=10.9, target=10.1, confidence=conf)
    a = 1 - conf
    lo_q, hi_q = sps.chi2.ppf(a / 2, n - 1), sps.chi2.ppf(1 - a / 2, n - 1)
    # chi-square interval for Cp and Pp
    for name in ("cp", "pp"):
        v = getattr(r, name)
        expected = (v * math.sqrt(lo_q / (n - 1)), v * math.sqrt(hi_q / (n - 1)))
        assert r.confidence_interval(name) == pytest.approx(expected, rel=1e-12)
    # Bissell for Cpk and Ppk
    z = sps.norm.ppf(1 - a / 2)
    for name in ("cpk", "ppk"):
        v = getattr(r, name)
        half = z * math.sqrt(1 / (9 * n) + v * v / (2 * (n - 1)))
        assert r.confidence_interval(name) == pytest.approx((v - half, v + half), rel=1e-12)
    # Boyles for Cpm
    s, m = np.std(x, ddof=1), x.mean()
    cpm = (10.9 - 9.2) / (6 * math.sqrt(s * s + (m - 10.1) ** 2))
    assert r.cpm == pytest.approx(cpm, rel=1e-12)
    xi = (m - 10.1) / s
    nu = n * (1 + xi * xi) ** 2 / (1 + 2 * xi * xi)
    expected = (
        cpm * math.sqrt(sps.chi2.ppf(a / 2, nu) / nu),
        cpm * math.sqrt(sps.chi2.ppf(1 - a / 2, nu) / nu),
    )
    assert r.confidence_interval("cpm") == pytest.approx(expected, rel=1e-12)
    assert "Bissell" in r.interval_methods["cpk"] and "Boyles" in r.interval_methods["cpm"]


def test_point_estimates_and_ppm() -> None:
    x = _sample(2)
    r = spc.capability(x, lsl=9.4, usl=10.6)
    sw = np.abs(np.diff(x)).mean() / (2 / math.sqrt(math.pi))
    so, m = np.std(x, ddof=1), x.mean()
    assert r.sigma_within == pytest.approx(sw, rel=1e-12)
    assert r.cp == pytest.approx(1.2 / (6 * sw))
    assert r.cpk == pytest.approx(min(10.6 - m, m - 9.4) / (3 * sw))
    assert r.ppk == pytest.approx(min(10.6 - m, m - 9.4) / (3 * so))
    expected = 1e6 * (sps.norm.cdf((9.4 - m) / so) + sps.norm.sf((10.6 - m) / so))
    assert r.ppm["overall"]["total"] == pytest.approx(expected, rel=1e-10)
    assert r.ppm["observed"]["total"] == 0.0


def test_pp_interval_covers_about_95_percent() -> None:
    """The chi-square interval of Pp is exact: check its coverage by simulation."""
    rng = np.random.default_rng(99)
    true_pp = 2.0 / 6.0
    hits = 0
    reps = 600
    for _ in range(reps):
        r = spc.capability(rng.normal(0, 1, 25), lsl=-1.0, usl=1.0, method="normal")
        lo, hi = r.confidence_interval("pp")
        hits += lo <= true_pp <= hi
    assert abs(hits / reps - 0.95) < 0.03


def test_anderson_darling_matches_statsmodels() -> None:
    rng = np.random.default_rng(4)
    for x in (rng.normal(0, 1, 30), rng.exponential(1, 40), rng.uniform(0, 1, 100)):
        a2, p = normal_ad(x)
        r = cap_module.anderson_darling(x)
        assert r.statistic == pytest.approx(a2, rel=1e-10)
        assert r.p_value == pytest.approx(p, rel=1e-8)
    small = cap_module.anderson_darling([1.0, 2.0, 3.0])
    assert not small.assessed and small.p_value is None and "needs 8" in small.note


@settings(max_examples=50)
@given(st.floats(0.01, 1000.0), st.floats(-1e4, 1e4), st.integers(0, 10_000))
def test_scaling_data_and_limits_leaves_capability_unchanged(
    scale: float, shift: float, seed: int
) -> None:
    x = np.random.default_rng(seed).normal(5.0, 1.0, 40)
    base = spc.capability(x, lsl=1.5, usl=9.0, target=5.5, method="normal")
    moved = spc.capability(
        scale * x + shift,
        lsl=scale * 1.5 + shift,
        usl=scale * 9.0 + shift,
        target=scale * 5.5 + shift,
        method="normal",
    )
    for name in ("cp", "cpk", "pp", "ppk", "cpm"):
        assert getattr(moved, name) == pytest.approx(getattr(base, name), rel=1e-8), name


def test_non_normal_data_take_box_cox_or_percentile() -> None:
    rng = np.random.default_rng(12)
    skewed = rng.lognormal(1.0, 0.5, 200)
    r = spc.capability(skewed, lsl=0.5, usl=20.0)
    assert r.normality.normal is False
    assert r.method == "box-cox" and r.transform["type"] == "box-cox"
    lam = r.transform["lambda"]
    assert abs(lam) < 0.3  # near the log for lognormal data
    assert r.normal_theory is not None and r.cpm is None and "cpm" in r.not_estimable
    # data that are not all positive go to the percentile method
    shifted = skewed - 5.0
    p = spc.capability(shifted, lsl=-4.5, usl=15.0)
    assert p.method == "percentile" and p.cp is None and p.ppk is not None
    q = np.quantile(shifted, [0.00135, 0.5, 0.99865])
    assert p.pp == pytest.approx((15.0 + 4.5) / (q[2] - q[0]))
    assert p.ppk == pytest.approx(min((15 - q[1]) / (q[2] - q[1]), (q[1] + 4.5) / (q[1] - q[0])))
    assert p.ppm["overall"]["total"] is None
    forced = spc.capability(skewed, lsl=0.5, usl=20.0, method="normal")
    assert forced.method == "normal"
    json.dumps(r.to_dict(), allow_nan=False)
    json.dumps(p.to_dict(), allow_nan=False)


def test_one_sided_specification() -> None:
    x = _sample(5)
    r = spc.capability(x, usl=10.8)
    assert r.cp is None and r.pp is None and "both specification limits" in r.not_estimable["cp"]
    assert r.cpk == pytest.approx(r.cpu) and r.cpl is None
    assert r.ppm["within"]["below_lsl"] is None
    assert "CP   not estimable" in r.summary()


def test_bad_input() -> None:
    with pytest.raises(LimitSideError, match=r"LSL .* must be below USL"):
        spc.capability(_sample(), lsl=11.0, usl=9.0)
    with pytest.raises(LimitSideError, match="at least one"):
        spc.capability(_sample())
    with pytest.raises(NotEstimableError, match="do not vary"):
        spc.capability([5.0] * 20, lsl=4.0, usl=6.0)
    with pytest.raises(NonNumericError):
        spc.capability(["1.0", "x", "2.0"], lsl=0.0, usl=3.0)
    with pytest.raises(NotEstimableError):
        spc.capability([1.0], lsl=0.0, usl=3.0)


def test_subgrouped_within_sigma_choices() -> None:
    x = _sample(8, 60)
    r_bar = spc.capability(x, lsl=9.0, usl=11.0, subgroup=5)
    s_bar = spc.capability(x, lsl=9.0, usl=11.0, subgroup=5, within="sbar")
    pooled = spc.capability(x, lsl=9.0, usl=11.0, subgroup=5, within="pooled")
    assert r_bar.sigma_within == pytest.approx(spc.xbar_r(x, 5).sigma)
    assert s_bar.sigma_within == pytest.approx(spc.xbar_s(x, 5).sigma)
    assert pooled.sigma_within == pytest.approx(spc.xbar_s(x, 5, sigma_method="pooled").sigma)
    assert "mid-specification" in " ".join(r_bar.notes)
