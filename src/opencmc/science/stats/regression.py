"""Least-squares core: ordinary and polynomial regression with certified-grade accuracy.

The fit never forms the normal equations. Predictors are centred (when there is an
intercept) and scaled by powers of two (so scaling adds no rounding), solved by
Householder QR, and the solution is refined on the augmented system with residuals formed
in error-free arithmetic (Björck). Polynomials are built on a centred, scaled copy of
``x`` and mapped back to raw powers. All eleven NIST StRD linear sets come out to at least
13 significant digits this way (Filip and Wampler5 included).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from math import comb
from typing import Any, Literal

import numpy as np
from scipy import stats as sps
from scipy.linalg import solve_triangular

from ._validation import (
    RankDeficientError,
    StatsInputError,
    as_float_matrix,
    as_float_vector,
    check_choice,
    check_level,
)

Interval = Literal["confidence", "prediction"]
Side = Literal["two-sided", "lower", "upper"]


def _jsonable(value: Any) -> Any:
    """Turn arrays and non-finite floats into plain JSON-friendly values."""
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


@dataclass(frozen=True, eq=False)
class Prediction:
    """Predicted mean with a confidence or prediction interval at each new point."""

    x: np.ndarray
    mean: np.ndarray
    se: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    interval: str
    level: float
    side: str
    df: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (open interval ends become ``None``)."""
        return {k: _jsonable(getattr(self, k)) for k in self.__dataclass_fields__}


@dataclass(frozen=True, eq=False)
class _WorkingBasis:
    """The well-conditioned basis the fit was solved in, kept for stable prediction.

    Raw coefficients are ``to_raw @ gamma``; a raw point maps to a working row by
    :meth:`rows`, and leverage comes from ``R`` of the column-scaled working matrix.
    """

    kind: str  # "columns" or "polynomial"
    centre: np.ndarray  # shift of each X column, or of x for a polynomial
    spread: float  # power-of-two scale of x (polynomial only)
    intercept: bool
    degree: int
    col_scale: np.ndarray  # power-of-two column scales of the working matrix
    r_matrix: np.ndarray
    gamma: np.ndarray  # coefficients on the (unscaled) working columns
    to_raw: np.ndarray

    def rows(self, values: np.ndarray) -> np.ndarray:
        """Working-matrix rows for raw predictor values."""
        if self.kind == "polynomial":
            u = (values - self.centre[0]) / self.spread
            w = np.vander(u, self.degree + 1, increasing=True)
            return w if self.intercept else w[:, 1:]
        shifted = values - self.centre
        if self.intercept:
            return np.column_stack([np.ones(len(values)), shifted])
        return shifted


