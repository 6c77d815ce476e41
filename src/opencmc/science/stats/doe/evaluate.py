"""Judging a design before running it: power, aliasing and correlation, prediction variance.

Power is the probability that the t test of a coefficient rejects at ``alpha`` when the
true effect (difference between the high and low level means, i.e. twice the coded
coefficient) is ``effect_size`` and the run-to-run standard deviation is ``sigma``:
non-central t with ``ncp = (effect_size / 2) / (sigma sqrt(c_jj))``, ``c_jj`` the
diagonal of ``(X'X)^-1``. The fraction of design space (FDS) curve sorts the scaled
prediction variance ``n f(x)' (X'X)^-1 f(x)`` over points spread uniformly on the region
(Zahran, Anderson-Cook and Myers 2003).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats as sps

from .._validation import StatsInputError, check_level
from .factors import Model, model_terms
from .optimal import evaluate_matrix, moment_matrix, sample_region
from .runsheet import Design, _jsonable


@dataclass(frozen=True, eq=False)
class DesignEvaluation:
    """Power per term, correlation and alias matrices, FDS curve and efficiencies."""

    design_kind: str
    n_runs: int
    terms: tuple[str, ...]
    power: dict[str, float]
    effect_size: float
    sigma: float
    alpha: float
    df_error: int
    correlation: np.ndarray = field(repr=False)
    correlation_terms: tuple[str, ...] = ()
    alias_matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)), repr=False)
    alias_terms: tuple[str, ...] = ()
    fds_fraction: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    fds_variance: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    efficiencies: dict[str, float] = field(default_factory=dict)

    def fds_quantile(self, fraction: float) -> float:
        """Scaled prediction variance not exceeded over this fraction of the region."""
        return float(np.interp(fraction, self.fds_fraction, self.fds_variance))

    def to_dict(self) -> dict[str, Any]:
        step = max(1, len(self.fds_fraction) // 100)
        return _jsonable(
            {
                "design_kind": self.design_kind,
                "n_runs": self.n_runs,
                "terms": list(self.terms),
                "power": self.power,
                "effect_size": self.effect_size,
                "sigma": self.sigma,
                "alpha": self.alpha,
                "df_error": self.df_error,
                "correlation_terms": list(self.correlation_terms),
                "correlation": self.correlation,
                "alias_terms": list(self.alias_terms),
                "alias_matrix": self.alias_matrix,
                "fds": {
                    "fraction": self.fds_fraction[::step],
                    "variance": self.fds_variance[::step],
                    "median": self.fds_quantile(0.5),
                    "max": float(self.fds_variance[-1]),
                },
                "efficiencies": self.efficiencies,
            }
        )

    def fds_plot(
        self, path: str | Path | None = None, others: Sequence[DesignEvaluation] = ()
    ) -> Any:
        from .plots import fds_plot

        return fds_plot([self, *others], path)

    def correlation_plot(self, path: str | Path | None = None) -> Any:
        from .plots import correlation_plot

        return correlation_plot(self, path)


def power(
    design: Design,
    model: Any = None,
    effect_size: float = 2.0,
    sigma: float = 1.0,
    alpha: float = 0.05,
) -> dict[str, float]:
    """Power of the two-sided t test of each model term (single-column terms).

    >>> from .designs import full_factorial
    >>> d = full_factorial(["A", "B", "C"], replicates=2, randomize=False)
    >>> round(power(d, "interaction", effect_size=2.0, sigma=1.0)["A"], 3)
    0.944
    """
    check_level(alpha, "alpha")
    if sigma <= 0:
        raise StatsInputError(f"sigma must be positive, got {sigma}")
    mdl = Model.build(design.factors, model if model is not None else (design.model or "linear"))
    x = mdl.matrix(design.coded)
    n, p = x.shape
    df = n - p
    if df <= 0:
        raise StatsInputError(
            f"the model has {p} coefficients and the design {n} runs: no degrees of freedom "
            "are left for error, so no test (and no power) exists; add runs or drop terms"
        )
    try:
        c = np.linalg.inv(x.T @ x)
    except np.linalg.LinAlgError as exc:
        raise StatsInputError("the design cannot estimate this model (X'X is singular)") from exc
    q = sps.t.ppf(1 - alpha / 2, df)
    out = {}
    for t, sl in mdl.term_slices():
        if sl.stop - sl.start != 1:
            continue
        ncp = (effect_size / 2.0) / (sigma * np.sqrt(c[sl.start, sl.start]))
        out[t.name] = float(sps.nct.sf(q, df, ncp) + sps.nct.cdf(-q, df, ncp))
    return out


def alias_matrix(
    design: Design, model: Any = None, alias_model: Any = "interaction"
) -> tuple[np.ndarray, list[str], list[str]]:
    """``A = (X1'X1)^-1 X1'X2``: how terms left out (X2) bias the fitted ones (X1)."""
    m1 = Model.build(design.factors, model if model is not None else (design.model or "linear"))
    m2_all = Model.build(design.factors, alias_model)
    fitted = {t for t in m1.terms}
    m2 = Model(m2_all.factors, tuple(t for t in m2_all.terms if t not in fitted), intercept=False)
    x1 = m1.matrix(design.coded)
    x2 = m2.matrix(design.coded)
    a = np.linalg.lstsq(x1, x2, rcond=None)[0] if x2.size else np.zeros((x1.shape[1], 0))
    return a, m1.column_names(), m2.column_names()


def evaluate(
    design: Design,
    model: Any = None,
    *,
    effect_size: float = 2.0,
    sigma: float = 1.0,
    alpha: float = 0.05,
    correlation_model: Any = "interaction",
    fds_points: int = 5000,
    seed: int = 0,
) -> DesignEvaluation:
    """Everything to compare candidate designs before running one.

    ``correlation`` is the absolute correlation between the columns of the model
    and of ``correlation_model`` (by default main effects and two-factor interactions),
    the colour map a screening design is judged by.

    >>> from .designs import fractional_factorial
    >>> e = evaluate(fractional_factorial(list("ABCDE"), resolution=5, randomize=False),
    ...              "interaction", effect_size=2, sigma=1)
    >>> round(e.efficiencies["D_efficiency"], 6)
    100.0
    """
    mdl = Model.build(design.factors, model if model is not None else (design.model or "linear"))
    x = mdl.matrix(design.coded)
    n, p = x.shape
    pw: dict[str, float] = {}
    if n > p:
        try:
            pw = power(design, mdl, effect_size, sigma, alpha)
        except StatsInputError:
            pw = {}
    cterms = list(model_terms(design.factors, "linear"))
    for t in Model.build(design.factors, correlation_model).terms:
        if t not in cterms:
            cterms.append(t)
    for t in mdl.terms:
        if t not in cterms:
            cterms.append(t)
    cm = Model(mdl.factors, tuple(cterms), intercept=False)
    cx = cm.matrix(design.coded)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.abs(np.corrcoef(cx, rowvar=False))
    corr = np.nan_to_num(corr, nan=0.0)
    a, _names1, names2 = alias_matrix(design, mdl, correlation_model)
    w = moment_matrix(design.region, mdl, n_points=fds_points, seed=seed)
    eff = evaluate_matrix(x, w)
    try:
        inv = np.linalg.inv(x.T @ x)
        pts = sample_region(design.region, fds_points, seed + 1)
        f = mdl.matrix(pts)
        spv = n * np.einsum("ij,jk,ik->i", f, inv, f)
        spv.sort()
        frac = (np.arange(len(spv)) + 0.5) / len(spv)
        eff["G_efficiency"] = float(
            100 * p / max(spv.max(), n * np.max(np.einsum("ij,jk,ik->i", x, inv, x)))
        )
    except np.linalg.LinAlgError:
        spv, frac = np.full(1, np.inf), np.array([1.0])
    return DesignEvaluation(
        design_kind=design.kind,
        n_runs=n,
        terms=tuple(t.name for t in mdl.terms),
        power=pw,
        effect_size=effect_size,
        sigma=sigma,
        alpha=alpha,
        df_error=n - p,
        correlation=corr,
        correlation_terms=tuple(cm.column_names()),
        alias_matrix=a,
        alias_terms=tuple(names2),
        fds_fraction=frac,
        fds_variance=spv,
        efficiencies=eff,
    )
