"""Reading small molecules from SMILES, SDF or CSV, with every unparsable record reported.

Files are read as a stream of :class:`RawRecord` (the record's text and the line it starts
on), so that a screen of millions of structures never holds the file in memory; parsing
into an RDKit molecule is a separate step (:func:`parse_record`) that can run in a worker
process. A record RDKit cannot read becomes a :class:`RecordError` carrying its line and
RDKit's own reason, never an exception and never a silent drop.

>>> from opencmc.science.design.smallmol_input import read_smiles_text
>>> batch = read_smiles_text("CC(=O)Oc1ccccc1C(=O)O aspirin\\nC1CC( broken\\n")
>>> [r.name for r in batch.records], batch.errors[0].line
(['aspirin'], 2)
>>> batch.errors[0].reason
'SMILES Parse Error: syntax error while parsing: C1CC(; ...'
"""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from rdkit import Chem, rdBase

SMILES_SUFFIXES = (".smi", ".smiles", ".ism", ".can", ".txt")
SDF_SUFFIXES = (".sdf", ".sd", ".mol")
CSV_SUFFIXES = (".csv", ".tsv")
_SMILES_HEADERS = ("smiles", "canonical_smiles", "smile", "structure")
_NAME_HEADERS = ("name", "id", "compound", "compound_id", "molecule", "title", "mol_id")


class MoleculeInputError(ValueError):
    """A file that cannot be read at all (missing, unknown format, no SMILES column)."""


@dataclass(frozen=True)
class RawRecord:
    """One record as read from the file, not yet parsed.

    ``line`` is the 1-based line the record starts on; ``fmt`` is ``smiles`` or
    ``molblock``; ``text`` is the SMILES or the MDL mol block.
    """

    index: int
    line: int
    name: str
    text: str
    fmt: str = "smiles"
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordError:
    """A record that could not be turned into a molecule, with RDKit's reason."""

    index: int
    line: int
    name: str
    text: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "line": self.line,
            "name": self.name,
            "input": self.text if len(self.text) <= 200 else self.text[:200] + "...",
            "error": self.reason,
        }


@dataclass(frozen=True)
class MoleculeRecord:
    """A parsed record: the RDKit molecule with where it came from."""

    index: int
    line: int
    name: str
    text: str
    mol: Chem.Mol
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MoleculeBatch:
    """The parsed records of a file and the records that failed."""

    records: list[MoleculeRecord]
    errors: list[RecordError]

    def __len__(self) -> int:
        return len(self.records)


# --- RDKit's messages -------------------------------------------------------------

_STAMP = re.compile(r"^\[\d\d:\d\d:\d\d\]\s*")
_local = threading.local()
_install_lock = threading.Lock()
_installed = False


class _Dispatch(logging.Handler):
    """RDKit's log records go to the innermost collector of the current thread, if any,
    and otherwise to the handlers the ``rdkit`` logger had before (normally stderr)."""

    def __init__(self, fallback: list[logging.Handler]) -> None:
        super().__init__(level=logging.DEBUG)
        self.fallback = fallback

    def emit(self, record: logging.LogRecord) -> None:
        stack = getattr(_local, "stack", None)
        if stack:
            stack[-1].append(_STAMP.sub("", record.getMessage()).rstrip())
            return
        for handler in self.fallback:
            if record.levelno >= handler.level:
                handler.handle(record)


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        rdBase.LogToPythonLogger()
        logger = logging.getLogger("rdkit")
        logger.handlers = [_Dispatch(logger.handlers[:])]
        _installed = True


@contextmanager
def rdkit_messages() -> Iterator[list[str]]:
    """Collect what RDKit logs (errors and warnings) inside the block, instead of printing.

    RDKit reports why a SMILES or mol block failed only through its log; routing the log
    through Python's ``logging`` is the one channel that carries parser, sanitisation
    and mol-block messages alike. Collection is per thread, so concurrent requests in a
    web server each get their own messages.
    """
    _install()
    messages: list[str] = []
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    stack.append(messages)
    try:
        yield messages
    finally:
        stack.pop()


def _reason(messages: list[str], fallback: str) -> str:
    # Drop the caret lines RDKit draws under a SMILES; keep the sentences, once each.
    kept: list[str] = []
    for message in messages:
        for part in message.splitlines():
            part = _STAMP.sub("", part).strip()
            if not part or set(part) <= set("~^ ") or part in kept:
                continue
            kept.append(part)
    if not kept:
        return fallback
    sentences = [k for k in kept if " " in k or ":" in k]
    return "; ".join((sentences or kept)[:1]) + ("; ..." if len(kept) > 1 else "")


