"""Least-squares core against the eleven NIST StRD linear regression data sets.

Where the numbers come from
---------------------------
* Norris, Pontius, NoInt1, Longley: ``../shared/reference-cases/regression/strd_*.json``
  (certified values from https://www.itl.nist.gov/div898/strd/lls/data/<Name>.shtml).
* Filip, NoInt2, Wampler1-5: ``tests/science/data/strd/strd_*.json``, typed from the same
  NIST pages (Filip.shtml, NoInt2.shtml, Wampler1.shtml ... Wampler5.shtml). The
  transcription is checked below by an exact rational-arithmetic fit of the data files.

Digits are counted as the log relative error, -log10(|computed - certified| / |certified|),
the "LRE" NIST itself uses. Certified zeros (Wampler1/2 standard deviations) are compared
on the scale of the estimate they belong to.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from opencmc.science.stats import regression as reg
from opencmc.science.stats._validation import NonNumericError, RankDeficientError, StatsInputError

LOCAL = Path(__file__).parent / "data" / "strd"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "reference-cases" / "regression"

# name -> (folder, polynomial degree or None for multiple regression, intercept, digits).
# The issue asks for >= 9 digits (Filip >= 8); the solver reaches >= 13, so 11 leaves margin
# for other BLAS builds while still catching any real loss of accuracy.
CASES = {
    "norris": ("shared", 1, True, 11),
    "pontius": ("shared", 2, True, 11),
    "noint1": ("shared", 1, False, 11),
    "longley": ("shared", None, True, 11),
    "noint2": ("local", 1, False, 11),
    "filip": ("local", 10, True, 11),
    "wampler1": ("local", 5, True, 11),
    "wampler2": ("local", 5, True, 11),
    "wampler3": ("local", 5, True, 11),
    "wampler4": ("local", 5, True, 11),
    "wampler5": ("local", 5, True, 11),
}


def _load(name: str) -> tuple[pd.DataFrame, dict]:
    folder = LOCAL if CASES[name][0] == "local" else SHARED
    if not folder.exists():
        pytest.skip(f"reference cases not found at {folder} (needs ../shared next to the repo)")
    data = pd.read_csv(folder / f"strd_{name}.csv")
    cert = json.loads((folder / f"strd_{name}.json").read_text())["known_answers"]
    return data, cert


def _fit(name: str, data: pd.DataFrame) -> reg.RegressionResult:
    _, degree, intercept, _ = CASES[name]
    if degree is None:
        return reg.ols(data.drop(columns="y"), data["y"], intercept=intercept)
    return reg.polynomial(data["x"], data["y"], degree=degree, intercept=intercept)


def lre(computed: float, certified: float, scale: float | None = None) -> float:
    """NIST log relative error (digits of agreement), capped at 15."""
    denom = abs(certified) if certified != 0 else (scale or 1.0)
    err = abs(computed - certified) / denom
    return 15.0 if err == 0 else min(15.0, -np.log10(err))


@pytest.mark.parametrize("name", list(CASES))
def test_nist_strd_certified_values(name: str) -> None:
    """Every estimate, standard deviation, residual SD and R^2 to the required digits."""
    data, cert = _load(name)
    fit = _fit(name, data)
    need = CASES[name][3]
    beta = cert["parameter_estimates"]
    sds = cert["parameter_standard_deviations"]
    digits = []
    for b, c in zip(fit.coefficients, beta, strict=True):
        digits.append(lre(b, c))
    for s, c, b in zip(fit.standard_errors, sds, beta, strict=True):
        digits.append(lre(s, c, scale=abs(b)))
    digits.append(lre(fit.residual_sd, cert["residual_standard_deviation"], np.std(data["y"])))
    digits.append(lre(fit.r_squared, cert["r_squared"]))
    assert min(digits) >= need, f"{name}: {np.round(digits, 1)}"


def _exact_fit(x: list[Fraction], y: list[Fraction], degree: int, intercept: bool):
    """Least squares in exact rationals (normal equations are exact here)."""
    powers = range(0 if intercept else 1, degree + 1)
    rows = [[xi**k for k in powers] for xi in x]
    p = len(rows[0])
    a = [[sum(r[i] * r[j] for r in rows) for j in range(p)] for i in range(p)]
    b = [sum(r[i] * yi for r, yi in zip(rows, y, strict=True)) for i in range(p)]
    aug = [
        row[:] + [bi] + [Fraction(int(i == j)) for j in range(p)]
        for i, (row, bi) in enumerate(zip(a, b, strict=True))
    ]
    for col in range(p):
        piv = next(r for r in range(col, p) if aug[r][col] != 0)
        aug[col], aug[piv] = aug[piv], aug[col]
        pv = aug[col][col]
        aug[col] = [v / pv for v in aug[col]]
        for r in range(p):
            if r != col and aug[r][col] != 0:
                f = aug[r][col]
                aug[r] = [v - f * w for v, w in zip(aug[r], aug[col], strict=True)]
    coef = [aug[i][p] for i in range(p)]
    inv_diag = [aug[i][p + 1 + i] for i in range(p)]
    resid = [
        yi - sum(c * v for c, v in zip(coef, r, strict=True)) for r, yi in zip(rows, y, strict=True)
    ]
    sse = sum(e * e for e in resid)
    s2 = sse / (len(y) - p)
    return coef, [s2 * d for d in inv_diag], s2


@pytest.mark.parametrize(
    "name", ["noint2", "filip", "wampler1", "wampler2", "wampler3", "wampler4", "wampler5"]
)
def test_embedded_certified_values_are_transcribed_right(name: str) -> None:
    """The typed certified values equal an exact rational fit of the embedded data.

    Guards the transcription from the NIST pages: decimal data are exact rationals, so
    the least-squares answer is exact; it must match the 15 printed digits.
    """
    data = pd.read_csv(LOCAL / f"strd_{name}.csv", dtype=str)
    cert = json.loads((LOCAL / f"strd_{name}.json").read_text())["known_answers"]
    _, degree, intercept, _ = CASES[name]
    x = [Fraction(v) for v in data["x"]]
    y = [Fraction(v) for v in data["y"]]
    coef, var, s2 = _exact_fit(x, y, degree, intercept)
    for c, certified in zip(coef, cert["parameter_estimates"], strict=True):
        assert lre(float(c), certified) >= 13
    for v, certified, b in zip(
        var, cert["parameter_standard_deviations"], cert["parameter_estimates"], strict=True
    ):
        assert lre(float(v) ** 0.5, certified, scale=abs(b)) >= 13
    assert lre(float(s2) ** 0.5, cert["residual_standard_deviation"], scale=1.0) >= 13


def test_wampler_data_follow_their_generating_formulas() -> None:
    """Wampler1 is 1+x+...+x^5; Wampler3/4/5 add e, 100e, 10000e to it (NIST pages)."""
    x = np.arange(21)
    w1 = sum(x**k for k in range(6))
    y = {k: pd.read_csv(LOCAL / f"strd_wampler{k}.csv")["y"].to_numpy() for k in range(1, 6)}
    assert np.array_equal(y[1], w1)
    assert np.allclose(y[2], sum(x**k / 10.0**k for k in range(6)), rtol=0, atol=1e-12)
    e = y[3] - w1
    assert np.array_equal(y[4], w1 + 100 * e)
    assert np.array_equal(y[5], w1 + 10000 * e)
    assert np.array_equal(e, e[::-1])  # NIST's error sequence is symmetric


def test_predict_matches_statsmodels_intervals() -> None:
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 24, 30)
    y = 100 - 0.3 * x + rng.normal(0, 0.5, 30)
    fit = reg.polynomial(x, y, degree=1)
    ref = sm.OLS(y, sm.add_constant(x)).fit()
    new = np.array([0.0, 12.0, 36.0])
    frame = ref.get_prediction(sm.add_constant(new)).summary_frame(alpha=0.05)
    conf = fit.predict(new, interval="confidence", level=0.95)
    pred = fit.predict(new, interval="prediction", level=0.95)
    np.testing.assert_allclose(conf.mean, frame["mean"], rtol=1e-12)
    np.testing.assert_allclose(conf.lower, frame["mean_ci_lower"], rtol=1e-12)
    np.testing.assert_allclose(pred.upper, frame["obs_ci_upper"], rtol=1e-12)
    one = fit.predict(new, side="lower", level=0.95)
    frame90 = ref.get_prediction(sm.add_constant(new)).summary_frame(alpha=0.10)
    np.testing.assert_allclose(one.lower, frame90["mean_ci_lower"], rtol=1e-12)
    assert np.all(np.isinf(one.upper))
    np.testing.assert_allclose(fit.covariance, ref.cov_params(), rtol=1e-10)
    assert fit.to_dict()["df_resid"] == 28


def test_ols_multiple_columns_predict_and_names() -> None:
    df = pd.DataFrame({"a": [1.0, 2, 3, 4, 5, 6], "b": [2.0, 1, 4, 3, 6, 5]})
    y = 1 + 2 * df["a"] - df["b"] + np.array([0.1, -0.1, 0.05, 0.0, -0.05, 0.02])
    fit = reg.ols(df, y)
    assert fit.names == ("intercept", "a", "b")
    p = fit.predict([[7.0, 7.0]])
    np.testing.assert_allclose(p.mean, fit.coefficients @ [1, 7, 7], rtol=1e-12)
    ci = fit.confidence_interval(0.95)
    assert np.all(ci[:, 0] < fit.coefficients) and np.all(fit.coefficients < ci[:, 1])


def test_bad_input_is_named() -> None:
    with pytest.raises(NonNumericError, match="position 1"):
        reg.polynomial([1, "a", 3, 4], [1, 2, 3, 4], degree=1)
    with pytest.raises(NonNumericError):
        reg.ols([[1.0], [np.nan], [3.0]], [1, 2, 3])
    with pytest.raises(RankDeficientError):
        reg.ols([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0], [4.0, 8.0]], [1, 2, 3, 5])
    with pytest.raises(RankDeficientError):
        reg.ols([[1.0], [1.0], [1.0]], [1, 2, 3])
    with pytest.raises(StatsInputError, match="more observations"):
        reg.polynomial([1, 2], [1, 2], degree=1)
    with pytest.raises(StatsInputError, match="rows"):
        reg.ols([[1.0], [2.0], [3.0]], [1, 2])
    with pytest.raises(StatsInputError, match="interval"):
        reg.polynomial([1, 2, 3, 4], [1, 2, 3, 5], 1).predict([1], interval="tolerance")


@settings(derandomize=True, max_examples=60, deadline=None)
@given(
    a=st.floats(-1e3, 1e3),
    b=st.floats(-10, 10),
    shift=st.floats(-1e4, 1e4),
    noise=st.lists(st.floats(-1, 1), min_size=8, max_size=8),
)
def test_fit_is_equivariant_under_shift_of_x(a, b, shift, noise) -> None:
    """Shifting x moves only the intercept (b0 -> b0 - b1*shift); slope and s unchanged."""
    x = np.arange(8.0)
    y = a + b * x + np.array(noise)
    f1 = reg.polynomial(x, y, 1)
    f2 = reg.polynomial(x + shift, y, 1)
    assert np.isclose(f1.coefficients[1], f2.coefficients[1], rtol=1e-9, atol=1e-9)
    assert np.isclose(f1.residual_sd, f2.residual_sd, rtol=1e-7, atol=1e-9)
    assert np.isclose(
        f2.coefficients[0],
        f1.coefficients[0] - f1.coefficients[1] * shift,
        rtol=1e-8,
        atol=1e-6,
    )


@settings(derandomize=True, max_examples=40, deadline=None)
@given(level=st.floats(0.5, 0.999), t=st.floats(-10, 40))
def test_prediction_interval_contains_confidence_interval(level: float, t: float) -> None:
    x = np.array([0, 3, 6, 9, 12, 18, 24.0])
    y = np.array([100.1, 99.5, 99.2, 98.4, 98.0, 97.1, 96.0])
    fit = reg.polynomial(x, y, 1)
    c = fit.predict([t], "confidence", level)
    p = fit.predict([t], "prediction", level)
    assert p.lower[0] < c.lower[0] <= c.mean[0] <= c.upper[0] < p.upper[0]
