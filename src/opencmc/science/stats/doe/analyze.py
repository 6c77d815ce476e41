"""Analysis of a designed experiment: effects, coefficients, ANOVA, Lenth, lack of fit, reduction.

The fit is the project's least-squares core (:func:`opencmc.science.stats.regression.ols`)
on the model matrix in coded units. For a two-level design coded -1/+1, each effect is
the difference between the mean response at the high and at the low level, which is
twice the coefficient. A saturated model (as many terms as runs) leaves no error
degrees of freedom: its effects are judged by Lenth's pseudo standard error.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._validation import MissingColumnError, NonNumericError, StatsInputError, check_level
from ..regression import ols
from .designs import Design, _jsonable
from .factors import AliasedTermsError, Factor, Model, Term, make_factors, model_terms

# Run-sheet columns that are bookkeeping, not factors.
BOOKKEEPING = {
    "run",
    "std_order",
    "std order",
    "stdorder",
    "runorder",
    "run_order",
    "block",
    "pattern",
    "run order",
}


@dataclass(frozen=True)
class LenthResult:
    """Lenth's (1989) pseudo standard error with the margin and simultaneous margin of error."""

    pse: float
    df: float
    margin_of_error: float
    simultaneous_margin_of_error: float
    alpha: float
    active: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(dict(self.__dict__))


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


