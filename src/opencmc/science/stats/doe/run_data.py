"""Reading a completed run sheet: the response column, the factor columns and their coding.

Factor columns given by name are coded from the data (the two levels, or a central
composite design's cube levels, become -1/+1); :class:`Factor` objects are coded on their
declared ranges. Every problem names the column and the row.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .._validation import MissingColumnError, NonNumericError, StatsInputError
from .factors import Factor, make_factors
from .runsheet import Design

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
