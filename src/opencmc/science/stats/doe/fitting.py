"""Fitting the model matrix: which terms the design can estimate, least squares, pure error.

The fit is the project's least-squares core (:func:`opencmc.science.stats.regression.ols`);
for orthogonal two-level designs the coefficients are the exactly rounded contrasts, so
that published effects are reproduced digit for digit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from ..regression import ols
from .factors import AliasedTermsError, Factor, Model, Term, model_terms

# --- model choice and estimability ---------------------------------------------------------


def _rank(x: np.ndarray) -> int:
    if x.size == 0:
        return 0
    s = np.linalg.svd(x, compute_uv=False)
    return int(np.sum(s > s[0] * max(x.shape) * 1e-10)) if s.size and s[0] > 0 else 0


def _explain_dependence(x: np.ndarray, cols: list[str], j: int) -> list[str]:
    """Which earlier columns column ``j`` is a combination of."""
    coef, *_ = np.linalg.lstsq(x[:, :j], x[:, j], rcond=None)
    return [cols[i] for i in np.flatnonzero(np.abs(coef) > 1e-8)]


def _default_terms(facs: Sequence[Factor], coded: np.ndarray) -> tuple[str, list[Term]]:
    """Every interaction for two-level data; the full quadratic when there are more levels."""
    if any(f.kind == "mixture" for f in facs):
        return "scheffe-quadratic", list(model_terms(facs, "scheffe-quadratic"))
    centre = np.all(np.isclose(coded, 0.0), axis=1)
    numeric = [j for j, f in enumerate(facs) if f.kind != "categorical"]
    rest = coded[~centre][:, numeric]
    if rest.size and not np.all(np.isclose(np.abs(rest), 1.0)):
        quad = list(model_terms(facs, "quadratic"))
        if Model(tuple(facs), tuple(quad)).n_columns <= len(coded):
            return "quadratic", quad
        return "linear", list(model_terms(facs, "linear"))
    return "full", list(model_terms(facs, "full"))


def _estimable(
    model: Model, coded: np.ndarray, explicit: bool
) -> tuple[Model, dict[str, list[str]]]:
    """Keep the terms the design can estimate, in order; explain the ones it cannot."""
    x_all = model.matrix(coded)
    names_all = model.column_names()
    kept: list[Term] = []
    aliases: dict[str, list[str]] = {}
    cols = [0] if model.intercept else []
    for t, sl in model.term_slices():
        trial = cols + list(range(sl.start, sl.stop))
        if _rank(x_all[:, trial]) == len(trial):
            cols = trial
            kept.append(t)
            continue
        with_ = _explain_dependence(x_all[:, trial], [names_all[i] for i in trial], len(trial) - 1)
        if explicit:
            if not with_:
                raise AliasedTermsError(f"term {t.name!r} is constant in this design")
            if with_ == ["intercept"]:
                raise AliasedTermsError(
                    f"term {t.name!r} is aliased with the intercept (it is constant in this design)"
                )
            raise AliasedTermsError(
                f"terms {t.name!r} and {' + '.join(map(repr, with_))} are aliased in this design "
                "(their columns are linearly dependent); keep only one of them in the model"
            )
        for w in with_:
            aliases.setdefault(w, []).append(t.name)
    return Model(model.factors, tuple(kept), model.intercept), aliases


# --- fitting ------------------------------------------------------------------------------


@dataclass
class _Fit:
    beta: np.ndarray
    cov: np.ndarray | None
    resid: np.ndarray
    sse: float
    df: int
    leverage: np.ndarray


def _contrasts(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """Exactly rounded coefficients x_j'y / x_j'x_j when the columns are orthogonal."""
    xtx = x.T @ x
    off = xtx - np.diag(np.diag(xtx))
    if np.max(np.abs(off), initial=0.0) > 1e-12 * np.max(np.abs(xtx)):
        return None
    return np.array(
        [
            math.fsum((x[:, j] * y).tolist()) / math.fsum((x[:, j] ** 2).tolist())
            for j in range(x.shape[1])
        ]
    )


def _fit(x: np.ndarray, y: np.ndarray, intercept: bool) -> _Fit:
    """The core's least squares; orthogonal designs take their exact contrasts."""
    n, p = x.shape
    q, r = np.linalg.qr(x)
    leverage = np.sum(q * q, axis=1)
    exact = _contrasts(x, y)
    if n > p:
        res = ols(x[:, 1:] if intercept else x, y, intercept=intercept)
        beta = res.coefficients if exact is None else exact
        return _Fit(beta, res.covariance, res.residuals, res.ss_residual, n - p, leverage)
    beta = np.linalg.solve(r, q.T @ y) if exact is None else exact
    return _Fit(beta, None, y - x @ beta, 0.0, 0, leverage)


def _sse_without(x: np.ndarray, y: np.ndarray, drop: slice) -> float:
    keep = [i for i in range(x.shape[1]) if not drop.start <= i < drop.stop]
    if not keep:
        return float(np.sum(y**2))
    beta, *_ = np.linalg.lstsq(x[:, keep], y, rcond=None)
    e = y - x[:, keep] @ beta
    return float(e @ e)


def _pure_error(coded: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    keys = [tuple(np.round(row, 9)) for row in coded]
    groups: dict[tuple, list[float]] = {}
    for k, v in zip(keys, y, strict=True):
        groups.setdefault(k, []).append(float(v))
    ss = sum(float(np.sum((np.array(g) - np.mean(g)) ** 2)) for g in groups.values())
    return ss, len(y) - len(groups)


def _p_f(ms: float, ms_err: float, df1: int, df2: int) -> tuple[float | None, float | None]:
    if df2 <= 0 or ms_err <= 0:
        return None, None
    f = ms / ms_err
    return float(f), float(sps.f.sf(f, df1, df2))
