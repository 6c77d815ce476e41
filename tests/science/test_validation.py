"""Method validation (ICH Q2(R2)): linearity, accuracy, precision, LOD/LOQ, the report."""

from __future__ import annotations

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import optimize
from scipy import stats as sps
from statsmodels.stats.anova import anova_lm

from opencmc.reports import validation_report
from opencmc.science.stats import validation, variance_components
from opencmc.science.stats._quality import NotEstimableError
from opencmc.science.stats._validation import NonNumericError, StatsInputError
from opencmc.science.stats.tolerance import tolerance_factor

CONC = np.repeat([50.0, 75.0, 100.0, 125.0, 150.0], 3)
RESP = np.array([
    0.2512, 0.2497, 0.2530, 0.3741, 0.3755, 0.3722, 0.4989, 0.5012, 0.4998,
    0.6240, 0.6268, 0.6231, 0.7502, 0.7479, 0.7520,
])  # fmt: skip


# --- linearity ---------------------------------------------------------------------------


def test_linearity_matches_scipy_and_statsmodels() -> None:
    r = validation.linearity(CONC, RESP, target=100.0)
    ref = sps.linregress(CONC, RESP)
    assert r.slope == pytest.approx(ref.slope, rel=1e-12)
    assert r.intercept == pytest.approx(ref.intercept, rel=1e-10, abs=1e-14)
    assert r.r == pytest.approx(ref.rvalue, rel=1e-12)
    assert r.slope_se == pytest.approx(ref.stderr, rel=1e-10)
    assert r.intercept_se == pytest.approx(ref.intercept_stderr, rel=1e-10)
    ols = sm.OLS(RESP, sm.add_constant(CONC)).fit()
    ci = ols.conf_int(0.05)
    assert r.intercept_ci == pytest.approx(tuple(ci[0]), rel=1e-9)
    assert r.slope_ci == pytest.approx(tuple(ci[1]), rel=1e-9)
    assert r.residual_sd == pytest.approx(math.sqrt(ols.scale), rel=1e-10)
    assert r.residuals == pytest.approx(ols.resid, abs=1e-12)
    assert r.intercept_percent_of_target == pytest.approx(
        100 * r.intercept / (r.intercept + 100 * r.slope)
    )


def test_lack_of_fit_matches_the_anova_of_line_against_level_means() -> None:
    frame = pd.DataFrame({"x": CONC, "y": RESP + 0.004 * ((CONC - 100) / 50) ** 2})
    line = smf.ols("y ~ x", frame).fit()
    means = smf.ols("y ~ C(x)", frame).fit()
    table = anova_lm(line, means)
    r = validation.linearity(frame["x"], frame["y"])
    lof = r.lack_of_fit
    assert lof.f_statistic == pytest.approx(table["F"].iloc[1], rel=1e-9)
    assert lof.p_value == pytest.approx(table["Pr(>F)"].iloc[1], rel=1e-8)
    assert (lof.df_lack_of_fit, lof.df_pure_error) == (3, 10)
    unreplicated = validation.linearity([1, 2, 3, 4, 5], [1.1, 2.0, 3.1, 3.9, 5.2])
    assert unreplicated.lack_of_fit.f_statistic is None
    assert "no replicated levels" in unreplicated.lack_of_fit.note


def test_linearity_notes_and_bad_input(tmp_path: Path) -> None:
    few = validation.linearity([1, 2, 3], [1.0, 2.1, 2.9])
    assert "at least 5 concentrations" in " ".join(few.notes)
    assert few.intercept_percent_of_target is None and "not estimable" in few.summary()
    with pytest.raises(NotEstimableError, match="do not vary"):
        validation.linearity([1, 2, 3, 4], [2.0, 2.0, 2.0, 2.0])
    with pytest.raises(NotEstimableError, match="at least 3 points"):
        validation.linearity([1, 1, 1], [1.0, 2.0, 3.0])
    with pytest.raises(NonNumericError, match="position 1"):
        validation.linearity([1, "two", 3], [1.0, 2.0, 3.0])
    with pytest.raises(StatsInputError, match="differ in length"):
        validation.linearity([1, 2, 3], [1.0, 2.0])
    fig_path = tmp_path / "lin.svg"
    validation.linearity(CONC, RESP).plot(fig_path)
    assert fig_path.read_text().lstrip().startswith("<?xml")


# --- accuracy and precision --------------------------------------------------------------

NOMINAL = np.repeat([80.0, 100.0, 120.0], 3)
MEASURED = np.array([79.2, 80.5, 79.9, 99.1, 100.6, 100.2, 119.0, 120.9, 121.3])


