"""Reading uploaded or pasted tables (CSV, TSV, XLSX) with errors that name the problem."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from opencmc.platform.errors import InvalidInput

MAX_ROWS = 200_000


def read_table(content: bytes, filename: str = "data.csv", field: str = "file") -> pd.DataFrame:
    """A DataFrame from CSV/TSV text or an XLSX workbook's first sheet.

    Raises InvalidInput naming the file and what is wrong: unreadable, empty, no header,
    duplicate column names or more than ``MAX_ROWS`` rows.
    """
    name = Path(filename or "data.csv").name
    if not content.strip():
        raise InvalidInput(f"{field}: {name} is empty", field=field)
    try:
        if content.startswith(b"PK\x03\x04") or name.lower().endswith((".xlsx", ".xlsm")):
            frame = pd.read_excel(io.BytesIO(content), sheet_name=0)
        else:
            text = content.decode("utf-8-sig")
            dialect = _sniff(text)
            frame = pd.read_csv(io.StringIO(text), sep=dialect, skipinitialspace=True)
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{field}: {name} is not UTF-8 text or an XLSX workbook", field=field
        ) from None
    except Exception as error:  # any parser failure is the user's file, said plainly
        raise InvalidInput(f"{field}: cannot read {name}: {error}", field=field) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InvalidInput(f"{field}: {name} has a header but no rows", field=field)
    duplicated = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicated:
        raise InvalidInput(f"{field}: {name} repeats the column {duplicated[0]!r}", field=field)
    if len(frame) > MAX_ROWS:
        raise InvalidInput(f"{field}: {name} has more than {MAX_ROWS} rows", field=field)
    return frame


def _sniff(text: str) -> str:
    sample = text[:4096]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def table_from_rows(rows: list[dict[str, object]], field: str = "rows") -> pd.DataFrame:
    """A DataFrame from JSON rows (a list of objects with the same keys)."""
    if not rows:
        raise InvalidInput(f"{field}: give at least one row", field=field)
    keys = list(rows[0])
    for number, row in enumerate(rows, start=1):
        if list(row) != keys and set(row) != set(keys):
            raise InvalidInput(
                f"{field}: row {number} has the columns {sorted(row)}, expected {sorted(keys)}",
                field=field,
            )
    return pd.DataFrame(rows, columns=keys)