# --- parsing ----------------------------------------------------------------------


def parse_smiles(smiles: str) -> tuple[Chem.Mol | None, str | None]:
    """Parse one SMILES; return ``(mol, None)`` or ``(None, RDKit's reason)``."""
    text = smiles.strip()
    if not text:
        return None, "empty SMILES"
    with rdkit_messages() as messages:
        mol = Chem.MolFromSmiles(text)
    if mol is None:
        return None, _reason(messages, "RDKit could not parse the SMILES")
    if mol.GetNumAtoms() == 0:
        return None, "the SMILES has no atoms"
    return mol, None


def parse_molblock(block: str) -> tuple[Chem.Mol | None, str | None]:
    """Parse one MDL mol block; return ``(mol, None)`` or ``(None, RDKit's reason)``."""
    with rdkit_messages() as messages:
        mol = Chem.MolFromMolBlock(block)
    if mol is None:
        return None, _reason(messages, "RDKit could not read the mol block")
    if mol.GetNumAtoms() == 0:
        return None, "the mol block has no atoms"
    return mol, None


def parse_record(raw: RawRecord) -> MoleculeRecord | RecordError:
    """Turn a raw record into a molecule, or into an error carrying its line and reason."""
    parse = parse_molblock if raw.fmt == "molblock" else parse_smiles
    mol, reason = parse(raw.text)
    if mol is None:
        return RecordError(raw.index, raw.line, raw.name, raw.text, reason or "unreadable")
    name = raw.name
    if not name and raw.fmt == "molblock" and mol.HasProp("_Name"):
        name = mol.GetProp("_Name").strip()
    return MoleculeRecord(raw.index, raw.line, name, raw.text, mol, dict(raw.properties))


# --- record streams ---------------------------------------------------------------


def detect_format(path: Path) -> str:
    """``smiles``, ``sdf`` or ``csv`` from the file's suffix (``.gz`` is not supported)."""
    suffix = path.suffix.lower()
    if suffix in SDF_SUFFIXES:
        return "sdf"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in SMILES_SUFFIXES:
        return "smiles"
    raise MoleculeInputError(
        f"{path}: unknown molecule file type {suffix or '(none)'}; expected SMILES "
        f"({', '.join(SMILES_SUFFIXES)}), SDF ({', '.join(SDF_SUFFIXES)}) or CSV"
    )


