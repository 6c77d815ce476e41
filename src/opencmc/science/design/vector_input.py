"""Reading vector and plasmid constructs from FASTA or GenBank, features included.

Coordinates reported by the vector checks are 1-based and inclusive, as on a GenBank map;
Biopython's own feature locations are 0-based and half-open, and are converted at the
boundary (:func:`span`).

>>> from opencmc.science.design.vector_input import read_constructs
>>> [(r.id, len(r)) for r in read_constructs(">p1 demo\\nACGTACGTAA\\n")]
[('p1', 10)]
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from pathlib import Path

from Bio import SeqIO
from Bio.Seq import Seq
from Bio.SeqFeature import SeqFeature
from Bio.SeqRecord import SeqRecord

GENBANK_SUFFIXES = (".gb", ".gbk", ".genbank", ".gbff", ".ape")
FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas", ".seq", ".txt")
_DNA = re.compile(r"[^ACGTN]", re.I)
_IUPAC = set("ACGTURYSWKMBDHVN")


class ConstructInputError(ValueError):
    """A construct file or sequence that cannot be read, with where and why."""


def _format_of(text: str, suffix: str = "") -> str:
    if suffix in GENBANK_SUFFIXES:
        return "genbank"
    if suffix in FASTA_SUFFIXES:
        return "fasta"
    head = text.lstrip()[:200]
    if head.startswith("LOCUS"):
        return "genbank"
    if head.startswith(">"):
        return "fasta"
    return "raw"


def _validate(records: list[SeqRecord], source: str) -> list[SeqRecord]:
    if not records:
        raise ConstructInputError(f"{source}: no sequence found")
    for record in records:
        text = str(record.seq).upper()
        if not text:
            raise ConstructInputError(f"{source}: record {record.id!r} has an empty sequence")
        for i, base in enumerate(text):
            if base not in _IUPAC:
                raise ConstructInputError(
                    f"{source}: record {record.id!r} has {base!r} at position {i + 1}, "
                    "which is not a DNA base (IUPAC codes expected)"
                )
    return records


def read_constructs(source: str | Path, *, fmt: str | None = None) -> list[SeqRecord]:
    """Read every record of a FASTA or GenBank file (a path), or of FASTA/GenBank text."""
    looks_like_path = (
        isinstance(source, str)
        and "\n" not in source
        and Path(source).suffix.lower() in GENBANK_SUFFIXES + FASTA_SUFFIXES
    )
    if isinstance(source, Path) or looks_like_path:
        path = Path(source)
        if not path.exists():
            raise ConstructInputError(f"{path}: file not found")
        text = path.read_text(encoding="utf-8", errors="replace")
        kind = fmt or _format_of(text, path.suffix.lower())
        label = str(path)
    else:
        text = str(source)
        kind = fmt or _format_of(text)
        label = "sequence text"
    if kind == "raw":
        seq = re.sub(r"\s+", "", text)
        records = [SeqRecord(Seq(seq.upper()), id="construct", name="construct", description="")]
        return _validate(records, label)
    try:
        records = list(SeqIO.parse(io.StringIO(text), kind))
    except Exception as exc:  # Biopython's parsers raise ValueError and friends
        raise ConstructInputError(f"{label}: cannot read as {kind} ({exc})") from exc
    return _validate(records, label)


def as_record(construct: SeqRecord | Seq | str | Path, *, fmt: str | None = None) -> SeqRecord:
    """One record from a SeqRecord, a sequence, FASTA/GenBank text, or a one-record file."""
    if isinstance(construct, SeqRecord):
        return _validate([construct], construct.id or "record")[0]
    if isinstance(construct, Seq):
        return _validate([SeqRecord(construct, id="construct")], "sequence")[0]
    records = read_constructs(construct, fmt=fmt)
    if len(records) > 1:
        raise ConstructInputError(
            f"{construct if isinstance(construct, Path) else 'input'} holds {len(records)} "
            "records; check them one at a time (read_constructs gives them all)"
        )
    return records[0]


def is_circular(record: SeqRecord, default: bool = True) -> bool:
    topology = str(record.annotations.get("topology", "")).lower()
    if topology in ("circular", "linear"):
        return topology == "circular"
    return default


def label(feature: SeqFeature) -> str:
    """A feature's human name: label, gene, product, note... joined, for matching."""
    parts: list[str] = []
    for key in ("label", "gene", "product", "standard_name", "note", "ApEinfo_label", "name"):
        for value in feature.qualifiers.get(key, []):
            if value not in parts:
                parts.append(str(value))
    return " ".join(parts)


def span(feature: SeqFeature) -> tuple[int, int]:
    """1-based inclusive (start, end) of a feature."""
    return int(feature.location.start) + 1, int(feature.location.end)


def features_matching(
    record: SeqRecord, pattern: str, types: Iterable[str] | None = None
) -> list[SeqFeature]:
    regex = re.compile(pattern, re.I)
    wanted = {t.lower() for t in types} if types is not None else None
    found = []
    for feature in record.features:
        if wanted is not None and feature.type.lower() not in wanted:
            continue
        if regex.search(label(feature)) or regex.search(feature.type):
            found.append(feature)
    return found


def clean_sequence(record: SeqRecord) -> str:
    """Upper-case DNA, with U read as T."""
    return str(record.seq).upper().replace("U", "T")


def non_acgt(seq: str) -> int:
    return len(_DNA.findall(seq))
