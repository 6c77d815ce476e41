"""Variance components of a one-way or nested random design (intermediate precision).

Designs: one factor (e.g. runs or days, replicates within each) or two nested factors
(e.g. analysts, days within analyst, replicates within day). The innermost variance is
the repeatability; the sum of all components is the intermediate-precision variance.

* Balanced data: ANOVA (expected mean squares) estimates; a negative estimate is set to
  0 and said so.
* Unbalanced data: REML, fitted with statsmodels' ``MixedLM``.

The confidence interval of the total variance uses the ANOVA mean squares ``MS_q``
(Henderson's method I coefficients when unbalanced) written as ``Σ c_q MS_q``: either
Satterthwaite's approximate chi-square (``ci="satterthwaite"``) or the modified
large-sample interval of Graybill and Wang (1980) (``ci="mls"``, the default; it needs
every ``c_q ≥ 0``, which always holds for balanced designs, and falls back to
Satterthwaite otherwise, with a note). Burdick and Graybill (1992) give both.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from ._quality import NotEstimableError, fmt
from ._validation import StatsInputError, check_choice, check_level, numeric_column, require_columns


@dataclass(frozen=True)
class Component:
    """One variance component: its estimate, SD and share of the total."""

    source: str
    variance: float
    sd: float
    percent_of_total: float

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class AnovaRow:
    source: str
    df: float
    ss: float
    ms: float

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class VarianceComponents:
    """Variance components, the total (intermediate precision) and its interval.

    ``components`` run from the outermost factor to the residual ("repeatability").
    ``total_variance`` is their sum; ``ci_total_variance`` its two-sided interval by
    ``ci_method``. RSDs are in % of the grand mean (``None`` when the mean is 0).
    """

    factors: tuple[str, ...]
    value: str
    n: int
    mean: float
    balanced: bool
    method: str
    components: tuple[Component, ...]
    total_variance: float
    total_sd: float
    repeatability_sd: float
    rsd_total: float | None
    rsd_repeatability: float | None
    confidence: float
    ci_total_variance: tuple[float, float]
    ci_total_sd: tuple[float, float]
    ci_method: str
    anova: tuple[AnovaRow, ...]
    notes: tuple[str, ...] = field(default=())

    def component(self, source: str) -> Component:
        for c in self.components:
            if c.source == source:
                return c
        raise KeyError(source)

    def summary(self) -> str:
        lines = [f"Variance components of {self.value} ({self.method}); n = {self.n}"]
        for c in self.components:
            lines.append(
                f"  {c.source:<16} variance {c.variance:.4g}  SD {c.sd:.4g}  "
                f"({c.percent_of_total:.1f} % of total)"
            )
        lo, hi = self.ci_total_sd
        lines.append(
            f"  intermediate precision SD {self.total_sd:.4g} "
            f"(RSD {fmt(self.rsd_total)} %), {self.confidence:.0%} CI {lo:.4g} to {hi:.4g} "
            f"({self.ci_method})"
        )
        lines.append(
            f"  repeatability SD {self.repeatability_sd:.4g} (RSD {fmt(self.rsd_repeatability)} %)"
        )
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for k in self.__dataclass_fields__:
            v = getattr(self, k)
            if k in ("components", "anova"):
                v = [x.to_dict() for x in v]
            elif isinstance(v, tuple):
                v = list(v)
            d[k] = v
        return d


def _mls(
    coef: np.ndarray, ms: np.ndarray, df: np.ndarray, confidence: float
) -> tuple[float, float]:
    a = 1.0 - confidence
    t = float(np.sum(coef * ms))
    g = 1.0 - df / sps.chi2.ppf(1 - a / 2, df)
    h = df / sps.chi2.ppf(a / 2, df) - 1.0
    lo = t - math.sqrt(float(np.sum((g * coef * ms) ** 2)))
    hi = t + math.sqrt(float(np.sum((h * coef * ms) ** 2)))
    return max(lo, 0.0), hi


def _satterthwaite(
    coef: np.ndarray, ms: np.ndarray, df: np.ndarray, confidence: float
) -> tuple[tuple[float, float], float]:
    a = 1.0 - confidence
    terms = coef * ms
    t = float(np.sum(terms))
    nu = t * t / float(np.sum(terms**2 / df))
    return (nu * t / sps.chi2.ppf(1 - a / 2, nu), nu * t / sps.chi2.ppf(a / 2, nu)), nu


def _reml_statsmodels(frame: pd.DataFrame, factors: Sequence[str]) -> tuple[list[float], list[str]]:
    """REML variances (outer factor, [inner factor], residual) from statsmodels MixedLM."""
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    notes: list[str] = []
    data = frame.rename(columns={"value": "y"})
    data["A"] = data["A"].astype(str)
    kwargs: dict[str, Any] = {"groups": "A", "re_formula": "1"}
    if len(factors) == 2:
        data["B"] = data["B"].astype(str)
        kwargs["vc_formula"] = {"B": "0 + C(B)"}
    best, best_llf = None, -np.inf
    caught: list[Any] = []
    for opt in ("bfgs", "lbfgs", "powell", "nm"):
        # statsmodels' optimisers differ in where they stop (lbfgs can stall at a
        # boundary with an infinite likelihood); keep the best finite REML fit.
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                fit = smf.mixedlm("y ~ 1", data, **kwargs).fit(reml=True, method=opt)
                llf = float(fit.llf)
            except (np.linalg.LinAlgError, ValueError):
                continue
        if np.isfinite(llf) and llf > best_llf + 1e-9:
            best, best_llf, caught = fit, llf, list(seen)
    if best is None:
        raise NotEstimableError("the REML fit did not converge (statsmodels MixedLM)")
    fit = best
    for w in caught:
        if issubclass(w.category, ConvergenceWarning | UserWarning | RuntimeWarning):
            text = " ".join(str(w.message).split()).lower()
            if "boundary" in text or "singular" in text:
                notes.append("REML estimate on the boundary: a component is estimated as zero")
            elif "hessian" not in text:
                notes.append(f"statsmodels: {text}")
    outer = max(float(np.asarray(fit.cov_re)[0, 0]), 0.0)
    variances = [outer]
    if len(factors) == 2:
        variances.append(max(float(np.asarray(fit.vcomp)[0]), 0.0))
    variances.append(float(fit.scale))
    return variances, sorted(set(notes), key=notes.index)


def variance_components(
    data: pd.DataFrame,
    value: str,
    factors: str | Sequence[str],
    *,
    method: str = "auto",
    ci: str = "mls",
    confidence: float = 0.95,
) -> VarianceComponents:
    """Variance components of ``value`` for one factor or two nested factors (outer first).

    ``method`` is "auto" (ANOVA when balanced, REML otherwise), "anova" or "reml".

    >>> df = pd.DataFrame({"day": [1, 1, 1, 2, 2, 2, 3, 3, 3],
    ...                    "assay": [99.8, 100.1, 100.0, 100.6, 100.9, 100.4, 99.5, 99.9, 99.6]})
    >>> vc = variance_components(df, "assay", "day")
    >>> vc.method, round(vc.total_sd, 4)
    ('ANOVA (balanced)', 0.5232)
    """
    factors = [factors] if isinstance(factors, str) else list(factors)
    if not 1 <= len(factors) <= 2:
        raise StatsInputError("give one factor, or two nested factors (outer first)")
    check_choice(method, "method", ("auto", "anova", "reml"))
    check_choice(ci, "ci", ("mls", "satterthwaite"))
    confidence = check_level(confidence, "confidence")
    require_columns(data, [value, *factors])
    for f in factors:
        if data[f].isna().any():
            row = data.index[int(np.flatnonzero(data[f].isna().to_numpy())[0])]
            raise StatsInputError(f"column {f!r}, row {row}: the factor level is empty")
    y = numeric_column(data, value)
    frame = pd.DataFrame({"value": y, "A": data[factors[0]].to_numpy()})
    if len(factors) == 2:
        # nested: a level of B is identified within its A
        frame["B"] = list(
            zip(data[factors[0]].to_numpy(), data[factors[1]].to_numpy(), strict=True)
        )
    n = int(y.size)
    notes: list[str] = []
    grand = float(y.mean())
    if np.all(y == y[0]):
        raise NotEstimableError(
            f"the values of {value!r} do not vary: variance components are not estimable"
        )
    ga = frame.groupby("A", sort=False)["value"]
    a = ga.ngroups
    if a < 2:
        raise NotEstimableError(f"factor {factors[0]!r} needs at least 2 levels, got {a}")
    n_i = ga.size().to_numpy(dtype=float)
    mean_i = ga.mean().to_numpy()
    ss_a = float(np.sum(n_i * (mean_i - grand) ** 2))
    df_a = a - 1.0
    if len(factors) == 1:
        resid = y - frame.groupby("A", sort=False)["value"].transform("mean").to_numpy()
        ss_e = float(np.sum(resid**2))
        df_e = float(n - a)
        if df_e <= 0:
            raise NotEstimableError(
                f"every level of {factors[0]!r} has one value: repeatability is confounded "
                "with the factor; replicate within levels"
            )
        ms_a, ms_e = ss_a / df_a, ss_e / df_e
        n0 = (n - float(np.sum(n_i**2)) / n) / df_a
        balanced = bool(np.all(n_i == n_i[0]))
        anova = (
            AnovaRow(factors[0], df_a, ss_a, ms_a),
            AnovaRow("residual", df_e, ss_e, ms_e),
        )
        ms = np.array([ms_a, ms_e])
        dfs = np.array([df_a, df_e])
        coef = np.array([1.0 / n0, 1.0 - 1.0 / n0])
        anova_est = [(ms_a - ms_e) / n0, ms_e]
    else:
        gb = frame.groupby("B", sort=False)["value"]
        n_ij = gb.size().to_numpy(dtype=float)
        mean_ij = gb.mean().to_numpy()
        owner = [k[0] for k in gb.size().index]
        parent_mean = pd.Series(mean_i, index=ga.mean().index).loc[owner].to_numpy()
        b_total = gb.ngroups
        ss_b = float(np.sum(n_ij * (mean_ij - parent_mean) ** 2))
        df_b = float(b_total - a)
        resid = y - gb.transform("mean").to_numpy()
        ss_e = float(np.sum(resid**2))
        df_e = float(n - b_total)
        if df_b <= 0:
            raise NotEstimableError(
                f"each level of {factors[0]!r} has one level of {factors[1]!r}: "
                "the nested factor is not estimable"
            )
        if df_e <= 0:
            raise NotEstimableError(
                f"every level of {factors[1]!r} has one value: repeatability is confounded "
                "with it; replicate within levels"
            )
        ms_a, ms_b, ms_e = ss_a / df_a, ss_b / df_b, ss_e / df_e
        # Henderson's method I coefficients (reduce to b·n, n for balanced data)
        owner_n = pd.Series(n_i, index=ga.size().index).loc[owner].to_numpy()
        s_within = float(np.sum(n_ij**2 / owner_n))
        k1 = (n - s_within) / df_b
        k2 = (s_within - float(np.sum(n_ij**2)) / n) / df_a
        k3 = (n - float(np.sum(n_i**2)) / n) / df_a
        sig_b = (ms_b - ms_e) / k1
        sig_a = (ms_a - ms_e - k2 * sig_b) / k3
        anova_est = [sig_a, sig_b, ms_e]
        # total = sig_a + sig_b + ms_e as a combination of mean squares
        c_a = 1.0 / k3
        c_b = (1.0 - k2 / k3) / k1
        c_e = 1.0 - c_a - c_b
        coef = np.array([c_a, c_b, c_e])
        ms = np.array([ms_a, ms_b, ms_e])
        dfs = np.array([df_a, df_b, df_e])
        per_a = frame.groupby("A", sort=False)["B"].nunique().to_numpy()
        balanced = bool(np.all(n_ij == n_ij[0]) and np.all(per_a == per_a[0]))
        anova = (
            AnovaRow(factors[0], df_a, ss_a, ms_a),
            AnovaRow(f"{factors[1]} within {factors[0]}", df_b, ss_b, ms_b),
            AnovaRow("residual", df_e, ss_e, ms_e),
        )
    use_reml = method == "reml" or (method == "auto" and not balanced)
    if use_reml:
        estimates, fit_notes = _reml_statsmodels(frame, factors)
        notes.extend(fit_notes)
        label = "REML (statsmodels MixedLM)"
        if not balanced:
            notes.append("unbalanced design: components by REML; the interval uses ANOVA "
                         "(Henderson I) mean squares")  # fmt: skip
    else:
        estimates = list(anova_est)
        label = "ANOVA (balanced)" if balanced else "ANOVA (Henderson method I, unbalanced)"
        for i, v in enumerate(estimates[:-1]):
            if v < 0:
                notes.append(
                    f"the ANOVA estimate of the {factors[i]} variance is negative ({v:.4g}); "
                    "set to 0"
                )
                estimates[i] = 0.0
    sources = [*factors[: len(estimates) - 1]]
    if len(factors) == 2:
        sources[1] = f"{factors[1]} within {factors[0]}"
    sources.append("repeatability")
    total = float(sum(estimates))
    if total <= 0.0:
        raise NotEstimableError(
            f"the values of {value!r} do not vary: variance components are not estimable"
        )
    comps = tuple(
        Component(s, float(v), math.sqrt(max(v, 0.0)), 100.0 * v / total)
        for s, v in zip(sources, estimates, strict=True)
    )
    if ci == "mls" and np.all(coef >= 0):
        lo, hi = _mls(coef, ms, dfs, confidence)
        ci_label = "modified large-sample (Graybill-Wang)"
    else:
        (lo, hi), nu = _satterthwaite(coef, ms, dfs, confidence)
        ci_label = f"Satterthwaite, {nu:.3g} df"
        if ci == "mls":
            notes.append("a negative mean-square coefficient (unbalanced): Satterthwaite used")
    mean_ok = grand != 0.0
    rep = estimates[-1]
    if n < 6:
        notes.append(f"only {n} values: the intermediate precision is rough")
    return VarianceComponents(
        factors=tuple(factors),
        value=value,
        n=n,
        mean=grand,
        balanced=balanced,
        method=label,
        components=comps,
        total_variance=total,
        total_sd=math.sqrt(total),
        repeatability_sd=math.sqrt(rep),
        rsd_total=100.0 * math.sqrt(total) / abs(grand) if mean_ok else None,
        rsd_repeatability=100.0 * math.sqrt(rep) / abs(grand) if mean_ok else None,
        confidence=confidence,
        ci_total_variance=(float(lo), float(hi)),
        ci_total_sd=(math.sqrt(max(lo, 0.0)), math.sqrt(hi)),
        ci_method=ci_label,
        anova=anova,
        notes=tuple(notes),
    )
