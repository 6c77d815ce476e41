"""Reading antibody and protein sequences from FASTA, CSV or XLSX, with every problem named.

FASTA naming convention for pairs: the chain follows the record name after a ``|``,
``>NAME|heavy`` and ``>NAME|light`` (``H``/``VH`` and ``L``/``VL``/``K`` also accepted,
any case). A record without a suffix is a single chain: a heavy-only antibody such as
a VHH, or another therapeutic protein. Tables have the columns ``name``, ``heavy`` and
``light`` (light may be empty).

>>> recs = parse_fasta_text(">mab1|heavy\\nEVQLVESGG\\n>mab1|light\\nDIQMTQ\\n", min_length=5)
>>> recs[0].name, recs[0].heavy, recs[0].light
('mab1', 'EVQLVESGG', 'DIQMTQ')
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

AMINO_ACIDS = frozenset("ACDEFGHIKLMNPQRSTVWY")
MIN_CHAIN_LENGTH = 70  # shorter than any antibody variable domain (~105-130 residues)
MAX_CHAIN_LENGTH = 2000  # longer than any antibody chain or common therapeutic protein
_HEAVY = {"heavy", "h", "vh", "hc"}
_LIGHT = {"light", "l", "vl", "k", "lc", "kappa", "lambda"}


class AntibodyInputError(ValueError):
    """Bad input: ``problems`` lists each bad record, chain and position."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(problems[0] + more)


@dataclass(frozen=True)
class AntibodyRecord:
    """One candidate: a heavy (or single) chain and an optional light chain."""

    name: str
    heavy: str
    light: str | None = None


def check_chain(
    sequence: str,
    record: str,
    chain: str,
    min_length: int = MIN_CHAIN_LENGTH,
    max_length: int = MAX_CHAIN_LENGTH,
) -> tuple[str, list[str]]:
    """Clean one chain (spaces, case, a final ``*``) and list its problems.

    >>> check_chain("EVQBL", "x", "heavy", min_length=1)[1]
    ["record 'x' heavy chain position 4: 'B' is not one of the 20 amino acids"]
    """
    cleaned = "".join(str(sequence).split()).upper()
    if cleaned.endswith("*"):
        cleaned = cleaned[:-1]
    problems = []
    if not cleaned:
        return cleaned, [f"record {record!r} {chain} chain is empty"]
    for position, residue in enumerate(cleaned, start=1):
        if residue not in AMINO_ACIDS:
            problems.append(
                f"record {record!r} {chain} chain position {position}: "
                f"{residue!r} is not one of the 20 amino acids"
            )
    if len(cleaned) < min_length:
        problems.append(
            f"record {record!r} {chain} chain has {len(cleaned)} residues: implausibly "
            f"short (fewer than {min_length}) for an antibody chain"
        )
    elif len(cleaned) > max_length:
        problems.append(
            f"record {record!r} {chain} chain has {len(cleaned)} residues: implausibly "
            f"long (more than {max_length})"
        )
    return cleaned, problems


def _split_name(header: str) -> tuple[str, str | None]:
    title = header.split()[0] if header.split() else ""
    if "|" in title:
        name, _, tag = title.rpartition("|")
        tag = tag.lower()
        if tag in _HEAVY:
            return name, "heavy"
        if tag in _LIGHT:
            return name, "light"
    return title, None


def parse_fasta_text(
    text: str, source: str = "FASTA", min_length: int = MIN_CHAIN_LENGTH
) -> list[AntibodyRecord]:
    """Records from FASTA text, pairing ``NAME|heavy`` with ``NAME|light``.

    Raises :class:`AntibodyInputError` listing every problem found.
    """
    entries: list[tuple[str, int, list[str]]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line.startswith(">"):
            entries.append((line[1:].strip(), line_no, []))
        elif line.strip():
            if not entries:
                raise AntibodyInputError([f"{source} line {line_no}: sequence before any '>'"])
            entries[-1][2].append(line.strip())
    problems: list[str] = []
    chains: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for header, line_no, lines in entries:
        name, tag = _split_name(header)
        if not name:
            problems.append(f"{source} line {line_no}: record without a name")
            continue
        chain = tag or "single"
        seq, found = check_chain("".join(lines), name, chain if tag else "heavy", min_length)
        problems += found
        slot = chains.setdefault(name, {})
        if name not in order:
            order.append(name)
        if chain in slot or (chain == "single" and slot) or ("single" in slot):
            problems.append(f"{source} line {line_no}: record {name!r} has its {chain} twice")
        slot[chain] = seq
    records = []
    for name in order:
        slot = chains[name]
        heavy = slot.get("heavy") or slot.get("single")
        if heavy is None:
            problems.append(f"record {name!r} has a light chain but no heavy chain")
            continue
        records.append(AntibodyRecord(name, heavy, slot.get("light")))
    if problems:
        raise AntibodyInputError(problems)
    if not records:
        raise AntibodyInputError([f"{source}: no sequences found"])
    return records


def records_from_table(
    table: pd.DataFrame, source: str = "table", min_length: int = MIN_CHAIN_LENGTH
) -> list[AntibodyRecord]:
    """Records from a table with ``name``, ``heavy`` and optional ``light`` columns."""
    columns = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in ("name", "heavy") if c not in columns]
    if missing:
        raise AntibodyInputError(
            [f"{source}: missing column(s) {', '.join(missing)}; expected name, heavy[, light]"]
        )
    problems: list[str] = []
    records = []
    seen: set[str] = set()
    for row_no, row in enumerate(table.to_dict("records"), start=2):
        name = str(row[columns["name"]]).strip()
        if not name or name == "nan":
            problems.append(f"{source} row {row_no}: empty name")
            continue
        if name in seen:
            problems.append(f"{source} row {row_no}: record {name!r} appears twice")
        seen.add(name)
        raw_heavy = row[columns["heavy"]]
        heavy, found = check_chain(
            "" if pd.isna(raw_heavy) else raw_heavy, name, "heavy", min_length
        )
        problems += [f"{source} row {row_no}: {p}" for p in found]
        light = None
        if "light" in columns and not pd.isna(row[columns["light"]]):
            light, found = check_chain(row[columns["light"]], name, "light", min_length)
            problems += [f"{source} row {row_no}: {p}" for p in found]
            light = light or None
        records.append(AntibodyRecord(name, heavy, light))
    if problems:
        raise AntibodyInputError(problems)
    if not records:
        raise AntibodyInputError([f"{source}: no rows"])
    return records


def read_antibodies(path: str | Path, min_length: int = MIN_CHAIN_LENGTH) -> list[AntibodyRecord]:
    """Read a FASTA (``.fa``, ``.fasta``, ``.faa``), CSV or XLSX file of candidates."""
    path = Path(path)
    if not path.exists():
        raise AntibodyInputError([f"{path}: file not found"])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return records_from_table(pd.read_excel(path), str(path), min_length)
    if suffix in (".csv", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        return records_from_table(pd.read_csv(path, sep=sep), str(path), min_length)
    return parse_fasta_text(path.read_text(encoding="utf-8"), str(path), min_length)


def as_records(items: Iterable[tuple[str, str, str | None]]) -> list[AntibodyRecord]:
    """Records from ``(name, heavy, light)`` tuples, checked like a file."""
    rows = [{"name": n, "heavy": h, "light": v} for n, h, v in items]
    return records_from_table(pd.DataFrame(rows, columns=["name", "heavy", "light"]), "input")
