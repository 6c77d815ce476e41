"""Mixture designs: simplex lattice and centroid (Scheffé), extreme vertices of a bounded region.

Components are proportions adding to 1. Lower bounds are honoured through
L-pseudocomponents; when an upper bound cuts the simplex, the extreme vertices
(McLean and Anderson 1966) describe the region.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from .factors import DesignError, Region
from .runsheet import Design, _finish, _region, _require


def _mixture_bounds(region: Region) -> tuple[np.ndarray, np.ndarray]:
    _require(region, ("mixture",), "a mixture design")
    low = np.array([f.low for f in region.factors], dtype=float)
    high = np.array([f.high for f in region.factors], dtype=float)
    if low.sum() > 1 + 1e-12:
        raise DesignError(f"mixture lower bounds add up to {low.sum():g} > 1: no blend is possible")
    if high.sum() < 1 - 1e-12:
        raise DesignError(
            f"mixture upper bounds add up to {high.sum():g} < 1: no blend is possible"
        )
    return low, high


def _pseudo(points: np.ndarray, low: np.ndarray) -> np.ndarray:
    """L-pseudocomponents back to proportions: x = L + (1 - sum L) z."""
    return low + (1.0 - low.sum()) * points


def _lattice_points(q: int, m: int) -> np.ndarray:
    pts = [c for c in itertools.product(range(m + 1), repeat=q) if sum(c) == m]
    return np.array(sorted(pts, reverse=True), dtype=float) / m


def _centroid_points(q: int) -> np.ndarray:
    rows = []
    for r in range(1, q + 1):
        for combo in itertools.combinations(range(q), r):
            z = np.zeros(q)
            z[list(combo)] = 1.0 / r
            rows.append(z)
    return np.array(rows)


def extreme_vertices(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Vertices of {sum x = 1, low <= x <= high} (McLean and Anderson 1966)."""
    q = len(low)
    verts = []
    for free in range(q):
        others = [j for j in range(q) if j != free]
        for choice in itertools.product((0, 1), repeat=q - 1):
            x = np.empty(q)
            for j, c in zip(others, choice, strict=True):
                x[j] = high[j] if c else low[j]
            x[free] = 1.0 - x[others].sum()
            if low[free] - 1e-12 <= x[free] <= high[free] + 1e-12:
                verts.append(np.round(x, 12))
    if not verts:
        raise DesignError("the mixture bounds leave no feasible blend")
    return np.unique(np.array(verts), axis=0)


def _upper_active(low: np.ndarray, high: np.ndarray) -> bool:
    """Whether an upper bound cuts the (lower-bounded) simplex."""
    return bool(np.any(high < 1.0 - (low.sum() - low) - 1e-12))


def simplex_lattice(
    factors: Any,
    degree: int = 2,
    *,
    centroid: bool = False,
    replicates: int = 1,
    randomize: bool = True,
    seed: int | None = None,
) -> Design:
    """{q, m} simplex lattice (Scheffé 1958): proportions 0, 1/m, ..., 1 adding to 1.

    Lower bounds are honoured through L-pseudocomponents; with active upper bounds use
    :func:`extreme_vertices_design`. ``centroid=True`` adds the overall centroid.

    >>> simplex_lattice([("A", 0, 1, "", "mixture"), ("B", 0, 1, "", "mixture"),
    ...                  ("C", 0, 1, "", "mixture")], 2, randomize=False).n_runs
    6
    """
    region = _region(factors)
    low, high = _mixture_bounds(region)
    if _upper_active(low, high):
        raise DesignError("upper bounds cut the simplex; use extreme_vertices_design")
    q = len(low)
    z = _lattice_points(q, int(degree))
    if centroid:
        z = np.vstack([z, np.full((1, q), 1.0 / q)])
    x = _pseudo(z, low)
    return _finish(
        region,
        x,
        f"{{{q},{degree}}} simplex lattice",
        replicates=replicates,
        randomize=randomize,
        seed=seed,
        model="scheffe-quadratic" if degree >= 2 else "scheffe-linear",
    )


def simplex_centroid(
    factors: Any, *, replicates: int = 1, randomize: bool = True, seed: int | None = None
) -> Design:
    """Simplex centroid (Scheffé 1963): every subset's equal blend, 2^q - 1 runs."""
    region = _region(factors)
    low, high = _mixture_bounds(region)
    if _upper_active(low, high):
        raise DesignError("upper bounds cut the simplex; use extreme_vertices_design")
    q = len(low)
    x = _pseudo(_centroid_points(q), low)
    return _finish(
        region,
        x,
        f"{q}-component simplex centroid",
        replicates=replicates,
        randomize=randomize,
        seed=seed,
        model="special-cubic" if q >= 3 else "scheffe-quadratic",
    )


def extreme_vertices_design(
    factors: Any, *, centroid: bool = True, randomize: bool = True, seed: int | None = None
) -> Design:
    """Extreme vertices of a bounded mixture region, plus the overall centroid."""
    region = _region(factors)
    low, high = _mixture_bounds(region)
    v = extreme_vertices(low, high)
    if centroid:
        v = np.vstack([v, v.mean(axis=0)])
    return _finish(
        region,
        v,
        "extreme vertices mixture design",
        randomize=randomize,
        seed=seed,
        model="scheffe-linear",
    )
