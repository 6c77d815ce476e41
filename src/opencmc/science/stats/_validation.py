"""Input checks shared by the statistics engines, with errors that name the problem."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


class StatsInputError(ValueError):
    """Input a statistics engine cannot use; the message names the column, batch or field."""


class MissingColumnError(StatsInputError):
    """A column named in the call is not in the data."""


class NonNumericError(StatsInputError):
    """A column that must hold numbers holds text, blanks or non-finite values."""


class NegativeTimeError(StatsInputError):
    """A time point is negative."""


class TooFewPointsError(StatsInputError):
    """A batch or data set has too few distinct time points to fit a line."""


class LimitSideError(StatsInputError):
    """An acceptance limit lies on the wrong side of the data (or lower >= upper)."""


class RankDeficientError(StatsInputError):
    """The design matrix has linearly dependent columns, so the fit is not unique."""


def as_float_vector(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D float array, or raise naming the first bad entry.

    >>> as_float_vector([1, 2.5], "y").tolist()
    [1.0, 2.5]
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        arr = arr.reshape(-1) if arr.ndim == 2 and 1 in arr.shape else arr
    if arr.ndim != 1:
        raise StatsInputError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind in "biuf":
        out = arr.astype(float)
    else:
        out = pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(np.isnan(out) & ~pd.isna(pd.Series(arr)).to_numpy())
        if bad.size:
            i = int(bad[0])
            raise NonNumericError(f"{name}: value {arr[i]!r} at position {i} is not a number")
    not_finite = np.flatnonzero(~np.isfinite(out))
    if not_finite.size:
        i = int(not_finite[0])
        raise NonNumericError(f"{name}: value at position {i} is missing or not finite")
    return out


def as_float_matrix(values: Any, name: str) -> np.ndarray:
    """Return ``values`` as a 2-D float array (a 1-D input becomes one column).

    >>> as_float_matrix([1, 2, 3], "X").shape
    (3, 1)
    """
    arr = values.to_numpy() if isinstance(values, pd.DataFrame) else np.asarray(values)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise StatsInputError(f"{name} must be two-dimensional, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf":
        try:
            arr = arr.astype(float)
        except (TypeError, ValueError) as exc:
            raise NonNumericError(f"{name} holds values that are not numbers") from exc
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        row, col = np.argwhere(~np.isfinite(arr))[0]
        raise NonNumericError(f"{name}: value at row {row}, column {col} is missing or not finite")
    return arr


def require_columns(data: pd.DataFrame, columns: Sequence[str | None]) -> None:
    """Raise :class:`MissingColumnError` listing any requested column not in ``data``."""
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise MissingColumnError(
            f"column(s) {', '.join(map(repr, missing))} not found; "
            f"available: {', '.join(map(repr, map(str, data.columns)))}"
        )


def numeric_column(data: pd.DataFrame, column: str) -> np.ndarray:
    """Return a data-frame column as floats, naming the first row that is not a number."""
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        label = data.index[i]
        shown = raw.iloc[i]
        what = "is empty" if pd.isna(shown) else f"{shown!r} is not a number"
        raise NonNumericError(f"column {column!r}, row {label}: {what}")
    return values


def check_level(level: float, name: str = "confidence") -> float:
    """Check a probability strictly between 0 and 1."""
    level = float(level)
    if not 0.0 < level < 1.0:
        raise StatsInputError(f"{name} must be between 0 and 1 (exclusive), got {level}")
    return level


def check_choice(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """Check that ``value`` is one of ``choices``."""
    if value not in choices:
        raise StatsInputError(
            f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}"
        )
    return value
