"""Out-of-trend check: is a new result outside the prediction interval of its batch's trend?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import NegativeTimeError, TooFewPointsError, as_float_vector, check_level
from .regression import _jsonable, polynomial


@dataclass(frozen=True)
class OutOfTrendResult:
    """The new point, the prediction interval from the earlier points, and the flag."""

    time: float
    value: float
    predicted: float
    lower: float
    upper: float
    level: float
    out_of_trend: bool
    direction: str | None
    n_earlier: int

    def to_dict(self) -> dict[str, Any]:
        return {k: _jsonable(getattr(self, k)) for k in self.__dataclass_fields__}


def out_of_trend(
    times: Any, values: Any, new_time: float, new_value: float, level: float = 0.95
) -> OutOfTrendResult:
    """Flag ``new_value`` at ``new_time`` if it lies outside the two-sided prediction
    interval (at ``level``) of a straight line fitted to the batch's earlier points.

    >>> r = out_of_trend([0, 3, 6, 9], [100.0, 99.4, 99.1, 98.5], 12, 96.0)
    >>> r.out_of_trend, r.direction
    (True, 'below')
    """
    level = check_level(level, "level")
    t = as_float_vector(times, "times")
    y = as_float_vector(values, "values")
    if np.any(t < 0) or new_time < 0:
        raise NegativeTimeError("time points must not be negative")
    if len(np.unique(t)) < 3:
        raise TooFewPointsError(
            f"the earlier points have {len(np.unique(t))} distinct time point(s); "
            "at least 3 are needed for a trend"
        )
    fit = polynomial(t, y, degree=1)
    pred = fit.predict([float(new_time)], interval="prediction", level=level)
    lo, hi = float(pred.lower[0]), float(pred.upper[0])
    value = float(new_value)
    direction = "below" if value < lo else "above" if value > hi else None
    return OutOfTrendResult(
        time=float(new_time),
        value=value,
        predicted=float(pred.mean[0]),
        lower=lo,
        upper=hi,
        level=level,
        out_of_trend=direction is not None,
        direction=direction,
        n_earlier=len(t),
    )
