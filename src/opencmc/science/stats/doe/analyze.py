"""Analysis of a designed experiment: effects, coefficients, ANOVA, Lenth, lack of fit, reduction.

The fit is the project's least-squares core (:func:`opencmc.science.stats.regression.ols`)
on the model matrix in coded units. For a two-level design coded -1/+1, each effect is
the difference between the mean response at the high and at the low level, which is
twice the coefficient. A saturated model (as many terms as runs) leaves no error
degrees of freedom: its effects are judged by Lenth's pseudo standard error.

The result object lives in :mod:`.analysis`, reading the run sheet in :mod:`.run_data`
and the fitting in :mod:`.fitting`; this module puts them together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._validation import StatsInputError, check_level
from .analysis import Analysis, LenthResult
from .factors import Factor, Model
from .fitting import _default_terms, _estimable, _fit, _p_f, _pure_error, _sse_without
from .run_data import BOOKKEEPING, _factors_and_coding, _response, _row_labels

__all__ = [
    "BOOKKEEPING",
    "Analysis",
    "LenthResult",
    "analyze",
    "analyze_responses",
    "factor_columns",
    "lenth",
]


def lenth(effects: Mapping[str, float] | Sequence[float], alpha: float = 0.05) -> LenthResult:
    """Lenth's PSE, ME = t(1 - alpha/2, m/3) PSE and SME with gamma = (1 + (1-alpha)^(1/m))/2.

    ``s0 = 1.5 median |c|``; ``PSE = 1.5 median{|c| : |c| < 2.5 s0}``. Effects beyond the
    margin of error are listed as active.

    >>> r = lenth({"A": 23.0, "B": -5.0, "C": 1.5, "AB": 1.5, "AC": 10.0, "BC": 0.0, "ABC": 0.5})
    >>> r.pse, round(r.margin_of_error, 3)
    (2.25, 8.469)
    """
    check_level(alpha, "alpha")
    if isinstance(effects, Mapping):
        names = [str(k) for k in effects]
        c = np.abs(np.asarray(list(effects.values()), dtype=float))
    else:
        c = np.abs(np.asarray(effects, dtype=float))
        names = [str(i) for i in range(len(c))]
    m = len(c)
    if m < 3:
        raise StatsInputError(f"Lenth's method needs at least 3 effects, got {m}")
    s0 = 1.5 * float(np.median(c))
    small = c[c < 2.5 * s0]
    pse = 1.5 * float(np.median(small)) if small.size else 0.0
    d = m / 3.0
    me = float(sps.t.ppf(1 - alpha / 2, d)) * pse
    gamma = (1 + (1 - alpha) ** (1.0 / m)) / 2
    sme = float(sps.t.ppf(gamma, d)) * pse
    active = tuple(n for n, v in zip(names, c, strict=True) if v > me)
    return LenthResult(pse, d, me, sme, alpha, active)


def analyze(
    runs: pd.DataFrame,
    response: str,
    factors: Any = None,
    model: str | Sequence[str] | None = None,
    *,
    alpha: float = 0.05,
    reduce: bool = False,
) -> Analysis:
    """Analyse a designed experiment: effects, coefficients, ANOVA and diagnostics.

    ``runs`` is the run sheet (one row per run); ``response`` names its column;
    ``factors`` are column names (coded from the data: the two levels become -1/+1),
    :class:`Factor` objects (coded on their declared ranges, values outside them are an
    error) or the :class:`Design` the runs came from; by default every other numeric
    column. ``model`` is a named model or a list of terms (``["A", "B", "A:B"]``); by
    default every estimable interaction for two-level designs and the full quadratic
    otherwise. ``reduce=True`` removes insignificant terms (at ``alpha``) backwards,
    keeping the model hierarchical.

    >>> runs = pd.DataFrame({"A": [-1, 1, -1, 1], "B": [-1, -1, 1, 1], "y": [10, 14, 11, 17]})
    >>> r = analyze(runs, response="y")
    >>> r.effects
    {'A': 5.0, 'B': 2.0, 'A:B': 1.0}
    >>> r.coefficients["A"]
    2.5
    """
    check_level(alpha, "alpha")
    if not isinstance(runs, pd.DataFrame):
        raise StatsInputError(f"runs must be a pandas DataFrame, got {type(runs).__name__}")
    if len(runs) == 0:
        raise StatsInputError("the run sheet has no rows")
    runs = runs.reset_index(drop=True)
    labels = _row_labels(runs)
    y = _response(runs, response, labels)
    facs, coded, coding = _factors_and_coding(runs, response, factors, labels)
    explicit = model is not None
    if model is None:
        _key, terms = _default_terms(facs, coded)
        mdl = Model(facs, tuple(terms), intercept=not any(f.kind == "mixture" for f in facs))
    else:
        mdl = Model.build(facs, model)
    n = len(y)
    p_req = mdl.n_columns
    if explicit and p_req > n:
        raise StatsInputError(
            f"the model has {p_req} coefficients ({len(mdl.terms)} terms"
            f"{' plus the intercept' if mdl.intercept else ''}) but only {n} runs; "
            "drop terms or add runs"
        )
    mdl, aliases = _estimable(mdl, coded, explicit)
    notes: list[str] = []
    if aliases:
        notes.append(
            "not estimable separately (aliased), left out: "
            + "; ".join(f"{k} = {' = '.join(v)}" for k, v in aliases.items())
        )
    removed: list[str] = []
    if reduce:
        mdl, removed = _reduce(mdl, coded, y, alpha)
        if removed:
            notes.append("removed by hierarchical backward elimination: " + ", ".join(removed))
    return _analysis(runs, response, y, facs, coded, coding, mdl, aliases, removed, notes, alpha)


def factor_columns(runs: pd.DataFrame, responses: Sequence[str]) -> list[str]:
    """The default factors of a run sheet: every numeric column that is not a response.

    Bookkeeping columns (run, standard order, block) are left out too.

    >>> factor_columns(pd.DataFrame({"run": [1], "T": [160], "y1": [2.0], "y2": [3.0]}), ["y1"])
    ['T', 'y2']
    """
    return [
        str(c)
        for c in runs.columns
        if c not in responses
        and str(c).strip().lower() not in BOOKKEEPING
        and pd.api.types.is_numeric_dtype(runs[c])
    ]


def analyze_responses(
    runs: pd.DataFrame,
    responses: Sequence[str],
    factors: Any = None,
    model: str | Sequence[str] | None = None,
    *,
    alpha: float = 0.05,
    reduce: bool = False,
) -> dict[str, Analysis]:
    """:func:`analyze` each response on the same factors, keyed by response.

    By default the factors are every numeric column that is none of the responses, so
    that one response is never taken for a factor of another.
    """
    names = list(dict.fromkeys(str(r) for r in responses))
    if not names:
        raise StatsInputError("name at least one response column")
    if not isinstance(runs, pd.DataFrame):
        raise StatsInputError(f"runs must be a pandas DataFrame, got {type(runs).__name__}")
    if factors is None:
        factors = factor_columns(runs, names)
        if not factors:
            raise StatsInputError("no numeric factor columns besides the response(s)")
    return {r: analyze(runs, r, factors, model, alpha=alpha, reduce=reduce) for r in names}


def _reduce(mdl: Model, coded: np.ndarray, y: np.ndarray, alpha: float) -> tuple[Model, list[str]]:
    removed: list[str] = []
    x = mdl.matrix(coded)
    if x.shape[0] == x.shape[1]:  # saturated: Lenth picks the active effects first
        fit = _fit(x, y, mdl.intercept)
        eff = {t.name: 2 * float(fit.beta[sl.start]) for t, sl in mdl.term_slices()}
        active = set(lenth(eff, alpha).active)
        keep = [t for t in mdl.terms if t.name in active]
        keep_full = [t for t in mdl.terms if t in keep or any(k.contains(t) for k in keep)]
        removed = [t.name for t in mdl.terms if t not in keep_full]
        mdl = Model(mdl.factors, tuple(keep_full), mdl.intercept)
    while True:
        x = mdl.matrix(coded)
        n, p = x.shape
        if n <= p or not mdl.terms:
            return mdl, removed
        fit = _fit(x, y, mdl.intercept)
        mse = fit.sse / fit.df
        worst, worst_p = None, alpha
        for t, sl in mdl.term_slices():
            if any(o is not t and o.contains(t) for o in mdl.terms):
                continue  # hierarchy: a term stays while a higher-order term needs it
            ss = _sse_without(x, y, sl) - fit.sse
            _f, pv = _p_f(ss / (sl.stop - sl.start), mse, sl.stop - sl.start, fit.df)
            if pv is not None and pv > worst_p:
                worst, worst_p = t, pv
        if worst is None:
            return mdl, removed
        removed.append(worst.name)
        mdl = Model(mdl.factors, tuple(t for t in mdl.terms if t is not worst), mdl.intercept)


def _analysis(
    runs: pd.DataFrame,
    response: str,
    y: np.ndarray,
    facs: tuple[Factor, ...],
    coded: np.ndarray,
    coding: dict[str, Any],
    mdl: Model,
    aliases: dict[str, list[str]],
    removed: list[str],
    notes: list[str],
    alpha: float,
) -> Analysis:
    x = mdl.matrix(coded)
    n, p = x.shape
    fit = _fit(x, y, mdl.intercept)
    cols = mdl.column_names()
    beta = fit.beta
    coefficients = {c: float(b) for c, b in zip(cols, beta, strict=True)}
    single = {t.name: sl.start for t, sl in mdl.term_slices() if sl.stop - sl.start == 1}
    effects = {
        t.name: 2.0 * float(beta[single[t.name]])
        for t in mdl.terms
        if t.name in single and not any(t.factors.count(f) > 1 for f in t.factors)
    }
    df = fit.df
    ybar = float(np.mean(y))
    sst = float(np.sum((y - ybar) ** 2)) if mdl.intercept else float(np.sum(y**2))
    r2 = 1.0 - fit.sse / sst if sst > 0 else 1.0
    se: dict[str, float] = {}
    tv: dict[str, float] = {}
    pv: dict[str, float] = {}
    mse = fit.sse / df if df > 0 else None
    if df > 0 and fit.cov is not None:
        sd = np.sqrt(np.clip(np.diag(fit.cov), 0, None))
        for c, b, s in zip(cols, beta, sd, strict=True):
            se[c] = float(s)
            tv[c] = float(b / s) if s > 0 else math.inf
            pv[c] = float(2 * sps.t.sf(abs(tv[c]), df)) if s > 0 else 0.0
    # ANOVA: partial (type III) sums of squares of each term
    anova: list[dict[str, Any]] = []
    ss_model = sst - fit.sse
    anova.append({"source": "Model", "df": p - (1 if mdl.intercept else 0), "ss": ss_model})
    for t, sl in mdl.term_slices():
        k = sl.stop - sl.start
        ss = _sse_without(x, y, sl) - fit.sse
        anova.append({"source": t.name, "df": k, "ss": max(ss, 0.0)})
    anova.append({"source": "Residual", "df": df, "ss": fit.sse})
    # curvature: two-level factorial with centre points and no pure quadratic term
    centre = np.all(np.isclose(coded, 0.0), axis=1)
    two_level = np.all(np.isclose(np.abs(coded[~centre]), 1.0)) if (~centre).any() else False
    ss_pe, df_pe = _pure_error(coded, y)
    curvature = None
    if centre.any() and two_level and not any(t.is_pure_power for t in mdl.terms) and mdl.intercept:
        nf, nc = int((~centre).sum()), int(centre.sum())
        yf, yc = float(y[~centre].mean()), float(y[centre].mean())
        ss_c = nf * nc * (yf - yc) ** 2 / (nf + nc)
        f, pc = _p_f(ss_c, ss_pe / df_pe if df_pe else 0.0, 1, df_pe)
        curvature = {
            "ss": ss_c,
            "df": 1,
            "mean_factorial": yf,
            "mean_centre": yc,
            "difference": yf - yc,
            "F": f,
            "p_value": pc,
            "tested_against": "pure error",
        }
        anova.append({"source": "  Curvature", "df": 1, "ss": ss_c})
    lack = None
    if df_pe > 0 and df - df_pe > 0:
        ss_lof = max(fit.sse - ss_pe, 0.0)
        df_lof = df - df_pe
        f, pl = _p_f(ss_lof / df_lof, ss_pe / df_pe, df_lof, df_pe)
        lack = {
            "ss": ss_lof,
            "df": df_lof,
            "F": f,
            "p_value": pl,
            "pure_error_ss": ss_pe,
            "pure_error_df": df_pe,
        }
        anova.append({"source": "  Lack of fit", "df": df_lof, "ss": ss_lof})
    if df_pe > 0:
        anova.append({"source": "  Pure error", "df": df_pe, "ss": ss_pe})
    anova.append({"source": "Total", "df": n - (1 if mdl.intercept else 0), "ss": sst})
    for row in anova:
        row["ms"] = row["ss"] / row["df"] if row["df"] else None
        if row["source"] in ("Residual", "Total", "  Pure error") or mse is None:
            continue
        if row["source"] in ("  Lack of fit", "  Curvature"):
            if df_pe > 0:
                row["F"], row["p_value"] = _p_f(row["ms"], ss_pe / df_pe, row["df"], df_pe)
            continue
        row["F"], row["p_value"] = _p_f(row["ms"], mse, row["df"], df)
    adj = 1 - (1 - r2) * (n - 1) / df if df > 0 and mdl.intercept else None
    pred = None
    if np.all(fit.leverage < 1 - 1e-9) and sst > 0:
        press = float(np.sum((fit.resid / (1 - fit.leverage)) ** 2))
        pred = 1 - press / sst
    len_res = None
    if df == 0 and len(effects) >= 3:
        len_res = lenth(effects, alpha)
        notes.append(
            "saturated model: no error degrees of freedom; effects are judged by Lenth's PSE"
        )
    return Analysis(
        response=response,
        factors=facs,
        model=mdl,
        coefficients=coefficients,
        effects=effects,
        standard_errors=se,
        t_values=tv,
        p_values=pv,
        anova=anova,
        r_squared=float(r2),
        adj_r_squared=adj,
        pred_r_squared=pred,
        residual_sd=None if mse is None else math.sqrt(mse),
        df_resid=df,
        n_runs=n,
        grand_mean=ybar,
        lenth=len_res,
        curvature=curvature,
        lack_of_fit=lack,
        aliases=aliases,
        removed=tuple(removed),
        coding=coding,
        notes=tuple(notes),
        coded=coded,
        y=y,
        fitted=y - fit.resid,
        residuals=fit.resid,
        leverage=fit.leverage,
        covariance=fit.cov,
        coefficient_vector=beta,
    )
