"""Normal tolerance intervals: k factors (exact and Howe) and the intervals they give.

A (coverage p, confidence γ) tolerance interval ``x̄ ± k·s`` contains at least a fraction
p of the population with confidence γ.

* One-sided, exact: ``k = t'_γ(n - 1, z_p·sqrt(n)) / sqrt(n)``, the γ quantile of the
  noncentral t distribution (Owen 1963).
* Two-sided, exact: k solves
  ``γ = 2 ∫_0^∞ P(χ²_ν > ν·r(z/sqrt(n))² / k²) φ(z) dz`` with ``Φ(x + r) - Φ(x - r) = p``
  (Odeh 1978; Krishnamoorthy and Mathew 2009, eq. 2.3.3); the integral by 200-point
  Gauss-Legendre quadrature on [0, 12], k by Brent's method.
* Two-sided, Howe (1969): ``k = z_((1+p)/2)·sqrt(ν(1 + 1/n) / χ²_(1-γ, ν))``.

``df`` defaults to n - 1; give another value when s comes from a pooled or ANOVA estimate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import optimize, special
from scipy import stats as sps

from ._quality import NotEstimableError
from ._validation import StatsInputError, as_float_vector, check_choice, check_level

_GL_NODES = 200
_Z_MAX = 12.0


def _check_n(n: Any, df: Any) -> tuple[int, float]:
    if isinstance(n, bool) or not float(n).is_integer() or int(n) < 2:
        raise StatsInputError(f"n must be a whole number of at least 2, got {n!r}")
    n = int(n)
    df = float(n - 1 if df is None else df)
    if not math.isfinite(df) or df <= 0:
        raise StatsInputError(f"df must be positive, got {df}")
    return n, df


@lru_cache(maxsize=1)
def _nodes() -> tuple[np.ndarray, np.ndarray]:
    t, w = np.polynomial.legendre.leggauss(_GL_NODES)
    return _Z_MAX / 2 * (t + 1), _Z_MAX / 2 * w


def _half_width(x: np.ndarray, coverage: float) -> np.ndarray:
    """r with Φ(x + r) - Φ(x - r) = coverage, elementwise, by bisection (monotone in r)."""
    lo = np.full_like(x, sps.norm.ppf(0.5 + coverage / 2))  # r at x = 0, the smallest
    hi = np.abs(x) + sps.norm.ppf(coverage) + 1.0
    # make sure the bracket holds
    for _ in range(60):
        f_hi = special.ndtr(x + hi) - special.ndtr(x - hi) - coverage
        if np.all(f_hi >= 0):
            break
        hi = np.where(f_hi < 0, hi * 2, hi)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f = special.ndtr(x + mid) - special.ndtr(x - mid) - coverage
        lo = np.where(f < 0, mid, lo)
        hi = np.where(f < 0, hi, mid)
        if np.all(hi - lo <= 1e-15 * np.maximum(1.0, hi)):
            break
    return 0.5 * (lo + hi)


def _two_sided_confidence(k: float, n: int, df: float, r2: np.ndarray, w: np.ndarray,
                          phi: np.ndarray) -> float:  # fmt: skip
    return float(2.0 * np.sum(w * phi * sps.chi2.sf(df * r2 / (k * k), df)))


@lru_cache(maxsize=1024)
def _exact_two_sided(n: int, df: float, coverage: float, confidence: float) -> float:
    z, w = _nodes()
    r = _half_width(z / math.sqrt(n), coverage)
    r2 = r * r
    phi = sps.norm.pdf(z)
    howe = _howe(n, df, coverage, confidence)

    def gap(k: float) -> float:
        return _two_sided_confidence(k, n, df, r2, w, phi) - confidence

    lo, hi = howe * 0.5, howe * 2.0
    while gap(lo) > 0:
        lo *= 0.5
    while gap(hi) < 0:
        hi *= 2.0
    return float(optimize.brentq(gap, lo, hi, xtol=1e-13, rtol=1e-14, maxiter=200))


def _howe(n: int, df: float, coverage: float, confidence: float) -> float:
    z = sps.norm.ppf(0.5 + coverage / 2)
    chi = sps.chi2.ppf(1.0 - confidence, df)
    return float(z * math.sqrt(df * (1.0 + 1.0 / n) / chi))


def _one_sided(n: int, df: float, coverage: float, confidence: float) -> float:
    delta = sps.norm.ppf(coverage) * math.sqrt(n)
    return float(sps.nct.ppf(confidence, df, delta) / math.sqrt(n))


def tolerance_factor(
    n: int,
    coverage: float,
    confidence: float,
    sides: int = 2,
    method: str = "exact",
    df: float | None = None,
) -> float:
    """The normal tolerance factor k for ``n`` values.

    ``sides=2`` with ``method="exact"`` (numerical integration) or ``"howe"``;
    ``sides=1`` is always exact (noncentral t).

    >>> round(tolerance_factor(10, 0.99, 0.95), 4)
    4.4369
    >>> round(tolerance_factor(10, 0.99, 0.95, sides=1), 3)
    3.981
    """
    n, dof = _check_n(n, df)
    coverage = check_level(coverage, "coverage")
    confidence = check_level(confidence, "confidence")
    check_choice(sides, "sides", (1, 2))
    check_choice(method, "method", ("exact", "howe"))
    if sides == 1:
        if method == "howe":
            raise StatsInputError(
                "Howe's approximation is for two-sided intervals; one-sided k is exact "
                "(noncentral t): use method='exact'"
            )
        return _one_sided(n, dof, coverage, confidence)
    if method == "howe":
        return _howe(n, dof, coverage, confidence)
    return _exact_two_sided(n, dof, coverage, confidence)


@dataclass(frozen=True)
class ToleranceInterval:
    """``mean ± k·sd``; a one-sided interval leaves the other end ``None`` (open)."""

    n: int
    mean: float
    sd: float
    k: float
    lower: float | None
    upper: float | None
    coverage: float
    confidence: float
    sides: int
    side: str
    method: str

    def to_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}

    def contains(self, low: float | None, high: float | None) -> bool:
        """True when the interval lies inside [low, high] (``None`` = unbounded)."""
        ok_low = low is None or (self.lower is not None and self.lower >= low)
        ok_high = high is None or (self.upper is not None and self.upper <= high)
        return ok_low and ok_high


def tolerance_interval(
    values: Any,
    coverage: float = 0.99,
    confidence: float = 0.95,
    side: str = "two-sided",
    method: str = "exact",
) -> ToleranceInterval:
    """Normal tolerance interval of ``values``: ``side`` is "two-sided", "lower" or "upper".

    >>> ti = tolerance_interval([99.1, 100.2, 99.8, 100.5, 99.6, 100.1, 99.9, 100.3], 0.95)
    >>> round(ti.k, 3)
    3.746
    """
    x = as_float_vector(values, "values")
    check_choice(side, "side", ("two-sided", "lower", "upper"))
    if x.size < 2:
        raise NotEstimableError(f"a tolerance interval needs at least 2 values, got {x.size}")
    sd = float(np.std(x, ddof=1))
    mean = float(x.mean())
    sides = 2 if side == "two-sided" else 1
    k = tolerance_factor(x.size, coverage, confidence, sides=sides,
                         method=method if sides == 2 else "exact")  # fmt: skip
    lower = mean - k * sd if side in ("two-sided", "lower") else None
    upper = mean + k * sd if side in ("two-sided", "upper") else None
    used = method if sides == 2 else "exact (noncentral t)"
    return ToleranceInterval(x.size, mean, sd, k, lower, upper, coverage, confidence, sides,
                             side, used)  # fmt: skip