@dataclass(frozen=True, eq=False)
class Analysis:
    """The analysed experiment. ``effects`` and ``coefficients`` are keyed by term name.

    ``coefficients`` include ``"intercept"`` and are in coded units; ``effects`` (two
    times the coefficient) are given for terms that are products of distinct factors.
    Without error degrees of freedom, ``p_values`` are empty and ``lenth`` judges effects.
    """

    response: str
    factors: tuple[Factor, ...]
    model: Model
    coefficients: dict[str, float]
    effects: dict[str, float]
    standard_errors: dict[str, float]
    t_values: dict[str, float]
    p_values: dict[str, float]
    anova: list[dict[str, Any]]
    r_squared: float
    adj_r_squared: float | None
    pred_r_squared: float | None
    residual_sd: float | None
    df_resid: int
    n_runs: int
    grand_mean: float
    lenth: LenthResult | None
    curvature: dict[str, Any] | None
    lack_of_fit: dict[str, Any] | None
    aliases: dict[str, list[str]]
    removed: tuple[str, ...]
    coding: dict[str, dict[str, Any]]
    notes: tuple[str, ...]
    coded: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    leverage: np.ndarray = field(repr=False)
    covariance: np.ndarray | None = field(repr=False)
    coefficient_vector: np.ndarray = field(repr=False)

    # --- derived ------------------------------------------------------------------
    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.model.terms)

    @property
    def studentized_residuals(self) -> np.ndarray:
        """Internally studentized residuals e / (s sqrt(1 - h)); NaN where undefined."""
        if not self.residual_sd:
            return np.full(len(self.y), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.residuals / (self.residual_sd * np.sqrt(1 - self.leverage))

    @property
    def cooks_distance(self) -> np.ndarray:
        p = len(self.coefficient_vector)
        r = self.studentized_residuals
        with np.errstate(divide="ignore", invalid="ignore"):
            return r**2 * self.leverage / (p * (1 - self.leverage))

    def residual_diagnostics(self) -> dict[str, Any]:
        """Residuals, leverage, studentized residuals, Cook's distance, Shapiro-Wilk."""
        out: dict[str, Any] = {
            "residuals": self.residuals,
            "fitted": self.fitted,
            "leverage": self.leverage,
            "studentized": self.studentized_residuals,
            "cooks_distance": self.cooks_distance,
        }
        if self.df_resid > 0 and len(self.y) >= 3 and np.ptp(self.residuals) > 0:
            w, p = sps.shapiro(self.residuals)
            out["shapiro_wilk"] = {"W": float(w), "p_value": float(p)}
        return out

    def coded_points(self, points: Any) -> np.ndarray:
        """Actual factor settings (DataFrame, dict or rows) to coded rows."""
        if isinstance(points, Mapping):
            points = pd.DataFrame({k: np.atleast_1d(v) for k, v in points.items()})
        if isinstance(points, pd.DataFrame):
            missing = [f.name for f in self.factors if f.name not in points.columns]
            if missing:
                raise MissingColumnError(f"points lack factor column(s) {', '.join(missing)}")
            return np.column_stack(
                [
                    f.to_coded(points[f.name].tolist(), limit=self.coding[f.name]["limit"] * 10)
                    for f in self.factors
                ]
            )
        arr = np.atleast_2d(np.asarray(points, dtype=float))
        return np.column_stack(
            [f.to_coded(arr[:, j], limit=np.inf) for j, f in enumerate(self.factors)]
        )

    def predict_coded(self, coded: np.ndarray) -> np.ndarray:
        """Predicted mean at coded points (vectorised; used by optimisation)."""
        return self.model.matrix(coded) @ self.coefficient_vector

    def predict(
        self, points: Any, interval: str = "confidence", level: float = 0.95
    ) -> pd.DataFrame:
        """Predicted mean with a confidence or prediction interval at actual factor settings."""
        check_level(level, "level")
        x = self.coded_points(points)
        f = self.model.matrix(x)
        mean = f @ self.coefficient_vector
        out = pd.DataFrame({"predicted": mean})
        if self.covariance is not None and self.df_resid > 0:
            var = np.einsum("ij,jk,ik->i", f, self.covariance, f)
            if interval == "prediction":
                var = var + self.residual_sd**2  # type: ignore[operator]
            se = np.sqrt(var)
            q = sps.t.ppf(0.5 + level / 2, self.df_resid)
            out["se"] = se
            out["lower"], out["upper"] = mean - q * se, mean + q * se
        return out

    def stationary_point(self) -> dict[str, Any]:
        """Stationary point of a second-order model (coded and actual) and its nature."""
        names = [f.name for f in self.factors]
        k = len(names)
        b = np.zeros(k)
        bmat = np.zeros((k, k))
        for t, sl in self.model.term_slices():
            if sl.stop - sl.start != 1:
                raise StatsInputError("the stationary point needs numeric factors only")
            c = self.coefficient_vector[sl.start]
            idx = [names.index(n) for n in t.factors]
            if len(idx) == 1:
                b[idx[0]] = c
            elif len(idx) == 2 and idx[0] == idx[1]:
                bmat[idx[0], idx[0]] = c
            elif len(idx) == 2:
                bmat[idx[0], idx[1]] = bmat[idx[1], idx[0]] = c / 2
            else:
                raise StatsInputError(f"term {t.name} is not second order")
        if not np.any(bmat):
            raise StatsInputError("the model has no second-order terms")
        xs = -0.5 * np.linalg.solve(bmat, b)
        eig = np.linalg.eigvalsh(bmat)
        nature = "maximum" if np.all(eig < 0) else "minimum" if np.all(eig > 0) else "saddle point"
        actual = {f.name: float(f.to_actual([xs[j]])[0]) for j, f in enumerate(self.factors)}
        return {
            "coded": dict(zip(names, xs.tolist(), strict=True)),
            "actual": actual,
            "predicted": float(self.predict_coded(xs[None, :])[0]),
            "eigenvalues": eig.tolist(),
            "nature": nature,
        }

    def to_dict(self) -> dict[str, Any]:
        keys = [
            "response",
            "coefficients",
            "effects",
            "standard_errors",
            "t_values",
            "p_values",
            "anova",
            "r_squared",
            "adj_r_squared",
            "pred_r_squared",
            "residual_sd",
            "df_resid",
            "n_runs",
            "grand_mean",
            "curvature",
            "lack_of_fit",
            "aliases",
            "removed",
            "coding",
            "notes",
        ]
        out = {k: _jsonable(getattr(self, k)) for k in keys}
        out["terms"] = list(self.terms)
        out["factors"] = [f.name for f in self.factors]
        out["lenth"] = None if self.lenth is None else self.lenth.to_dict()
        return out

    def summary(self) -> str:
        lines = [f"Response {self.response}: {self.n_runs} runs, model {' + '.join(self.terms)}"]
        lines.append(f"{'term':<24}{'effect':>12}{'coefficient':>14}{'p':>10}")
        for name, c in self.coefficients.items():
            eff = self.effects.get(name)
            p = self.p_values.get(name)
            lines.append(
                f"{name:<24}{'' if eff is None else f'{eff:.4g}':>12}{c:>14.4g}"
                f"{'' if p is None else f'{p:.3g}':>10}"
            )
        r2 = f"R² {self.r_squared:.4f}"
        if self.adj_r_squared is not None:
            r2 += f", adjusted {self.adj_r_squared:.4f}"
        if self.pred_r_squared is not None:
            r2 += f", predicted {self.pred_r_squared:.4f}"
        lines.append(r2)
        if self.lenth is not None:
            lines.append(
                f"Lenth PSE {self.lenth.pse:.4g}, ME {self.lenth.margin_of_error:.4g}, "
                f"SME {self.lenth.simultaneous_margin_of_error:.4g}; active: "
                + (", ".join(self.lenth.active) or "none")
            )
        lines += list(self.notes)
        return "\n".join(lines)

    # --- plots (matplotlib, drawn on demand) --------------------------------------
    def half_normal_plot(self, path: str | Path | None = None) -> Any:
        from .plots import half_normal_plot

        return half_normal_plot(self, path)

    def contour_plot(
        self,
        x: str,
        y: str,
        path: str | Path | None = None,
        hold: Mapping[str, Any] | None = None,
        surface: bool = False,
    ) -> Any:
        from .plots import response_surface_plot

        return response_surface_plot(self, x, y, path, hold=hold, surface=surface)

    def residual_plot(self, path: str | Path | None = None) -> Any:
        from .plots import residual_plot

        return residual_plot(self, path)


# --- reading the run sheet ---------------------------------------------------------------


def _row_labels(runs: pd.DataFrame) -> list[str]:
    if "run" in runs.columns:
        return [f"{i + 1} (run {r})" for i, r in enumerate(runs["run"].tolist())]
    return [str(i + 1) for i in range(len(runs))]


def _response(runs: pd.DataFrame, response: str, labels: list[str]) -> np.ndarray:
    if response not in runs.columns:
        raise MissingColumnError(
            f"response column {response!r} not found; "
            f"columns are {', '.join(map(str, runs.columns))}"
        )
    raw = runs[response]
    y = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    missing = [labels[i] for i in np.flatnonzero(pd.isna(raw).to_numpy())]
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise NonNumericError(
            f"response {response!r} is missing in {len(missing)} row(s): {shown}; "
            "run those experiments or remove the rows"
        )
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        i = int(bad[0])
        raise NonNumericError(
            f"response {response!r}, row {labels[i]}: {raw.iloc[i]!r} is not a number"
        )
    return y


def _infer_factor(name: str, col: pd.Series, labels: list[str]) -> tuple[Factor, float]:
    """A factor from a column: its two (or cube) levels become -1/+1."""
    values = pd.to_numeric(col, errors="coerce")
    if values.isna().any():
        if col.isna().any():
            i = int(np.flatnonzero(col.isna().to_numpy())[0])
            raise NonNumericError(f"factor {name!r} is empty in row {labels[i]}")
        levels = tuple(sorted(col.astype(str).unique()))
        if len(levels) < 2:
            raise StatsInputError(f"factor {name!r} takes only one level ({levels[0]!r})")
        return Factor(name, kind="categorical", levels=levels), 1.0
    v = np.unique(values.to_numpy(dtype=float))
    if len(v) < 2:
        raise StatsInputError(
            f"factor {name!r} takes only one value ({v[0]:g}); it cannot be studied"
        )
    lo, hi = v[0], v[-1]
    if len(v) >= 5 and math.isclose(v[1] + v[-2], lo + hi, rel_tol=1e-9, abs_tol=1e-9):
        # A central composite design: code on the cube levels, the star lies beyond.
        f = Factor(name, float(v[1]), float(v[-2]))
        return f, float(np.max(np.abs(f.to_coded(v, limit=np.inf))))
    return Factor(name, float(lo), float(hi)), 1.0


def _factors_and_coding(
    runs: pd.DataFrame, response: str, factors: Any, labels: list[str]
) -> tuple[tuple[Factor, ...], np.ndarray, dict[str, dict[str, Any]]]:
    limits: dict[str, float] = {}
    if isinstance(factors, Design):
        facs = factors.factors
        extent = np.max(np.abs(factors.coded), axis=0) if factors.n_runs else np.ones(len(facs))
        limits = {f.name: max(1.0, float(e)) for f, e in zip(facs, extent, strict=True)}
    elif factors is None or all(isinstance(f, str) for f in factors):
        if factors is None:
            names = [
                str(c)
                for c in runs.columns
                if c != response
                and str(c).strip().lower() not in BOOKKEEPING
                and pd.api.types.is_numeric_dtype(runs[c])
            ]
            if not names:
                raise StatsInputError("no numeric factor columns besides the response")
        else:
            names = list(factors)
        missing = [n for n in names if n not in runs.columns]
        if missing:
            raise MissingColumnError(
                f"factor column(s) {', '.join(map(repr, missing))} not found; "
                f"columns are {', '.join(map(str, runs.columns))}"
            )
        if response in names:
            raise StatsInputError(f"{response!r} is the response; it cannot also be a factor")
        inferred = [_infer_factor(n, runs[n], labels) for n in names]
        facs = tuple(f for f, _ in inferred)
        limits = {f.name: lim for f, lim in inferred}
    else:
        facs = make_factors(factors)
    missing = [f.name for f in facs if f.name not in runs.columns]
    if missing:
        raise MissingColumnError(
            f"factor column(s) {', '.join(map(repr, missing))} not found; "
            f"columns are {', '.join(map(str, runs.columns))}"
        )
    coded = np.column_stack(
        [f.to_coded(runs[f.name].tolist(), labels, limit=limits.get(f.name, 1.0)) for f in facs]
    )
    coding = {
        f.name: {
            "low": f.low,
            "high": f.high,
            "kind": f.kind,
            "levels": list(f.levels),
            "limit": limits.get(f.name, 1.0),
        }
        for f in facs
    }
    return facs, coded, coding


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
