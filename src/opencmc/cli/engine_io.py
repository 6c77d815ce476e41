"""What the engine commands share: tables in, one-line errors out, JSON printing."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd
import typer

from opencmc.science.stats._validation import StatsInputError, require_columns


def fail(message: str) -> NoReturn:
    """One clear line on stderr and exit code 2 (bad input), never a traceback."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=2)


def read_table(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """A CSV or Excel file as a data frame, or a clear error naming the file."""
    if not path.exists():
        fail(f"{path}: file not found")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            return pd.read_excel(path, sheet_name=sheet or 0)
        return pd.read_csv(path)
    except Exception as exc:  # any reader failure is bad input for the user
        fail(f"{path}: cannot read table ({exc.__class__.__name__}: {exc})")


def columns(data: pd.DataFrame, path: Path, *names: str | None) -> None:
    try:
        require_columns(data, list(names))
    except StatsInputError as exc:
        fail(f"{path}: {exc}")


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        try:
            return _clean(value.item())
        except (ValueError, AttributeError):
            return str(value)
    return value


def print_json(payload: Any) -> None:
    """Strict JSON on stdout: non-finite numbers become null, never NaN."""
    typer.echo(json.dumps(_clean(payload), indent=2, allow_nan=False, default=str))


def check_plot_path(plot: Path | None) -> None:
    if plot is not None and plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        fail(f"{plot}: plot file must end in .png, .svg or .pdf")


def float_pair(text: str | None, name: str) -> tuple[float, float] | None:
    """Parse "98,102" into (98.0, 102.0)."""
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        fail(f"{name} must be two numbers like 98,102; got {text!r}")
    return low, high