def test_accuracy_per_level_and_overall() -> None:
    r = validation.accuracy(NOMINAL, MEASURED, limits=(98.0, 102.0))
    rec = 100 * MEASURED / NOMINAL
    assert r.mean_recovery == pytest.approx(rec.mean())
    assert [lv.level for lv in r.levels] == [80.0, 100.0, 120.0]
    first = rec[:3]
    m, se = first.mean(), first.std(ddof=1) / math.sqrt(3)
    q = sps.t.ppf(0.975, 2)
    assert r.levels[0].ci == pytest.approx((m - q * se, m + q * se))
    assert r.passed is True and r.notes == ()
    short = validation.accuracy(NOMINAL[:6], MEASURED[:6])
    assert "at least 9 determinations over at least 3 levels" in short.notes[0]
    with pytest.raises(StatsInputError, match="nominal value at position 0 is 0"):
        validation.accuracy([0.0, 1.0], [0.1, 1.0])
    one = validation.accuracy([10.0, 20.0], [9.9, 20.2])
    assert one.levels[0].ci is None and "not estimable (n = 1)" in one.summary()


def test_repeatability_chi_square_interval() -> None:
    x = np.array([100.2, 99.8, 100.1, 99.9, 100.3, 100.0])
    r = validation.repeatability(x)
    s = x.std(ddof=1)
    assert r.sd == pytest.approx(s)
    assert r.rsd == pytest.approx(100 * s / x.mean())
    lo = s * math.sqrt(5 / sps.chi2.ppf(0.975, 5))
    hi = s * math.sqrt(5 / sps.chi2.ppf(0.025, 5))
    assert r.sd_ci == pytest.approx((lo, hi))
    assert validation.repeatability([1.0, 1.0, 1.0]).sd == 0.0
    with pytest.raises(NotEstimableError):
        validation.repeatability([1.0])


# --- variance components ------------------------------------------------------------------


