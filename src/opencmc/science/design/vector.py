"""Vector and plasmid manufacturability: the public API (``opencmc.science.design.vector``).

:func:`check` takes a construct (a Biopython ``SeqRecord``, FASTA or GenBank text or
file, or a bare sequence) and returns a :class:`VectorReport`: a list of
:class:`Finding`, each with its check, position (1-based, inclusive), risk level
(info, low, medium, high), value, limit and source. For an AAV construct it checks the
ITRs and the genome length against the single-stranded or self-complementary capacity;
for a lentiviral transfer plasmid the LTRs and the insert size; for any construct the GC
content overall and in windows, homopolymers, direct and inverted repeats, CpG, chosen
restriction sites, open reading frames and the transgene's Kozak context.

>>> from opencmc.science.design import vector
>>> import random
>>> rng = random.Random(0)
>>> report = vector.check("".join(rng.choice("ACGT") for _ in range(2000)))
>>> report.kind, report.length, report.of("gc.overall")[0].message
('plasmid', 2000, 'GC content 49.0% over 2000 bp')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from Bio.Seq import Seq
from Bio.SeqRecord import SeqRecord

from opencmc.science.design.plasmid import (
    DEFAULT_ENZYMES,
    LEVELS,
    Finding,
    cpg_finding,
    find_orfs,
    gc_findings,
    gc_fraction,
    homopolymer_findings,
    kozak_finding,
    max_level,
    orf_findings,
    repeat_findings,
    restriction_findings,
)
from opencmc.science.design.vector_aav import aav_findings, find_itrs
from opencmc.science.design.vector_input import (
    ConstructInputError,
    as_record,
    clean_sequence,
    is_circular,
    label,
    read_constructs,
    span,
)
from opencmc.science.design.vector_lenti import find_ltrs, lenti_findings

__all__ = [
    "DEFAULT_ENZYMES",
    "LEVELS",
    "ConstructInputError",
    "Finding",
    "VectorReport",
    "check",
    "check_file",
    "read_constructs",
]

_RESISTANCE = re.compile(
    r"\bbla\b|AmpR|ampicillin|KanR|kanamycin|\bneo\b|\baph|NeoR|puro|hygro|zeo", re.I
)


@dataclass(frozen=True)
class VectorReport:
    """The findings of :func:`check` on one construct; iterating gives the findings."""

    record_id: str
    length: int
    circular: bool
    kind: str
    region: tuple[int, int]
    genome: str | None
    gc_percent: float
    findings: tuple[Finding, ...]

    def __iter__(self) -> Iterator[Finding]:
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    @property
    def highest_level(self) -> str:
        return max_level(f.level for f in self.findings)

    def of(self, check: str) -> list[Finding]:
        """Findings whose check is ``check`` or starts with ``check.``."""
        return [f for f in self.findings if f.check == check or f.check.startswith(check + ".")]

    def at_least(self, level: str) -> list[Finding]:
        rank = LEVELS.index(level)
        return [f for f in self.findings if LEVELS.index(f.level) >= rank]

    def to_dict(self) -> dict[str, Any]:
        counts = {level: sum(1 for f in self.findings if f.level == level) for level in LEVELS}
        return {
            "record_id": self.record_id,
            "length": self.length,
            "topology": "circular" if self.circular else "linear",
            "kind": self.kind,
            "region": {"start": self.region[0], "end": self.region[1]},
            "genome": self.genome,
            "gc_percent": self.gc_percent,
            "highest_level": self.highest_level,
            "counts": counts,
            "findings": [f.to_dict() for f in self.findings],
            "coordinates": "1-based, inclusive",
        }


def _region_sequence(seq: str, start: int, end: int) -> str:
    if start <= end:
        return seq[start - 1 : end]
    return seq[start - 1 :] + seq[:end]  # the region wraps through the origin


def _inside(a: int, b: int, start: int, end: int) -> bool:
    if start <= end:
        return start <= a and b <= end
    return (a >= start and b >= start) or (a <= end and b <= end) or (a >= start and b <= end)


def _transgene(
    record: SeqRecord, seq: str, region: tuple[int, int], min_orf_aa: int
) -> tuple[int, int, int, str] | None:
    cds = []
    for feature in record.features:
        if feature.type.lower() != "cds":
            continue
        a, b = span(feature)
        name = label(feature) or "CDS"
        if _inside(a, b, *region) and not _RESISTANCE.search(name):
            strand = feature.location.strand or 1
            cds.append((b - a, a, b, strand, name))
    if cds:
        _, a, b, strand, name = max(cds)
        return a, b, strand, name
    orfs = [o for o in find_orfs(seq, min_aa=min_orf_aa) if _inside(o.start, o.end, *region)]
    if orfs:
        o = orfs[0]
        return o.start, o.end, o.strand, f"longest ORF ({o.length_aa} aa)"
    return None


def check(
    construct: SeqRecord | Seq | str | Path,
    *,
    kind: str = "auto",
    genome: str = "auto",
    circular: bool | None = None,
    enzymes: Iterable[str] = DEFAULT_ENZYMES,
    min_repeat: int | None = None,
    min_homopolymer: int | None = None,
    gc_window: int | None = None,
    min_orf_aa: int = 100,
) -> VectorReport:
    """Check one construct; ``kind`` is auto, aav, lenti or plasmid; ``genome`` auto, ss or sc.

    ``circular`` overrides the record's topology (GenBank says; FASTA is taken as
    circular, as plasmids are). Raises :class:`ConstructInputError` for unreadable input.
    """
    if kind not in ("auto", "aav", "lenti", "plasmid"):
        raise ValueError("kind must be 'auto', 'aav', 'lenti' or 'plasmid'")
    record = as_record(construct)
    seq = clean_sequence(record)
    is_circ = is_circular(record) if circular is None else circular
    if circular is not None:
        record.annotations["topology"] = "circular" if circular else "linear"

    if kind == "auto":
        if len(find_itrs(record)) >= 1:
            kind = "aav"
        elif find_ltrs(record):
            kind = "lenti"
        else:
            kind = "plasmid"

    findings: list[Finding] = []
    region = (1, len(seq))
    genome_type: str | None = None
    expected: list[tuple[int, int, str]] = []
    if kind == "aav":
        aav, located = aav_findings(record, genome=genome)
        findings.extend(aav)
        expected = [(i.start, i.end, "ITRs") for i in find_itrs(record)]
        if located is not None:
            region = (located.start, located.end)
            genome_type = located.genome
    elif kind == "lenti":
        lenti, provirus = lenti_findings(record)
        findings.extend(lenti)
        expected = [(a, b, "LTRs") for a, b, _ in find_ltrs(record)]
        if provirus is not None:
            region = provirus

    findings.extend(gc_findings(seq, window=gc_window, expected=expected))
    findings.extend(homopolymer_findings(seq, min_length=min_homopolymer))
    findings.extend(repeat_findings(seq, min_length=min_repeat, expected=expected))
    region_seq = _region_sequence(seq, *region)
    region_name = {"aav": "vector genome", "lenti": "provirus"}.get(kind, "construct")
    if kind == "aav" and genome_type is None:
        region_name = "construct"
    findings.append(
        cpg_finding(region_seq, offset=region[0] - 1, region=region_name, aav=kind == "aav")
    )
    findings.extend(restriction_findings(seq, enzymes, circular=is_circ))

    annotated = [
        (*span(f), f.location.strand or 1) for f in record.features if f.type.lower() == "cds"
    ]
    orfs = orf_findings(seq, min_aa=min_orf_aa, annotated=annotated, max_reported=1000)
    findings.extend(o for o in orfs if _inside(o.start or 0, o.end or 0, *region))

    transgene = _transgene(record, seq, region, min_orf_aa)
    if transgene is None:
        findings.append(
            Finding(
                "kozak", "info", f"no transgene CDS or ORF of {min_orf_aa}+ aa in the {region_name}"
            )
        )
    else:
        a, b, strand, name = transgene
        findings.append(kozak_finding(seq, a, b, strand, name))

    return VectorReport(
        record_id=record.id or "construct",
        length=len(seq),
        circular=is_circ,
        kind=kind,
        region=region,
        genome=genome_type,
        gc_percent=round(100.0 * gc_fraction(seq), 2),
        findings=tuple(findings),
    )


def check_file(path: str | Path, **options: Any) -> list[VectorReport]:
    """Check every record of a FASTA or GenBank file."""
    return [check(record, **options) for record in read_constructs(Path(path))]
