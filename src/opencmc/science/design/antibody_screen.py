"""Screening antibody libraries (10^5-10^6 variants) with vectorised metrics, in bounded memory.

Variants are read and profiled in chunks. Numbering is done once per framework: a
variant whose chain has the same length and the same residues outside the CDRs as an
already numbered chain takes that chain's numbering (IMGT positions are fixed by the
framework and the CDR lengths); any other chain is numbered by ANARCI, and a chain that
cannot be numbered is reported as such in its row. The per-variant metrics then come
from NumPy on residue-code matrices and equal, to 1e-9, those of the one-at-a-time
:func:`opencmc.science.design.antibody.profile`.

Each distinct chain is encoded once; a chain sharing a template's framework is computed
as the template's numbers plus what its CDR columns, and the motif windows reaching into
them, contribute (:mod:`antibody_screen_chains`); motifs are one table lookup per window
(:mod:`antibody_screen_motifs`); pI is bisected once per distinct ionisable composition.

>>> import pandas as pd
>>> lib = pd.DataFrame({"name": ["a"], "heavy": [
...     "EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQ"
...     "MNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"], "light": [None]})
>>> screen_frame(lib).loc[0, "cdr_length_total"]
np.int64(29)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opencmc.science.design.antibody_input import AntibodyInputError, check_chain
from opencmc.science.design.antibody_liabilities import Motif, default_catalogue
from opencmc.science.design.antibody_metrics import DEFAULT_FORMULATION_PH
from opencmc.science.design.antibody_screen_chains import (
    IONISABLE,
    Templates,
    chain_table,
    encode_by_length,
    pi_and_charge,
)
from opencmc.science.design.antibody_screen_motifs import compile_motifs, motif_risk_counts

__all__ = ["COLUMNS", "ScreenResult", "Templates", "motif_risk_counts", "screen", "screen_frame"]

COLUMNS = (
    "name",
    "status",
    "pi",
    "net_charge",
    "cdr_length_total",
    "cdr_hydrophobicity",
    "cdr_positive_count",
    "cdr_negative_count",
    "fv_net_charge",
    "fv_csp",
    "motif_high",
    "motif_medium",
)


def _missing(value: Any) -> bool:
    return not isinstance(value, str) and bool(pd.isna(value))


def _clean(values: list[Any]) -> list[str | None]:
    """Chains without white space, upper-cased; ``None`` for a missing or blank one."""
    return [None if _missing(v) else "".join(str(v).split()).upper() or None for v in values]


def _factorize(values: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Code of each value and the distinct values in order of appearance."""
    index = dict.fromkeys(values, 0)
    for i, value in enumerate(index):
        index[value] = i
    codes = np.fromiter(map(index.__getitem__, values), dtype=np.intp, count=len(values))
    return codes, list(index)


def _chain_column(
    values: list[Any], names: list[str], label: str, optional: bool
) -> tuple[np.ndarray, np.ndarray, list[str], dict[int, tuple[np.ndarray, np.ndarray]]]:
    """Per row the index of its distinct chain, which distinct chains are present, the
    present ones and their codes by length (:func:`encode_by_length`).

    Chains are encoded as given when they are clean (only the 20 amino acids, upper
    case), which needs no per-row work; otherwise white space is dropped and letters
    upper-cased first. A bad chain is reported with its record and position.
    """
    for attempt in ("as given", "cleaned"):
        if attempt == "cleaned":
            values = [s or "" for s in _clean(values)]
        codes, distinct = _factorize(values)
        present = np.array([isinstance(s, str) and bool(s) for s in distinct], dtype=bool)
        chains = [s for s, p in zip(distinct, present.tolist(), strict=True) if p]
        if not (optional or present.all()):
            continue
        if all(p or _missing(s) or s == "" for s, p in zip(distinct, present, strict=True)):
            try:
                return codes, present, chains, encode_by_length(chains)
            except ValueError:
                pass
    problems = []
    for name, seq in zip(names, _clean(values), strict=True):
        if seq is not None or not optional:
            problems += check_chain(seq or "", name, label, min_length=1)[1]
    if not problems:  # e.g. a final "*", which the screen does not strip
        problems = [
            f"record {name!r} {label} chain: only the 20 amino acids can be screened"
            for name, seq in zip(names, _clean(values), strict=True)
            if seq is not None and not seq.isalpha()
        ]
    raise AntibodyInputError(problems or [f"{label} chains: only the 20 amino acids"])