def iter_smiles_lines(stream: Iterable[str]) -> Iterator[RawRecord]:
    """One record per line: ``SMILES [name ...]``; blank lines and ``#`` comments skipped.

    A first line whose first field is ``smiles`` (any case) is taken as a header.
    """
    index = 0
    for number, line in enumerate(stream, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split(None, 1)
        if number == 1 and parts[0].lower() in _SMILES_HEADERS:
            continue
        name = parts[1].strip() if len(parts) > 1 else ""
        yield RawRecord(index=index, line=number, name=name, text=parts[0])
        index += 1


_SD_FIELD = re.compile(r"^>\s*.*?<([^>]+)>")


def iter_sdf_blocks(stream: Iterable[str]) -> Iterator[RawRecord]:
    """One record per ``$$$$``-terminated entry; data items become ``properties``."""
    index = 0
    block: list[str] = []
    props: dict[str, str] = {}
    start = 1
    in_data = False
    field_name: str | None = None
    for number, line in enumerate(stream, start=1):
        stripped = line.rstrip("\r\n")
        if stripped.startswith("$$$$"):
            if block or props:
                yield _sdf_record(index, start, block, props)
                index += 1
            block, props, in_data, field_name = [], {}, False, None
            start = number + 1
            continue
        if in_data:
            match = _SD_FIELD.match(stripped)
            if match:
                field_name = match.group(1)
                props[field_name] = ""
            elif field_name is not None and stripped:
                props[field_name] = (props[field_name] + "\n" + stripped).strip()
            continue
        block.append(stripped)
        if stripped.startswith("M  END"):
            in_data = True
    if any(b.strip() for b in block) or props:
        yield _sdf_record(index, start, block, props)


def _sdf_record(index: int, start: int, block: list[str], props: dict[str, str]) -> RawRecord:
    title = block[0].strip() if block else ""
    name = title or props.get("Name", props.get("ID", ""))
    return RawRecord(
        index=index,
        line=start,
        name=name,
        text="\n".join(block) + "\n",
        fmt="molblock",
        properties=props,
    )


def _pick(header: list[str], wanted: str | None, candidates: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        return lowered.index(wanted.lower()) if wanted.lower() in lowered else None
    for candidate in candidates:
        if candidate in lowered:
            return lowered.index(candidate)
    return None


def iter_csv_rows(
    stream: TextIO,
    *,
    smiles_column: str | None = None,
    name_column: str | None = None,
    source: str = "CSV",
    delimiter: str = ",",
) -> Iterator[RawRecord]:
    """One record per row; the SMILES column is ``smiles_column`` or a column named SMILES."""
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    col = _pick(header, smiles_column, _SMILES_HEADERS)
    if col is None:
        wanted = (
            f"no column {smiles_column!r}"
            if smiles_column
            else f"no SMILES column (looked for {', '.join(_SMILES_HEADERS)}; use smiles_column)"
        )
        raise MoleculeInputError(f"{source}: {wanted} in the header {header}")
    name_col = _pick(header, name_column, _NAME_HEADERS)
    if name_column is not None and name_col is None:
        raise MoleculeInputError(f"{source}: no column {name_column!r} in the header {header}")
    index = 0
    for row in reader:
        line = reader.line_num
        if not row or all(not cell.strip() for cell in row):
            continue
        text = row[col].strip() if col < len(row) else ""
        name = row[name_col].strip() if name_col is not None and name_col < len(row) else ""
        props = {h: v for h, v in zip(header, row, strict=False) if h != header[col]}
        yield RawRecord(index=index, line=line, name=name, text=text, properties=props)
        index += 1


class _CountingReader:
    """Iterate the lines of a text file while counting the bytes consumed (for progress)."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        for line in self._handle:
            self.bytes_read += len(line.encode("utf-8", errors="replace"))
            yield line

    # csv.reader needs only iteration; these keep it a file-like object for others.
    def read(self, *args: Any) -> str:  # pragma: no cover - not used by the readers
        return self._handle.read(*args)


@contextmanager
def open_records(
    path: str | Path,
    *,
    fmt: str | None = None,
    smiles_column: str | None = None,
    name_column: str | None = None,
) -> Iterator[tuple[Iterator[RawRecord], _CountingReader]]:
    """Open a molecule file as a stream of raw records and a byte counter for progress."""
    path = Path(path)
    if not path.exists():
        raise MoleculeInputError(f"{path}: file not found")
    kind = fmt or detect_format(path)
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        counter = _CountingReader(handle)
        if kind == "sdf":
            records: Iterator[RawRecord] = iter_sdf_blocks(counter)
        elif kind == "csv":
            delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
            records = iter_csv_rows(
                counter,  # type: ignore[arg-type]
                smiles_column=smiles_column,
                name_column=name_column,
                source=str(path),
                delimiter=delimiter,
            )
        elif kind == "smiles":
            records = iter_smiles_lines(counter)
        else:
            raise MoleculeInputError(f"{path}: unknown format {kind!r}")
        yield records, counter


def iter_records(
    path: str | Path,
    *,
    fmt: str | None = None,
    smiles_column: str | None = None,
    name_column: str | None = None,
) -> Iterator[MoleculeRecord | RecordError]:
    """Stream a file's records, parsed; failures come through as :class:`RecordError`."""
    with open_records(path, fmt=fmt, smiles_column=smiles_column, name_column=name_column) as (
        records,
        _,
    ):
        for raw in records:
            yield parse_record(raw)


def _collect(items: Iterable[MoleculeRecord | RecordError]) -> MoleculeBatch:
    records: list[MoleculeRecord] = []
    errors: list[RecordError] = []
    for item in items:
        (errors if isinstance(item, RecordError) else records).append(item)  # type: ignore[arg-type]
    return MoleculeBatch(records, errors)


def read_molecules(
    path: str | Path,
    *,
    fmt: str | None = None,
    smiles_column: str | None = None,
    name_column: str | None = None,
) -> MoleculeBatch:
    """Read a whole SMILES, SDF or CSV file into parsed records and per-record errors."""
    return _collect(
        iter_records(path, fmt=fmt, smiles_column=smiles_column, name_column=name_column)
    )


def read_smiles_text(text: str) -> MoleculeBatch:
    """Parse SMILES given as text, one ``SMILES [name]`` per line."""
    return _collect(parse_record(r) for r in iter_smiles_lines(io.StringIO(text)))


def raw_from_smiles(smiles: Iterable[str]) -> Iterator[RawRecord]:
    """Raw records from a list of SMILES strings (line = position in the list, from 1)."""
    for i, s in enumerate(smiles):
        yield RawRecord(index=i, line=i + 1, name="", text=s)
