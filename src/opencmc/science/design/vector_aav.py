"""AAV vector checks: ITRs found (annotated or by sequence), genome length against capacity.

ITRs are taken from the record's features (any feature whose type or label says ITR or
inverted terminal repeat); without such features they are found by sequence, by 12-mer
seeds shared with the AAV2 ITR (flip and flop, both strands; ``data/vector/
aav2_itr.fasta``) clustered into regions of at least 60 matched bases, which also finds
the 130-bp truncated ITRs of common pAAV plasmids. The vector genome is ITR to ITR,
inclusive; on a circular plasmid it is the arc between the ITRs that does not hold the
backbone (origin, resistance gene), or the forward arc when nothing says.

A self-complementary genome (scAAV) is recognised from a mutated ITR (a feature label
mentioning a mutant, deleted or dTRS ITR) or from the record's description; otherwise
single-stranded is assumed, and the finding says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from Bio.SeqRecord import SeqRecord

from opencmc.science.design.plasmid import Finding, limits, reverse_complement, source_of
from opencmc.science.design.vector_input import clean_sequence, is_circular, label, span

_ITR_LABEL = re.compile(r"\bITRs?\b|inverted terminal repeat", re.I)
_SC_LABEL = re.compile(
    r"self[- ]complementary|\bscAAV\b|\bsc\b|mutant|mutated|\bmut\b|"
    r"delta ?TRS|dTRS|ΔTRS|\bD-?TRS\b|trs[- ]?(deleted|mutant)",
    re.I,
)
_BACKBONE = re.compile(
    r"\bori\b|origin|\bbla\b|AmpR|ampicillin|KanR|kanamycin|\bneo\b|\baph|f1 ori|pUC", re.I
)
SEED = 12
MIN_MATCHED = 60


@dataclass(frozen=True)
class Itr:
    """An ITR: 1-based inclusive span, how it was found, and whether it is a mutant (sc)."""

    start: int
    end: int
    found_by: str
    name: str
    mutant: bool

    @property
    def length(self) -> int:
        return self.end - self.start + 1


@cache
def _itr_references() -> tuple[str, ...]:
    text = (
        resources.files("opencmc.science.design")
        .joinpath("data/vector/aav2_itr.fasta")
        .read_text(encoding="utf-8")
    )
    seqs, current = [], []
    for line in text.splitlines():
        if line.startswith(">"):
            if current:
                seqs.append("".join(current))
            current = []
        elif line.strip():
            current.append(line.strip().upper())
    if current:
        seqs.append("".join(current))
    return tuple(seqs)


@cache
def _itr_seeds() -> frozenset[str]:
    seeds: set[str] = set()
    for ref in _itr_references():
        for s in (ref, reverse_complement(ref)):
            seeds.update(s[i : i + SEED] for i in range(len(s) - SEED + 1))
    return frozenset(seeds)


def itrs_by_sequence(seq: str) -> list[Itr]:
    """ITR-like regions: runs of 12-mers shared with the AAV2 ITR, merged across gaps < 20 bp."""
    seeds = _itr_seeds()
    s = seq.upper()
    hits = [i for i in range(len(s) - SEED + 1) if s[i : i + SEED] in seeds]
    regions: list[list[int]] = []
    for i in hits:
        if regions and i <= regions[-1][1] + 20:
            regions[-1][1] = i + SEED
            regions[-1][2] += 1
        else:
            regions.append([i, i + SEED, 1])
    found = []
    for start, end, n in regions:
        covered = min(end - start, n + SEED - 1)
        if covered >= MIN_MATCHED:
            found.append(Itr(start + 1, end, "sequence (AAV2 ITR seeds)", "ITR", False))
    return found


def itrs_by_feature(record: SeqRecord) -> list[Itr]:
    found = []
    for feature in record.features:
        text = f"{feature.type} {label(feature)}"
        if not _ITR_LABEL.search(text):
            continue
        start, end = span(feature)
        name = label(feature) or feature.type
        found.append(Itr(start, end, "annotation", name, bool(_SC_LABEL.search(label(feature)))))
    # Sub-features of one ITR (A, B, C arms, D sequence) come as separate features: merge
    # overlapping ones into one ITR.
    found.sort(key=lambda t: t.start)
    merged: list[Itr] = []
    for itr in found:
        if merged and itr.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Itr(
                last.start,
                max(last.end, itr.end),
                last.found_by,
                last.name,
                last.mutant or itr.mutant,
            )
        else:
            merged.append(itr)
    return merged


def find_itrs(record: SeqRecord) -> list[Itr]:
    annotated = itrs_by_feature(record)
    return annotated if annotated else itrs_by_sequence(clean_sequence(record))


def _backbone_spans(record: SeqRecord) -> list[tuple[int, int]]:
    spans = []
    for feature in record.features:
        text = f"{feature.type} {label(feature)}"
        if feature.type.lower() == "rep_origin" or _BACKBONE.search(text):
            spans.append(span(feature))
    return spans


@dataclass(frozen=True)
class AavGenome:
    start: int
    end: int
    length: int
    wraps: bool
    genome: str
    genome_basis: str
    itrs: tuple[Itr, ...]


def locate_genome(record: SeqRecord, itrs: list[Itr], genome: str = "auto") -> AavGenome | None:
    """The vector genome between the outermost ITRs (ITRs included)."""
    if len(itrs) < 2:
        return None
    n = len(record)
    first, last = itrs[0], itrs[-1]
    forward = (first.start, last.end, last.end - first.start + 1, False)
    chosen = forward
    if is_circular(record):
        # The other arc runs from the last ITR's start, through the origin, to the first ITR's end.
        wrap_length = (n - last.start + 1) + first.end
        backbone = _backbone_spans(record)

        def in_forward(a: int, b: int) -> bool:
            return first.end < a and b < last.start

        if backbone and all(in_forward(a, b) for a, b in backbone):
            chosen = (last.start, first.end, wrap_length, True)
    if genome == "auto":
        description = f"{record.description} {record.name}"
        if any(itr.mutant for itr in itrs):
            genome, basis = "sc", "a mutated (dTRS) ITR is annotated"
        elif re.search(r"\bscAAV\b|self[- ]complementary", description, re.I):
            genome, basis = "sc", "the record's description says self-complementary"
        else:
            genome, basis = "ss", "no mutated ITR annotated: single-stranded assumed"
    else:
        basis = "given"
    start, end, length, wraps = chosen
    return AavGenome(start, end, length, wraps, genome, basis, tuple(itrs))


def aav_findings(
    record: SeqRecord, *, genome: str = "auto"
) -> tuple[list[Finding], AavGenome | None]:
    """ITR presence and packaging length of an AAV construct."""
    if genome not in ("auto", "ss", "sc"):
        raise ValueError("genome must be 'auto', 'ss' or 'sc'")
    itrs = find_itrs(record)
    findings: list[Finding] = []
    for itr in itrs:
        findings.append(
            Finding(
                "aav.itr",
                "info",
                f"ITR {itr.name!r} of {itr.length} bp at {itr.start}-{itr.end}, found by "
                f"{itr.found_by}" + (" (mutated: self-complementary)" if itr.mutant else ""),
                itr.start,
                itr.end,
                value=itr.length,
            )
        )
    if len(itrs) < 2:
        findings.append(
            Finding(
                "aav.itr",
                "high",
                f"{len(itrs)} ITR found: an AAV genome needs an ITR at each end "
                "(annotate them, or check the sequence)",
                value=len(itrs),
                limit=2,
            )
        )
        return findings, None
    if len(itrs) > 2:
        findings.append(
            Finding(
                "aav.itr",
                "medium",
                f"{len(itrs)} ITR-like regions: the genome is taken between the outermost two; "
                "extra ITR sequence can recombine",
                value=len(itrs),
                limit=2,
            )
        )
    located = locate_genome(record, itrs, genome)
    assert located is not None
    key = "aav_sc_packaging_nt" if located.genome == "sc" else "aav_ss_packaging_nt"
    cfg = limits()[key]
    length = located.length
    if length > cfg["hard_value"]:
        level = "high"
        verdict = f"over the packaging limit ({cfg['hard_value']} nt): expect truncated genomes"
    elif length > cfg["value"]:
        level = "medium"
        verdict = f"above the {cfg['value']}-nt capacity: reduced titre and full capsids"
    else:
        level = "low"
        verdict = f"within the {cfg['value']}-nt capacity"
    kind = "self-complementary" if located.genome == "sc" else "single-stranded"
    findings.append(
        Finding(
            "aav.packaging",
            level,
            f"{kind} AAV genome of {length} nt (ITR to ITR, inclusive) {verdict}; "
            f"genome type: {located.genome_basis}",
            located.start,
            located.end,
            value=length,
            limit=cfg["value"],
            source=cfg["source"],
            details={"genome": located.genome, "wraps_origin": located.wraps},
        )
    )
    small = limits()["aav_ss_small_nt"]
    if located.genome == "ss" and length < small["value"]:
        findings.append(
            Finding(
                "aav.packaging",
                "low",
                f"single-stranded genome of {length} nt is under half capacity: "
                "consider a stuffer, or a self-complementary design",
                located.start,
                located.end,
                value=length,
                limit=small["value"],
                source=source_of("aav_ss_small_nt"),
            )
        )
    return findings, located