@dataclass(frozen=True, eq=False)
class RegressionResult:
    """Least-squares fit: estimates, their uncertainty and the fit statistics.

    ``coefficients`` lists the intercept first (when fitted), then one value per
    column of ``X`` or per power of ``x``. ``r_squared`` is centred with an intercept
    and uncentred without one, as NIST StRD defines it.
    """

    coefficients: np.ndarray
    standard_errors: np.ndarray
    covariance: np.ndarray
    residual_sd: float
    r_squared: float
    df_resid: int
    n_obs: int
    ss_residual: float
    ss_regression: float
    intercept: bool
    names: tuple[str, ...]
    fitted_values: np.ndarray = field(repr=False)
    residuals: np.ndarray = field(repr=False)
    _basis: _WorkingBasis = field(repr=False)

    @property
    def df_model(self) -> int:
        """Degrees of freedom of the regression (parameters other than the intercept)."""
        return len(self.coefficients) - (1 if self.intercept else 0)

    @property
    def f_statistic(self) -> float:
        """F statistic of the regression against the intercept-only (or zero) model."""
        if self.ss_residual == 0.0:
            return float("inf")
        return (self.ss_regression / self.df_model) / (self.ss_residual / self.df_resid)

    def confidence_interval(self, level: float = 0.95) -> np.ndarray:
        """Two-sided t intervals of the coefficients, one row ``[low, high]`` each."""
        level = check_level(level, "level")
        q = sps.t.ppf(0.5 + level / 2.0, self.df_resid)
        return np.column_stack(
            [
                self.coefficients - q * self.standard_errors,
                self.coefficients + q * self.standard_errors,
            ]
        )

    def predict(
        self,
        x: Any,
        interval: Interval = "confidence",
        level: float = 0.95,
        side: Side = "two-sided",
    ) -> Prediction:
        """Predict the mean at new points with a confidence or prediction interval.

        ``x`` holds raw predictor values: a vector for a polynomial fit, rows of the
        ``X`` columns for :func:`ols`. A one-sided ``side`` leaves the other end open
        (``inf``).

        >>> fit = polynomial([0, 1, 2, 3], [1.0, 3.1, 4.9, 7.0], degree=1)
        >>> p = fit.predict([4], interval="prediction", level=0.95)
        >>> round(float(p.mean[0]), 2)
        8.95
        """
        check_choice(interval, "interval", ("confidence", "prediction"))
        check_choice(side, "side", ("two-sided", "lower", "upper"))
        level = check_level(level, "level")
        b = self._basis
        if b.kind == "polynomial":
            values = as_float_vector(np.atleast_1d(x), "x")
            shown = values
        else:
            values = as_float_matrix(x, "x")
            k = len(b.centre)
            if values.shape[1] != k:
                if values.shape == (k, 1):
                    values = values.T  # a single row given as a flat vector
                else:
                    raise StatsInputError(f"x must have {k} column(s), got {values.shape[1]}")
            shown = values
        w = b.rows(values)
        mean = w @ b.gamma
        # R^-T w is the point in the orthonormal basis: leverage without cancellation.
        v = solve_triangular(b.r_matrix, (w / b.col_scale).T, trans="T")
        lev = np.sum(v * v, axis=0)
        s2 = self.residual_sd**2
        var = s2 * lev + (s2 if interval == "prediction" else 0.0)
        se = np.sqrt(var)
        if side == "two-sided":
            q = sps.t.ppf(0.5 + level / 2.0, self.df_resid)
            lower, upper = mean - q * se, mean + q * se
        else:
            q = sps.t.ppf(level, self.df_resid)
            lower = mean - q * se if side == "lower" else np.full_like(mean, -np.inf)
            upper = mean + q * se if side == "upper" else np.full_like(mean, np.inf)
        return Prediction(shown, mean, se, lower, upper, interval, level, side, self.df_resid)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of the estimates and statistics (no private working basis)."""
        keys = [
            "coefficients",
            "standard_errors",
            "covariance",
            "residual_sd",
            "r_squared",
            "df_resid",
            "n_obs",
            "ss_residual",
            "ss_regression",
            "intercept",
            "names",
        ]
        return {k: _jsonable(getattr(self, k)) for k in keys}


_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitting constant for doubles


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Error-free product: a*b == p + e exactly (Dekker), elementwise."""
    p = a * b
    ta = _SPLIT * a
    a_hi = ta - (ta - a)
    a_lo = a - a_hi
    tb = _SPLIT * b
    b_hi = tb - (tb - b)
    b_lo = b - b_hi
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def _accurate_rows(terms: list[np.ndarray]) -> np.ndarray:
    """Row sums of the given term vectors as if in doubled precision (Ogita-Rump-Oishi)."""
    s = np.zeros_like(terms[0])
    c = np.zeros_like(terms[0])
    for t in terms:
        new = s + t
        bb = new - s
        c += (s - (new - bb)) + (t - bb)
        s = new
    return s + c


def _refine(
    a: np.ndarray, y: np.ndarray, q: np.ndarray, r: np.ndarray, steps: int = 2
) -> tuple[np.ndarray, np.ndarray]:
    """Least squares by QR with Björck's refinement of the augmented system.

    The residuals of ``[I A; A' 0][res; x] = [y; 0]`` are formed with error-free
    products and exact sums, so the solution is accurate for the stored working
    matrix even when the residual is large (Wampler4/5), portably and in doubles.
    """
    x = solve_triangular(r, q.T @ y)
    res = y - a @ x
    for _ in range(steps):
        terms = [y, -res]
        for j in range(a.shape[1]):
            p, e = _two_prod(a[:, j], np.full(len(y), -x[j]))
            terms += [p, e]
        f = _accurate_rows(terms)
        g = np.empty(a.shape[1])
        for j in range(a.shape[1]):
            p, e = _two_prod(a[:, j], res)
            g[j] = -math.fsum(np.concatenate([p, e]).tolist())
        h = solve_triangular(r, g, trans="T")
        dx = solve_triangular(r, q.T @ f - h)
        x = x + dx
        res = res + (f - a @ dx)
    return x, res


