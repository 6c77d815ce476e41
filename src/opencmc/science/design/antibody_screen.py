"""Screening antibody libraries (10^5-10^6 variants) with vectorised metrics, in bounded memory.

Variants are read and profiled in chunks. Numbering is done once per framework: a
variant whose chain has the same length and the same residues outside the CDRs as an
already numbered chain takes that chain's numbering (IMGT positions are fixed by the
framework and the CDR lengths); any other chain is numbered by ANARCI, and a chain that
cannot be numbered is reported as such in its row. The per-variant metrics then come
from NumPy on residue-code matrices and equal, to 1e-9, those of the one-at-a-time
:func:`opencmc.science.design.antibody.profile`.

>>> import pandas as pd
>>> lib = pd.DataFrame({"name": ["a"], "heavy": [
...     "EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQ"
...     "MNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"], "light": [None]})
>>> screen_frame(lib).loc[0, "cdr_length_total"]
np.int64(29)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opencmc.science.design.antibody_input import AntibodyInputError, check_chain
from opencmc.science.design.antibody_liabilities import Motif, default_catalogue
from opencmc.science.design.antibody_metrics import DEFAULT_FORMULATION_PH
from opencmc.science.design.antibody_numbering import ChainNumbering, number_chains
from opencmc.science.design.protein_properties import (
    AMINO_ACIDS,
    PAD,
    batch_charge,
    batch_hydrophobicity_sum,
    batch_pi,
    counts_matrix,
    encode,
)

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


def _motif_sets(pattern: str) -> tuple[list[np.ndarray], bool, bool] | None:
    """Allowed residue codes per position of a simple motif, or None if not simple."""
    body = pattern
    anchored_start = body.startswith("^")
    body = body.removeprefix("^")
    if not (body.startswith("(?=") and body.endswith(")")):
        return None
    body = body[3:-1]
    anchored_end = body.endswith("$")
    body = body.removesuffix("$")
    sets = []
    for token in re.findall(r"\[\^?[A-Z]+\]|[A-Z]|.", body):
        if token.startswith("[^"):
            sets.append(np.array([c not in token[2:-1] for c in AMINO_ACIDS] + [False]))
        elif token.startswith("["):
            sets.append(np.array([c in token[1:-1] for c in AMINO_ACIDS] + [False]))
        elif token in AMINO_ACIDS:
            sets.append(np.array([c == token for c in AMINO_ACIDS] + [False]))
        else:
            return None
    return sets, anchored_start, anchored_end


def motif_risk_counts(
    codes: np.ndarray, lengths: np.ndarray, regions: np.ndarray, motifs: tuple[Motif, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """High and medium motif hits per row; ``regions`` codes 0 outside V, 1 FR, 2 CDR."""
    n, width = codes.shape
    high, medium = np.zeros(n, np.int64), np.zeros(n, np.int64)
    for motif in motifs:
        parsed = _motif_sets(motif.pattern)
        if parsed is None:
            raise ValueError(f"motif {motif.motif!r} is too complex for the vectorised screen")
        sets, at_start, at_end = parsed
        k = len(sets)
        if width < k:
            continue
        hit = np.ones((n, width - k + 1), dtype=bool)
        for j, allowed in enumerate(sets):
            hit &= allowed[codes[:, j : width - k + 1 + j]]
        starts = np.arange(width - k + 1)
        if at_start:
            hit &= starts[None, :] == 0
        if at_end:
            hit &= starts[None, :] == (lengths[:, None] - 1)
        where = regions[:, : width - k + 1]
        if motif.scope == "variable":
            hit &= where > 0
        elif motif.scope == "constant":
            hit &= where == 0
        in_cdr = hit & (where == 2)
        in_other = hit & (where != 2)
        for mask, risk in ((in_cdr, motif.risk_cdr), (in_other, motif.risk_framework)):
            if risk == "high":
                high += mask.sum(axis=1)
            elif risk == "medium":
                medium += mask.sum(axis=1)
    return high, medium


@dataclass
class Templates:
    """Numbered chains by (chain, length), with their framework fingerprints."""

    items: dict[tuple[str, int], list[tuple[np.ndarray, np.ndarray, ChainNumbering]]] = field(
        default_factory=dict
    )

    def match(self, chain: str, codes: np.ndarray) -> np.ndarray:
        """Index into the template list per row, -1 where no template fits."""
        out = np.full(codes.shape[0], -1)
        for t, (fw_mask, fw_codes, _n) in enumerate(self.items.get((chain, codes.shape[1]), [])):
            free = out < 0
            same = np.all(codes[:, fw_mask] == fw_codes[fw_mask], axis=1)
            out[free & same] = t
        return out

    def add(self, chain: str, numbering: ChainNumbering) -> None:
        labels = numbering.regions["imgt"]
        fw_mask = np.array([not (lab or "").startswith("CDR") for lab in labels])
        codes = encode([numbering.sequence])[0]
        self.items.setdefault((chain, len(labels)), []).append((fw_mask, codes, numbering))


def _assign(chain: str, seqs: list[str], templates: Templates) -> list[ChainNumbering | None]:
    """Numbering for each sequence, by template where the framework matches."""
    result: list[ChainNumbering | None] = [None] * len(seqs)
    by_length: dict[int, list[int]] = {}
    for i, s in enumerate(seqs):
        by_length.setdefault(len(s), []).append(i)
    for _length, rows in by_length.items():
        codes = encode([seqs[i] for i in rows])
        idx = templates.match(chain, codes)
        tried: set[str] = set()
        batch = 1
        # Number a few unmatched chains, let them cover what they can, and grow the batch:
        # a library sharing one framework costs one ANARCI call, not one per variant.
        while True:
            pending = [seqs[rows[k]] for k in np.flatnonzero(idx < 0)]
            unique = [s for s in dict.fromkeys(pending) if s not in tried][:batch]
            if not unique:
                break
            tried.update(unique)
            for numbering in number_chains(unique):
                if numbering is not None:
                    templates.add(chain, numbering)
            idx = templates.match(chain, codes)
            batch *= 4
        group = templates.items.get((chain, codes.shape[1]), [])
        for k, row in enumerate(rows):
            if idx[k] >= 0:
                result[row] = group[idx[k]][2]
    return result


def _region_codes(numbering: list[ChainNumbering | None], width: int) -> np.ndarray:
    out = np.zeros((len(numbering), width), dtype=np.int8)
    cache: dict[int, np.ndarray] = {}
    for i, n in enumerate(numbering):
        if n is None:
            continue
        if id(n) not in cache:
            labels = n.regions["imgt"]
            row = np.zeros(width, dtype=np.int8)
            row[: len(labels)] = [
                0 if lab is None else 2 if lab.startswith("CDR") else 1 for lab in labels
            ]
            cache[id(n)] = row
        out[i] = cache[id(n)]
    return out


def _domain_charge(codes, regions, ph) -> np.ndarray:
    inside = regions > 0
    counts = counts_matrix(codes, inside)
    first_idx = np.argmax(inside, axis=1)
    last_idx = inside.shape[1] - 1 - np.argmax(inside[:, ::-1], axis=1)
    rows = np.arange(codes.shape[0])
    return batch_charge(counts, codes[rows, first_idx], codes[rows, last_idx], ph)


def _chain_table(
    chain: str,
    seqs: list[str],
    templates: Templates,
    formulation_ph: float,
    motifs: tuple[Motif, ...],
) -> dict[str, np.ndarray]:
    """Per-sequence arrays for distinct chains; rows of a library map onto them."""
    numbering = _assign(chain, seqs, templates)
    codes = encode(seqs)
    lengths = np.array([len(s) for s in seqs])
    regions = _region_codes(numbering, codes.shape[1])
    numbered = np.array([x is not None for x in numbering])
    cdr = regions == 2
    safe = np.where(numbered[:, None], regions, 1)  # avoid argmax on rows without a domain
    high, medium = motif_risk_counts(codes, lengths, regions, motifs)
    return {
        "numbered": numbered,
        "counts": counts_matrix(codes),
        "first": codes[:, 0],
        "last": codes[np.arange(len(seqs)), lengths - 1],
        "cdr_counts": counts_matrix(codes, cdr),
        "cdr_hydrophobicity": batch_hydrophobicity_sum(codes, cdr),
        "charge_7_4": _domain_charge(codes, safe, 7.4),
        "charge_formulation": _domain_charge(codes, safe, formulation_ph),
        "high": high,
        "medium": medium,
    }


def _check(names: list[str], chains: list[str | None], label: str) -> None:
    present = [s for s in chains if s is not None]
    try:
        encode(list(dict.fromkeys(present)))  # fast path: one pass over distinct chains
        if all(present):
            return
    except ValueError:
        pass
    problems = []
    for name, seq in zip(names, chains, strict=True):
        if seq is not None:
            problems += check_chain(seq, name, label, min_length=1)[1]
    if problems:
        raise AntibodyInputError(problems)


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
    templates = templates or Templates()
    motifs = motifs if motifs is not None else default_catalogue()
    names = frame["name"].astype(str).tolist()
    heavy = [str(s).strip().upper() for s in frame["heavy"]]
    light_col = frame["light"] if "light" in frame.columns else pd.Series([None] * len(frame))
    light = [
        None if pd.isna(s) or not str(s).strip() else str(s).strip().upper() for s in light_col
    ]
    _check(names, heavy, "heavy")
    _check(names, light, "light")
    h_codes, h_unique = pd.factorize(pd.Series(heavy))
    H = _chain_table("heavy", list(h_unique), templates, formulation_ph, motifs)
    has_light = np.array([v is not None for v in light])
    l_codes, l_unique = pd.factorize(pd.Series([v or "" for v in light]))
    l_list = list(l_unique)
    present = [s for s in l_list if s]
    L_part = _chain_table("light", present, templates, formulation_ph, motifs) if present else None
    # Expand the light table to l_unique order, with an empty entry for "no light chain".
    width = PAD
    L = {
        "numbered": np.zeros(len(l_list), bool),
        "counts": np.zeros((len(l_list), width), np.int64),
        "last": np.zeros(len(l_list), np.uint8),
        "cdr_counts": np.zeros((len(l_list), width), np.int64),
        "cdr_hydrophobicity": np.zeros(len(l_list)),
        "charge_7_4": np.zeros(len(l_list)),
        "charge_formulation": np.zeros(len(l_list)),
        "high": np.zeros(len(l_list), np.int64),
        "medium": np.zeros(len(l_list), np.int64),
    }
    if L_part is not None:
        where = np.array([i for i, s in enumerate(l_list) if s])
        for key in L:
            L[key][where] = L_part[key]
    hi, li = h_codes, l_codes
    counts = H["counts"][hi] + L["counts"][li]
    last = np.where(has_light, L["last"][li], H["last"][hi])
    first = H["first"][hi]
    numbered = H["numbered"][hi]
    light_ok = has_light & L["numbered"][li]
    ccounts = H["cdr_counts"][hi] + L["cdr_counts"][li]
    ik, ir, id_, ie = (AMINO_ACIDS.index(a) for a in "KRDE")
    out = pd.DataFrame({"name": names, "status": "ok"})
    out["pi"] = batch_pi(counts, first, last)
    out["net_charge"] = batch_charge(counts, first, last, 7.4)
    out["cdr_length_total"] = ccounts.sum(axis=1)
    out["cdr_hydrophobicity"] = H["cdr_hydrophobicity"][hi] + L["cdr_hydrophobicity"][li]
    out["cdr_positive_count"] = ccounts[:, ik] + ccounts[:, ir]
    out["cdr_negative_count"] = ccounts[:, id_] + ccounts[:, ie]
    out["fv_net_charge"] = H["charge_7_4"][hi] + np.where(light_ok, L["charge_7_4"][li], 0.0)
    out["fv_csp"] = np.where(
        light_ok, H["charge_formulation"][hi] * L["charge_formulation"][li], np.nan
    )
    out["motif_high"] = H["high"][hi] + L["high"][li]
    out["motif_medium"] = H["medium"][hi] + L["medium"][li]
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