def _expand(table: dict[str, np.ndarray], present: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """The table with a zero entry for "no chain" at the rows not in ``present``."""
    out = {}
    for key, values in table.items():
        full = np.zeros((size, *values.shape[1:]), dtype=values.dtype)
        full[present] = values
        out[key] = full
    return out


def screen_frame(
    frame: pd.DataFrame,
    formulation_ph: float = DEFAULT_FORMULATION_PH,
    templates: Templates | None = None,
    motifs: tuple[Motif, ...] | None = None,
) -> pd.DataFrame:
    """Metrics of every row of a ``name``, ``heavy``[, ``light``] table (one chunk).

    Each distinct chain is profiled once (a campaign often keeps one light chain), and
    the per-row numbers are sums and products of its chains' numbers.
    """
    templates = templates if templates is not None else Templates()
    compiled = compile_motifs(tuple(motifs if motifs is not None else default_catalogue()))
    names = frame["name"].astype(str).tolist()
    h_codes, _h_present, h_list, h_groups = _chain_column(
        frame["heavy"].tolist(), names, "heavy", optional=False
    )
    light = frame["light"].tolist() if "light" in frame.columns else [None] * len(frame)
    l_codes, l_present, l_list, l_groups = _chain_column(light, names, "light", optional=True)
    H = chain_table("heavy", h_groups, h_list, templates, formulation_ph, compiled)
    L_part = chain_table("light", l_groups, l_list, templates, formulation_ph, compiled)
    L = _expand(L_part, np.flatnonzero(l_present), l_present.size)
    hi, li = h_codes, l_codes
    has_light = l_present[li]
    last = np.where(has_light, L["last"][li], H["last"][hi])
    numbered = H["numbered"][hi]
    light_ok = has_light & L["numbered"][li]
    ccounts = H["cdr_ionisable"][hi] + L["cdr_ionisable"][li]
    ik, ir, id_, ie = (IONISABLE.index(a) for a in "KRDE")
    pi, charge = pi_and_charge(H["ionisable"][hi] + L["ionisable"][li], H["first"][hi], last)
    out = pd.DataFrame({"name": names, "status": "ok", "pi": pi, "net_charge": charge})
    out["cdr_length_total"] = H["cdr_length"][hi] + L["cdr_length"][li]
    out["cdr_hydrophobicity"] = H["cdr_hydrophobicity"][hi] + L["cdr_hydrophobicity"][li]
    out["cdr_positive_count"] = ccounts[:, ik] + ccounts[:, ir]
    out["cdr_negative_count"] = ccounts[:, id_] + ccounts[:, ie]
    out["fv_net_charge"] = H["charge_7_4"][hi] + np.where(light_ok, L["charge_7_4"][li], 0.0)
    out["fv_csp"] = np.where(
        light_ok, H["charge_formulation"][hi] * L["charge_formulation"][li], np.nan
    )
    out["motif_high"] = H["high"][hi] + L["high"][li]
    out["motif_medium"] = H["medium"][hi] + L["medium"][li]
    if not numbered.all():
        for col in (
            "cdr_length_total",
            "cdr_hydrophobicity",
            "cdr_positive_count",
            "cdr_negative_count",
            "fv_net_charge",
        ):
            out[col] = out[col].where(numbered)
        out.loc[~numbered, "fv_csp"] = np.nan
        out.loc[~numbered, "status"] = "heavy chain not numbered"
    bad_light = numbered & has_light & ~light_ok
    if bad_light.any():
        out.loc[bad_light, "status"] = "light chain not numbered"
        out.loc[bad_light, ["fv_csp", "fv_net_charge"]] = np.nan
    return out[list(COLUMNS)]


@dataclass(frozen=True)
class ScreenResult:
    """Summary of a screen; the rows themselves are in ``out``."""

    out: str
    rows: int
    kept: int
    not_numbered: int
    numbered_chains: int

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        yield from pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", chunksize=chunk_size)
    elif suffix == ".parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_size):
            yield batch.to_pandas()
    else:
        raise AntibodyInputError([f"{path}: screening reads CSV, TSV or Parquet files"])


def screen(
    path: str | Path,
    out: str | Path,
    formulation_ph: float = DEFAULT_FORMULATION_PH,
    criteria: dict[str, tuple[float | None, float | None]] | None = None,
    sort_by: str | None = "motif_high",
    chunk_size: int = 50_000,
    progress: Callable[[int], None] | None = None,
) -> ScreenResult:
    """Profile a library file chunk by chunk and write the kept rows to CSV or Parquet.

    ``criteria`` maps a column to (minimum, maximum), either may be None. Rows are
    sorted by ``sort_by`` (ascending) at the end, which reads only the kept rows back.
    """
    path, out = Path(path), Path(out)
    if not path.exists():
        raise AntibodyInputError([f"{path}: file not found"])
    for column in criteria or {}:
        if column not in COLUMNS:
            raise AntibodyInputError([f"unknown criterion column {column!r}; one of {COLUMNS}"])
    templates = Templates()
    parts: list[pd.DataFrame] = []
    rows = not_numbered = 0
    for chunk in _chunks(path, chunk_size):
        chunk.columns = [str(c).strip().lower() for c in chunk.columns]
        if "name" not in chunk.columns or "heavy" not in chunk.columns:
            raise AntibodyInputError([f"{path}: needs columns name, heavy[, light]"])
        result = screen_frame(chunk, formulation_ph, templates)
        rows += len(result)
        not_numbered += int((result["status"] != "ok").sum())
        keep = np.ones(len(result), dtype=bool)
        for column, (low, high) in (criteria or {}).items():
            values = result[column].to_numpy(dtype=float)
            if low is not None:
                keep &= values >= low
            if high is not None:
                keep &= values <= high
        # Only the kept rows' numbers stay in memory; a chunk's sequences are dropped.
        parts.append(result[keep])
        if progress is not None:
            progress(len(result))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))
    if sort_by:
        table = table.sort_values([sort_by, "name"], kind="stable")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        table.to_parquet(out, index=False)
    else:
        table.to_csv(out, index=False)
    numbered_chains = sum(len(v) for v in templates.items.values())
    return ScreenResult(str(out), rows, len(table), not_numbered, numbered_chains)
