"""What the quality engines (SPC, capability, validation, comparability) share."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ._validation import StatsInputError, as_float_vector


class NotEstimableError(StatsInputError):
    """The data do not determine the quantity (zero variance, p̄ of 0 or 1, too few points)."""


def finite(value: float, what: str) -> float:
    """Return ``value`` as a float, or raise naming ``what`` when it is NaN or infinite."""
    value = float(value)
    if not math.isfinite(value):
        raise NotEstimableError(f"{what} is not estimable from these data")
    return value


def fmt(value: Any, digits: int = 4, missing: str = "not estimable") -> str:
    """A number for a person: ``digits`` significant figures, or ``missing`` for None."""
    if value is None:
        return missing
    if isinstance(value, float) and not math.isfinite(value):
        return missing
    if isinstance(value, int | float):
        return f"{value:.{digits}g}"
    return str(value)


def values_vector(values: Any, name: str = "values") -> np.ndarray:
    """Like ``as_float_vector`` but without copying a clean float64 vector (large series).

    The array returned is a read-only view, so a chart cannot change the caller's data.
    """
    arr = values.to_numpy() if isinstance(values, pd.Series) else values
    clean = isinstance(arr, np.ndarray) and arr.dtype == np.float64 and arr.ndim == 1
    if clean and np.isfinite(arr).all():
        view = arr.view()
        view.flags.writeable = False
        return view
    return as_float_vector(values, name)


def mean_abs_diff(x: np.ndarray, chunk: int = 1 << 19) -> float:
    """Mean of ``|x[i+1] - x[i]|`` in chunks, so a huge series needs no second copy."""
    n = x.size - 1
    total = 0.0
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        total += float(np.abs(x[start + 1 : stop + 1] - x[start:stop]).sum())
    return total / n