def _one_way(seed: int, sizes: list[int], sa: float = 1.0, se: float = 0.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for day, n in enumerate(sizes):
        effect = rng.normal(0, sa)
        rows += [{"day": f"D{day}", "assay": 100 + effect + rng.normal(0, se)} for _ in range(n)]
    return pd.DataFrame(rows)


def _profile_reml(frame: pd.DataFrame) -> tuple[float, float]:
    """One-way REML written out: maximise the profiled restricted likelihood over σa²/σe²."""
    groups = [g["assay"].to_numpy() for _, g in frame.groupby("day")]
    n_i = np.array([g.size for g in groups], dtype=float)
    ybar = np.array([g.mean() for g in groups])
    ssw = sum(float(((g - g.mean()) ** 2).sum()) for g in groups)
    big_n = n_i.sum()

    def q(gamma: float) -> float:
        w = n_i / (1 + gamma * n_i)
        mu = np.sum(w * ybar) / np.sum(w)
        return ssw + float(np.sum(w * (ybar - mu) ** 2))

    def negloglik(gamma: float) -> float:
        w = n_i / (1 + gamma * n_i)
        return (
            (big_n - 1) * math.log(q(gamma)) + np.sum(np.log1p(gamma * n_i)) + math.log(np.sum(w))
        )

    best = optimize.minimize_scalar(negloglik, bounds=(0, 1e4), method="bounded",
                                    options={"xatol": 1e-12})  # fmt: skip
    gamma = float(best.x)
    sigma_e = q(gamma) / (big_n - 1)
    return gamma * sigma_e, sigma_e


def test_unbalanced_one_way_reml_matches_statsmodels_and_the_profile_likelihood() -> None:
    frame = _one_way(5, [2, 3, 4, 2, 5, 3, 3])
    vc = variance_components.variance_components(frame, "assay", "day")
    assert not vc.balanced and vc.method.startswith("REML")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.MixedLM(frame["assay"], np.ones(len(frame)), groups=frame["day"]).fit(
            reml=True, method="bfgs"
        )
    between = vc.component("day").variance
    within = vc.component("repeatability").variance
    assert between == pytest.approx(float(fit.cov_re.iloc[0, 0]), rel=1e-4)
    assert within == pytest.approx(float(fit.scale), rel=1e-4)
    a, e = _profile_reml(frame)
    assert between == pytest.approx(a, rel=1e-4)
    assert within == pytest.approx(e, rel=1e-4)
    assert vc.total_variance == pytest.approx(between + within)


def test_unbalanced_nested_reml_matches_statsmodels() -> None:
    rng = np.random.default_rng(8)
    rows = []
    for analyst in range(5):
        ea = rng.normal(0, 0.8)
        for day in range(3 if analyst % 2 else 2):
            ed = rng.normal(0, 0.6)
            for _ in range(2 + (analyst + day) % 3):
                rows.append({"analyst": f"A{analyst}", "day": day,
                             "assay": 100 + ea + ed + rng.normal(0, 0.4)})  # fmt: skip
    frame = pd.DataFrame(rows)
    vc = variance_components.variance_components(frame, "assay", ["analyst", "day"])
    frame["day_in_analyst"] = frame["analyst"] + "-" + frame["day"].astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm(
            "assay ~ 1",
            frame,
            groups="analyst",
            re_formula="1",
            vc_formula={"day": "0 + C(day_in_analyst)"},
        ).fit(reml=True, method="bfgs")
    assert vc.component("analyst").variance == pytest.approx(
        float(fit.cov_re.iloc[0, 0]), rel=1e-3, abs=1e-6
    )
    assert vc.component("day within analyst").variance == pytest.approx(
        float(fit.vcomp[0]), rel=1e-3, abs=1e-6
    )
    assert vc.component("repeatability").variance == pytest.approx(float(fit.scale), rel=1e-3)


def test_balanced_anova_estimates_and_intervals() -> None:
    frame = _one_way(3, [4] * 6)
    vc = variance_components.variance_components(frame, "assay", "day")
    assert vc.balanced and vc.method == "ANOVA (balanced)"
    groups = frame.groupby("day")["assay"]
    ms_e = float(((frame["assay"] - groups.transform("mean")) ** 2).sum()) / (24 - 6)
    ms_a = 4 * float(((groups.mean() - frame["assay"].mean()) ** 2).sum()) / 5
    assert vc.component("day").variance == pytest.approx((ms_a - ms_e) / 4)
    assert vc.component("repeatability").variance == pytest.approx(ms_e)
    # modified large-sample (Graybill-Wang) interval of σa² + σe² = MSa/4 + 3·MSe/4
    c = np.array([0.25, 0.75])
    ms, df = np.array([ms_a, ms_e]), np.array([5.0, 18.0])
    g = 1 - df / sps.chi2.ppf(0.975, df)
    h = df / sps.chi2.ppf(0.025, df) - 1
    total = float(c @ ms)
    lo = total - math.sqrt(np.sum((g * c * ms) ** 2))
    hi = total + math.sqrt(np.sum((h * c * ms) ** 2))
    assert vc.ci_total_variance == pytest.approx((lo, hi))
    sat = variance_components.variance_components(frame, "assay", "day", ci="satterthwaite")
    nu = total**2 / np.sum((c * ms) ** 2 / df)
    expected = (nu * total / sps.chi2.ppf(0.975, nu), nu * total / sps.chi2.ppf(0.025, nu))
    assert sat.ci_total_variance == pytest.approx(expected)
    assert "Satterthwaite" in sat.ci_method
    # REML on balanced data with a positive estimate is the ANOVA estimate
    reml = variance_components.variance_components(frame, "assay", "day", method="reml")
    assert reml.component("day").variance == pytest.approx(vc.component("day").variance, rel=1e-4)


def test_balanced_nested_anova_equals_reml() -> None:
    rng = np.random.default_rng(13)
    rows = [
        {"analyst": a, "day": d, "assay": 50 + ea + ed + rng.normal(0, 0.3)}
        for a, ea in enumerate(rng.normal(0, 0.5, 4))
        for d, ed in enumerate(rng.normal(0, 0.4, 3))
        for _ in range(2)
    ]
    frame = pd.DataFrame(rows)
    anova = variance_components.variance_components(frame, "assay", ["analyst", "day"])
    reml = variance_components.variance_components(
        frame, "assay", ["analyst", "day"], method="reml"
    )
    assert anova.balanced
    for a, b in zip(anova.components, reml.components, strict=True):
        if a.variance > 0:
            assert a.variance == pytest.approx(b.variance, rel=1e-3)


def test_negative_anova_estimate_is_set_to_zero_and_said() -> None:
    frame = pd.DataFrame({"day": np.repeat([1, 2, 3], 3),
                          "assay": [1.0, 3.0, 2.0, 2.0, 1.0, 3.0, 3.0, 2.0, 1.0]})  # fmt: skip
    vc = variance_components.variance_components(frame, "assay", "day")
    assert vc.component("day").variance == 0.0
    assert "negative" in " ".join(vc.notes)


def test_variance_components_bad_input() -> None:
    with pytest.raises(NotEstimableError, match="one value"):
        variance_components.variance_components(
            pd.DataFrame({"d": [1, 2, 3], "y": [1.0, 2.0, 3.0]}), "y", "d"
        )
    with pytest.raises(NotEstimableError, match="do not vary"):
        variance_components.variance_components(
            pd.DataFrame({"d": [1, 1, 2, 2], "y": [1.0] * 4}), "y", "d"
        )
    with pytest.raises(StatsInputError, match="row 1"):
        variance_components.variance_components(
            pd.DataFrame({"d": [1, 1, 2, 2], "y": [1.0, "x", 2.0, 3.0]}), "y", "d"
        )


# --- LOD / LOQ and the combined approach ------------------------------------------------


def test_lod_and_loq_formulas() -> None:
    x = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 3.0])
    y = np.array([0.052, 0.098, 0.153, 0.197, 0.251, 0.302])
    fit = validation.linearity(x, y)
    res = validation.lod_loq(x, y)
    assert res.lod == pytest.approx(3.3 * fit.residual_sd / fit.slope)
    assert res.loq == pytest.approx(10 * fit.residual_sd / fit.slope)
    icp = validation.lod_loq(x, y, sigma="intercept")
    assert icp.lod == pytest.approx(3.3 * fit.intercept_se / fit.slope)
    assert "intercept" in icp.sigma_basis
    with pytest.raises(NotEstimableError, match="slope"):
        validation.lod_loq(x, y[::-1])
    sn = validation.lod_signal_to_noise(0.05, signal=12.0, noise=2.0)
    assert sn.signal_to_noise == 12.0 and sn.lod == pytest.approx(0.0125)
    with pytest.raises(StatsInputError, match="noise must be a positive"):
        validation.lod_signal_to_noise(0.05, 12.0, 0.0)


