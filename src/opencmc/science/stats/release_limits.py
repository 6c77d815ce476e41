"""Release limits: worst-case ("what-if") shelf life and the release limit a shelf life needs.

Follows the Australian TGA guidance (ARGPM, stability testing) as the R package
expirest computes it in ``expirest_wisle``: a batch released exactly at the release
limit is assumed to degrade like the worst-case batch of the Q1E analysis. Moving the
line to start at the release limit is the same as moving the specification limit by
the distance between the fitted intercept and the release limit, so the worst-case
limit is ``specification + intercept - release`` and the what-if shelf life is where
the confidence bound of the worst-case batch meets it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _ancova
from ._validation import LimitSideError, StatsInputError
from .regression import _jsonable
from .stability import ShelfLifeResult, shelf_life


@dataclass(frozen=True)
class ReleaseLimitResult:
    """What-if shelf life of a batch released at ``release_limit`` (or the limit needed)."""

    model: str
    batch: str
    side: str
    specification_limit: float
    release_limit: float
    intercept: float
    worst_case_limit: float
    shelf_life: float | None
    reached: bool
    ordinary_shelf_life: float | None
    target_shelf_life: float | None
    search_max: float

    def to_dict(self) -> dict[str, Any]:
        return {k: _jsonable(getattr(self, k)) for k in self.__dataclass_fields__}


def _single_limit(lower: float | None, upper: float | None) -> tuple[str, float]:
    if (lower is None) == (upper is None):
        raise StatsInputError(
            "release limits need exactly one specification limit: lower= or upper="
        )
    return ("lower", float(lower)) if lower is not None else ("upper", float(upper))


def _worst_case(base: ShelfLifeResult, side: str) -> tuple[int, _ancova.Lines]:
    """Index and line of the worst-case batch: the worst fitted intercept.

    That is the lowest intercept for a lower limit and the highest for an upper one, as
    expirest chooses it; its published what-if results (answers.json) depend on this.
    """
    intercepts = np.array([line.intercept for line in base.lines])
    j = int(np.argmin(intercepts) if side == "lower" else np.argmax(intercepts))
    fits = base._fits[base.model]
    one = _ancova.Lines(
        *(
            getattr(fits, f)[:, j : j + 1]
            for f in ("centre_value", "slope", "centre_time", "n_eff", "sxx", "s2", "df")
        )
    )
    return j, one


def whatif_shelf_life(
    data: pd.DataFrame,
    time: str,
    value: str,
    release_limit: float,
    batch: str | None = None,
    lower: float | None = None,
    upper: float | None = None,
    **kwargs: Any,
) -> ReleaseLimitResult:
    """Shelf life of a batch released at ``release_limit`` (worst case), ARGPM style.

    Other keyword arguments (``confidence``, ``model``, ``separate_slopes_mse``,
    ``rounding_decimals``, ...) go to :func:`~opencmc.science.stats.stability.shelf_life`.

    >>> df = pd.DataFrame({"month": [0, 3, 6, 9, 12, 18],
    ...                    "assay": [100.2, 99.6, 99.1, 98.5, 98.1, 96.8]})
    >>> r = whatif_shelf_life(df, "month", "assay", release_limit=98.0, lower=95.0)
    >>> round(r.shelf_life, 1)
    15.6
    """
    side, _ = _single_limit(lower, upper)
    base = shelf_life(data, time=time, value=value, batch=batch, lower=lower, upper=upper, **kwargs)
    spec = base.lower if side == "lower" else base.upper
    release = float(release_limit)
    if (side == "lower" and release <= spec) or (side == "upper" and release >= spec):
        raise LimitSideError(
            f"release limit {release:g} must lie inside the {side} specification limit {spec:g}"
        )
    j, line = _worst_case(base, side)
    intercept = float(line.centre_value[0, 0] - line.slope[0, 0] * line.centre_time[0, 0])
    wcsl = spec + intercept - release
    q = _ancova.quantile(base.confidence, False, line.df)
    t, _ = _ancova.crossing_time(line, wcsl, side, q)
    reached = bool(t[0, 0] <= base.search_max)
    return ReleaseLimitResult(
        model=base.model,
        batch=base.lines[j].batch,
        side=side,
        specification_limit=spec,
        release_limit=release,
        intercept=intercept,
        worst_case_limit=float(wcsl),
        shelf_life=float(t[0, 0]) if reached else None,
        reached=reached,
        ordinary_shelf_life=base.shelf_life,
        target_shelf_life=None,
        search_max=base.search_max,
    )


def release_limit(
    data: pd.DataFrame,
    time: str,
    value: str,
    target_shelf_life: float,
    batch: str | None = None,
    lower: float | None = None,
    upper: float | None = None,
    **kwargs: Any,
) -> ReleaseLimitResult:
    """Release limit at which the worst-case what-if shelf life equals the target.

    The inverse of :func:`whatif_shelf_life`: ``release = spec + intercept - bound(T)``
    where ``bound(T)`` is the worst-case batch's confidence bound at the target time.

    >>> df = pd.DataFrame({"month": [0, 3, 6, 9, 12, 18],
    ...                    "assay": [100.2, 99.6, 99.1, 98.5, 98.1, 96.8]})
    >>> round(release_limit(df, "month", "assay", 24, lower=95.0).release_limit, 2)
    99.63
    """
    side, _ = _single_limit(lower, upper)
    target = float(target_shelf_life)
    if not target > 0:
        raise StatsInputError(f"target_shelf_life must be positive, got {target_shelf_life}")
    base = shelf_life(data, time=time, value=value, batch=batch, lower=lower, upper=upper, **kwargs)
    spec = base.lower if side == "lower" else base.upper
    j, line = _worst_case(base, side)
    intercept = float(line.centre_value[0, 0] - line.slope[0, 0] * line.centre_time[0, 0])
    q = float(_ancova.quantile(base.confidence, False, line.df)[0, 0])
    mean = float(line.mean(np.array([[target]]))[0, 0])
    se = float(line.se(np.array([[target]]))[0, 0])
    bound = mean - q * se if side == "lower" else mean + q * se
    release = spec + intercept - bound
    return ReleaseLimitResult(
        model=base.model,
        batch=base.lines[j].batch,
        side=side,
        specification_limit=spec,
        release_limit=float(release),
        intercept=intercept,
        worst_case_limit=float(bound),
        shelf_life=target,
        reached=True,
        ordinary_shelf_life=base.shelf_life,
        target_shelf_life=target,
        search_max=base.search_max,
    )