def _pow2(values: np.ndarray) -> np.ndarray:
    """Nearest powers of two: scaling by them is exact, so the scaled problem is the same."""
    return np.exp2(np.round(np.log2(values)))


def _solve(w: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve on the working matrix ``w``: coefficients, (W'W)^-1, column scales, R."""
    n, p = w.shape
    norms = np.sqrt(np.sum(w * w, axis=0))
    flat = np.flatnonzero(norms == 0.0)
    if flat.size:
        raise RankDeficientError(f"predictor column {int(flat[0])} is all zero after centring")
    scale = _pow2(norms / np.sqrt(n))
    a = w / scale
    q, r = np.linalg.qr(a)
    rel = np.abs(np.diag(r)) / (norms / scale)
    # A tiny diagonal of R relative to its column means the column is (nearly) a
    # combination of the earlier ones: the fit would not be unique.
    if rel.min() <= max(n, p) * np.finfo(float).eps * 64:
        raise RankDeficientError(
            "predictor columns are linearly dependent (or nearly so); the fit is not unique"
        )
    coef_scaled, _ = _refine(a, y, q, r)
    r_inv = solve_triangular(r, np.eye(p))
    cov_unit = (r_inv @ r_inv.T) / np.outer(scale, scale)
    return coef_scaled / scale, cov_unit, scale, r


def _finish(
    basis: _WorkingBasis,
    cov_unit_w: np.ndarray,
    w: np.ndarray,
    y: np.ndarray,
    names: tuple[str, ...],
) -> RegressionResult:
    """Statistics of a solved fit, with everything mapped to raw coefficients."""
    n = len(y)
    coef = basis.to_raw @ basis.gamma
    p = len(coef)
    df = n - p
    terms = [y]
    for j in range(w.shape[1]):
        pj, ej = _two_prod(w[:, j], np.full(n, -basis.gamma[j]))
        terms += [pj, ej]
    resid = _accurate_rows(terms)
    sse = math.fsum((resid * resid).tolist())
    s2 = sse / df
    cov = (basis.to_raw @ cov_unit_w @ basis.to_raw.T) * s2
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    if basis.intercept:
        yc = y - math.fsum(y.tolist()) / n
        sst = math.fsum((yc * yc).tolist())
    else:
        sst = math.fsum((y * y).tolist())
    r2 = 1.0 - sse / sst if sst > 0 else 1.0
    return RegressionResult(
        coefficients=coef,
        standard_errors=se,
        covariance=cov,
        residual_sd=float(np.sqrt(s2)),
        r_squared=float(r2),
        df_resid=df,
        n_obs=n,
        ss_residual=sse,
        ss_regression=float(sst - sse),
        intercept=basis.intercept,
        names=names,
        fitted_values=y - resid,
        residuals=resid,
        _basis=basis,
    )


def _check_sizes(n: int, p: int) -> None:
    if n <= p:
        raise StatsInputError(
            f"need more observations ({n}) than parameters ({p}) to estimate the error"
        )


def ols(X: Any, y: Any, intercept: bool = True, names: Any = None) -> RegressionResult:
    """Ordinary least squares of ``y`` on the columns of ``X``.

    ``X`` is an ``(n, p)`` array or DataFrame of predictors without a column of ones;
    ``intercept=True`` adds the intercept, reported first.

    >>> fit = ols([[1.0], [2.0], [3.0], [4.0]], [2.1, 3.9, 6.2, 7.8])
    >>> [round(float(c), 3) for c in fit.coefficients]
    [0.15, 1.94]
    """
    if names is None and hasattr(X, "columns"):
        names = [str(c) for c in X.columns]
    cols = as_float_matrix(X, "X")
    yv = as_float_vector(y, "y")
    if cols.shape[0] != len(yv):
        raise StatsInputError(f"X has {cols.shape[0]} rows but y has {len(yv)} values")
    k = cols.shape[1]
    _check_sizes(len(yv), k + (1 if intercept else 0))
    if names is None:
        names = [f"x{i + 1}" for i in range(k)]
    all_names = (("intercept",) if intercept else ()) + tuple(str(n) for n in names)
    # Centring by the mean is exact for data with a large common offset (Sterbenz),
    # which is precisely when it is needed; the intercept absorbs the shift.
    centre = cols.mean(axis=0) if intercept else np.zeros(k)
    if intercept:
        const = np.flatnonzero(np.all(cols == cols[0], axis=0))
        if const.size:
            raise RankDeficientError(
                f"predictor column {int(const[0])} is constant (collinear with the intercept)"
            )
    basis0 = _WorkingBasis(
        "columns", centre, 1.0, intercept, 1, np.ones(0), np.eye(0), np.zeros(0), np.eye(0)
    )
    w = basis0.rows(cols)
    gamma, cov_unit, scale, r = _solve(w, yv)
    if intercept:
        to_raw = np.eye(k + 1)
        to_raw[0, 1:] = -centre
    else:
        to_raw = np.eye(k)
    basis = _WorkingBasis("columns", centre, 1.0, intercept, 1, scale, r, gamma, to_raw)
    return _finish(basis, cov_unit, w, yv, all_names)


def _power_map(degree: int, centre: float, spread: float) -> np.ndarray:
    """Matrix T with raw-power coefficients = T @ coefficients in u = (x - centre) / spread.

    Expands sum_j g_j ((x - c)/s)^j by the binomial theorem. With ``s`` a power of two
    and ``c`` carrying few significant bits, the entries are exact.
    """
    t = np.zeros((degree + 1, degree + 1))
    for j in range(degree + 1):
        for k in range(j + 1):
            t[k, j] = comb(j, k) * (-centre) ** (j - k) / spread**j
    return t


def polynomial(x: Any, y: Any, degree: int, intercept: bool = True) -> RegressionResult:
    """Polynomial least squares ``y = b0 + b1 x + ... + bd x^d`` (raw powers reported).

    Solved on ``u = (x - c) / s`` (``c`` near the mean, ``s`` a power of two near the
    spread) and mapped back to raw powers. Without an intercept ``x`` is only scaled,
    since a shift would add a constant term.

    >>> fit = polynomial([0, 1, 2, 3, 4], [1, 2, 5, 10, 17], degree=2)
    >>> [round(float(c), 6) for c in fit.coefficients]
    [1.0, 0.0, 1.0]
    """
    if isinstance(degree, bool) or int(degree) != degree or degree < 1:
        raise StatsInputError(f"degree must be a positive integer, got {degree!r}")
    degree = int(degree)
    xv = as_float_vector(x, "x")
    yv = as_float_vector(y, "y")
    if len(xv) != len(yv):
        raise StatsInputError(f"x has {len(xv)} values but y has {len(yv)}")
    _check_sizes(len(yv), degree + (1 if intercept else 0))
    if len(np.unique(xv)) < degree + (1 if intercept else 0):
        raise RankDeficientError(
            f"a degree-{degree} polynomial needs at least {degree + 1} distinct x values"
        )
    if intercept:
        mean = float(np.mean(xv))
        sd = float(np.sqrt(np.mean((xv - mean) ** 2)))
        if sd == 0.0:
            raise RankDeficientError("x is constant; no polynomial can be fitted")
        # Round the centre to a coarse binary grid so its powers are exact in T.
        step = 2.0 ** (np.floor(np.log2(sd)) - 4)
        centre = float(np.round(mean / step) * step)
    else:
        centre = 0.0
        sd = float(np.sqrt(np.mean(xv**2)))
        if sd == 0.0:
            raise RankDeficientError("x is all zero; no polynomial can be fitted")
    spread = float(_pow2(np.array([sd]))[0])
    basis0 = _WorkingBasis(
        "polynomial",
        np.array([centre]),
        spread,
        intercept,
        degree,
        np.ones(0),
        np.eye(0),
        np.zeros(0),
        np.eye(0),
    )
    w = basis0.rows(xv)
    gamma, cov_unit, scale, r = _solve(w, yv)
    to_raw = _power_map(degree, centre, spread)
    if not intercept:
        to_raw = to_raw[1:, 1:]
    names = (("intercept",) if intercept else ()) + tuple(
        "x" if k == 1 else f"x^{k}" for k in range(1, degree + 1)
    )
    basis = _WorkingBasis(
        "polynomial", np.array([centre]), spread, intercept, degree, scale, r, gamma, to_raw
    )
    return _finish(basis, cov_unit, w, yv, names)