def test_combined_accuracy_and_precision() -> None:
    nominal = np.repeat([80.0, 100.0, 120.0], 6)
    rng = np.random.default_rng(2)
    measured = nominal * (1 + rng.normal(0.0, 0.01, nominal.size))
    r = validation.accuracy_precision(nominal, measured, limits=(90, 110))
    rec = 100 * measured[:6] / nominal[:6]
    k = tolerance_factor(6, 0.95, 0.95)
    m, s = rec.mean(), rec.std(ddof=1)
    assert r.levels[0].k == pytest.approx(k)
    assert (r.levels[0].lower, r.levels[0].upper) == pytest.approx((m - k * s, m + k * s))
    assert r.passed
    beta = validation.accuracy_precision(nominal, measured, interval="expectation")
    q = sps.t.ppf(0.975, 5) * math.sqrt(1 + 1 / 6)
    assert beta.levels[0].k == pytest.approx(q)
    tight = validation.accuracy_precision(nominal, measured, limits=(99.5, 100.5))
    assert not tight.passed


# --- acceptance criteria and the report --------------------------------------------------


def _results() -> dict:
    frame = _one_way(3, [3] * 6)
    return {
        "linearity": validation.linearity(CONC, RESP, target=100.0),
        "accuracy": validation.accuracy(NOMINAL, MEASURED),
        "repeatability": validation.repeatability([100.2, 99.8, 100.1, 99.9, 100.3, 100.0]),
        "intermediate": validation.intermediate_precision(frame, "assay", "day"),
        "limits": validation.lod_loq(CONC, RESP),
        "combined": validation.accuracy_precision(NOMINAL, MEASURED, limits=(95, 105)),
    }


def test_assess_against_the_protocol() -> None:
    res = _results()
    criteria = validation.AcceptanceCriteria(
        linearity_r_min=0.999,
        intercept_percent_max=2.0,
        recovery_limits=(98.0, 102.0),
        repeatability_rsd_max=1.0,
        intermediate_rsd_max=0.1,
        loq_max=100.0,
    )
    checks = validation.assess(criteria, **res)
    verdicts = {(c.test, c.criterion): c.verdict for c in checks}
    assert verdicts[("linearity", "r ≥ 0.999")] == "pass"
    assert verdicts[("intermediate precision", "RSD ≤ 0.1 %")] == "fail"
    assert sum(c.test.startswith("accuracy, level") for c in checks) == 3
    missing = validation.assess(criteria)  # no results: nothing passes silently
    assert {c.verdict for c in missing} == {"not assessed"}


def test_report_as_html_and_pdf(tmp_path: Path) -> None:
    res = _results()
    criteria = validation.AcceptanceCriteria(
        linearity_r_min=0.999,
        recovery_limits=(98.0, 102.0),
        repeatability_rsd_max=2.0,
        combined_limits=(95.0, 105.0),
    )
    report = validation_report.build_report(criteria, method="HPLC assay", analyte="API-1", **res)
    assert report.verdict in ("pass", "fail")
    html_text = validation_report.render_html(report)
    needles = (
        "Linearity and range",
        "Accuracy",
        "Repeatability",
        "Intermediate precision",
        "Detection and quantitation limits",
        "data:image/png;base64",
        "API-1",
    )
    for needle in needles:
        assert needle in html_text
    visible = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html_text)
    assert re.search(r"\bnan\b", visible, re.IGNORECASE) is None
    out = validation_report.write_html(report, tmp_path / "report.html")
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    pdf = validation_report.write_pdf(report, tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 5000
    json.dumps(report.to_dict(), allow_nan=False, default=str)
    partial = validation_report.build_report(criteria, linearity=res["linearity"])
    assert partial.verdict == "incomplete"
    assert "not assessed" in validation_report.render_html(partial)
