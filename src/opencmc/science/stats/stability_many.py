"""Q1E shelf lives for many stability data sets with one layout, computed as whole arrays.

Nightly re-trending of every product needs thousands of shelf lives at once; here the
ANCOVA, model choice and bound crossing run as NumPy array operations over all data
sets, using the same core as :func:`~opencmc.science.stats.stability.shelf_life`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _ancova
from ._validation import (
    LimitSideError,
    NegativeTimeError,
    NonNumericError,
    StatsInputError,
    TooFewPointsError,
    check_choice,
    check_level,
)


@dataclass(frozen=True, eq=False)
class ManyShelfLives:
    """Per-data-set results; ``shelf_life`` is ``inf`` where no limit is reached."""

    shelf_life: np.ndarray
    reached: np.ndarray
    model: np.ndarray
    p_slopes: np.ndarray
    p_intercepts: np.ndarray
    limiting_batch: np.ndarray
    search_max: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({k: getattr(self, k) for k in self.__dataclass_fields__})


def shelf_life_many(
    times: Any,
    values: Any,
    batches: Any,
    lower: float | None = None,
    upper: float | None = None,
    confidence: float = 0.95,
    pool_alpha: float = 0.25,
    separate_slopes_mse: str = "per_batch",
    search_max: float | None = None,
) -> ManyShelfLives:
    """Shelf lives of ``m`` data sets sharing the batch layout ``batches`` (length ``n``).

    ``values`` is ``(m, n)``; ``times`` is ``(n,)`` or ``(m, n)``. The rules are those of
    :func:`~opencmc.science.stats.stability.shelf_life` with ``model="auto"``.

    >>> t = [0, 6, 12, 0, 6, 12]
    >>> y = [[100, 99, 98, 101, 100, 99.2], [100, 99.5, 99, 100.2, 99.6, 99.1]]
    >>> res = shelf_life_many(t, y, ["a", "a", "a", "b", "b", "b"], lower=95)
    >>> res.model.tolist()
    ['separate', 'separate']
    """
    check_choice(separate_slopes_mse, "separate_slopes_mse", ("per_batch", "pooled"))
    confidence = check_level(confidence, "confidence")
    pool_alpha = check_level(pool_alpha, "pool_alpha")
    if lower is None and upper is None:
        raise StatsInputError("give an acceptance limit: lower=, upper= or both")
    if lower is not None and upper is not None and lower >= upper:
        raise LimitSideError(f"lower limit {lower} is not below upper limit {upper}")
    y = np.atleast_2d(np.asarray(values, dtype=float))
    t = np.broadcast_to(np.asarray(times, dtype=float), y.shape)
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(t))):
        raise NonNumericError("times and values must be finite numbers")
    if np.any(t < 0):
        raise NegativeTimeError("time points must not be negative")
    names, codes = np.unique(np.asarray(batches).astype(str), return_inverse=True)
    if codes.shape[0] != y.shape[1]:
        raise StatsInputError(f"batches has {codes.shape[0]} entries, values have {y.shape[1]}")
    groups = np.eye(len(names))[codes]
    for j, name in enumerate(names):
        cols = t[:, codes == j]
        distinct = (
            np.array([len(np.unique(row)) for row in cols])
            if len(cols) < 50
            else ((np.diff(np.sort(cols, axis=1), axis=1) > 0).sum(axis=1) + 1)
        )
        if distinct.min() < 3:
            raise TooFewPointsError(f"batch {name!r} has fewer than 3 distinct time points")
    an = _ancova.fit_ancova(t, y, groups, separate_slopes_mse)
    chosen = _ancova.choose_model(an, pool_alpha)
    two = lower is not None and upper is not None
    limit_max = 5.0 * t.max(axis=1) if search_max is None else np.full(len(y), float(search_max))
    best = np.full(y.shape[0], np.inf)
    batch_at = np.full(y.shape[0], -1)
    for model in _ancova.MODELS:
        use = chosen == model
        if not use.any():
            continue
        lines = an.lines[model]
        q = _ancova.quantile(confidence, two, lines.df)
        for side, limit in (("lower", lower), ("upper", upper)):
            if limit is None:
                continue
            tm, _ = _ancova.crossing_time(lines, float(limit), side, q)
            j = np.argmin(tm, axis=1)
            first = tm[np.arange(len(tm)), j]
            better = use & (first < best)
            best = np.where(better, first, best)
            batch_at = np.where(better, j, batch_at)
    reached = best <= limit_max
    return ManyShelfLives(
        shelf_life=np.where(reached, best, np.inf),
        reached=reached,
        model=chosen,
        p_slopes=an.p_slopes,
        p_intercepts=an.p_intercepts,
        limiting_batch=np.where(reached, names[np.maximum(batch_at, 0)], ""),
        search_max=limit_max,
    )
