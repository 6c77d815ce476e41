"""Control-chart constants computed exactly: d2 and d3 by integration, c4 from the gamma function.

The tables printed in textbooks (Montgomery, Appendix VI; ASTM E2587) are these numbers
rounded to three or four decimals. Computing them instead of copying them gives every
subgroup size the same accuracy and removes transcription errors.

* ``d2(n)`` is the mean of the range of ``n`` standard normal values,
  ``∫ [1 - Φ(x)^n - (1 - Φ(x))^n] dx`` over the real line (Tippett 1925).
* ``d3(n)`` is the standard deviation of that range, from
  ``E[W²] = 2 ∫∫_{x<y} [1 - Φ(y)^n - (1 - Φ(x))^n + (Φ(y) - Φ(x))^n] dx dy``.
* ``c4(n) = sqrt(2 / (n - 1)) Γ(n / 2) / Γ((n - 1) / 2)``, the mean of the sample standard
  deviation of ``n`` standard normal values.

Both integrals use Gauss-Legendre quadrature on [-L, L] with L = 12 (Φ(-12) ≈ 2e-33), the
inner integral of d3 mapped onto [-L, y] for each outer node, so the integrand never
crosses the kink on the diagonal; 200 nodes per dimension give the values to about 1e-13.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import special

from ._validation import StatsInputError

_L = 12.0
_NODES = 200


def _check_n(n: Any, smallest: int = 2) -> int:
    if isinstance(n, bool) or not float(n).is_integer():
        raise StatsInputError(f"subgroup size must be a whole number, got {n!r}")
    n = int(n)
    if n < smallest:
        raise StatsInputError(f"subgroup size must be at least {smallest}, got {n}")
    return n


@lru_cache(maxsize=1)
def _gauss_legendre() -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(_NODES)


def _phi(x: np.ndarray) -> np.ndarray:
    return special.ndtr(x)


@lru_cache(maxsize=512)
def d2(n: int) -> float:
    """Mean of the relative range W = R/σ of ``n`` normal values.

    >>> round(d2(2), 6), round(d2(5), 6)
    (1.128379, 2.325929)
    """
    n = _check_n(n)
    t, w = _gauss_legendre()
    x = _L * t
    p = _phi(x)
    q = special.ndtr(-x)  # 1 - Φ(x) without cancellation in the upper tail
    f = 1.0 - p**n - q**n
    return float(_L * np.dot(w, f))


@lru_cache(maxsize=512)
def _range_second_moment(n: int) -> float:
    t, w = _gauss_legendre()
    y = _L * t  # outer nodes on [-L, L]
    half = (y + _L) / 2.0  # inner interval [-L, y] has half-length (y + L) / 2
    x = -_L + half[:, None] * (t[None, :] + 1.0)  # inner nodes, one row per y
    py = _phi(y)[:, None]
    px = _phi(x)
    qx = special.ndtr(-x)
    g = 1.0 - py**n - qx**n + np.clip(py - px, 0.0, None) ** n
    inner = half * (g @ w)
    return float(2.0 * _L * np.dot(w, inner))


@lru_cache(maxsize=512)
def d3(n: int) -> float:
    """Standard deviation of the relative range W = R/σ of ``n`` normal values.

    >>> round(d3(2), 4), round(d3(5), 4)
    (0.8525, 0.8641)
    """
    n = _check_n(n)
    mean = d2(n)
    var = _range_second_moment(n) - mean * mean
    return float(math.sqrt(var))


def c4(n: int) -> float:
    """Mean of the sample standard deviation of ``n`` standard normal values.

    >>> round(c4(5), 6)
    0.939986
    """
    n = _check_n(n)
    log_ratio = special.gammaln(n / 2.0) - special.gammaln((n - 1) / 2.0)
    return float(math.sqrt(2.0 / (n - 1)) * math.exp(log_ratio))


@dataclass(frozen=True)
class ChartConstants:
    """The factors of a subgroup size, in the names of Montgomery's Appendix VI (3-sigma).

    ``E2`` is the individuals-chart factor 3/d2 for moving ranges of span ``n``.
    """

    n: int
    d2: float
    d3: float
    c4: float
    A: float
    A2: float
    A3: float
    B3: float
    B4: float
    B5: float
    B6: float
    D1: float
    D2: float
    D3: float
    D4: float
    E2: float

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@lru_cache(maxsize=512)
def constants(n: int, k: float = 3.0) -> ChartConstants:
    """All factors for subgroups of size ``n`` and ``k``-sigma limits (3 by default).

    >>> c = constants(5)
    >>> round(c.A2, 3), round(c.D4, 3), round(c.B4, 3)
    (0.577, 2.114, 2.089)
    """
    n = _check_n(n)
    k = float(k)
    dd2, dd3, cc4 = d2(n), d3(n), c4(n)
    s_c4 = math.sqrt(1.0 - cc4 * cc4)
    return ChartConstants(
        n=n,
        d2=dd2,
        d3=dd3,
        c4=cc4,
        A=k / math.sqrt(n),
        A2=k / (dd2 * math.sqrt(n)),
        A3=k / (cc4 * math.sqrt(n)),
        B3=max(0.0, 1.0 - k * s_c4 / cc4),
        B4=1.0 + k * s_c4 / cc4,
        B5=max(0.0, cc4 - k * s_c4),
        B6=cc4 + k * s_c4,
        D1=max(0.0, dd2 - k * dd3),
        D2=dd2 + k * dd3,
        D3=max(0.0, 1.0 - k * dd3 / dd2),
        D4=1.0 + k * dd3 / dd2,
        E2=k / dd2,
    )


def table(sizes: Any = range(2, 26), k: float = 3.0) -> list[dict[str, Any]]:
    """The constants for several subgroup sizes as rows (Appendix VI layout)."""
    return [constants(int(n), k).to_dict() for n in sizes]
