"""Lentiviral transfer plasmid checks: LTRs, provirus length and insert size against the limit.

The LTRs are taken from the record's features (type ``LTR`` or a label naming an LTR);
the provirus is 5' LTR to 3' LTR inclusive. The insert is the expression cassette between
the LTRs: features annotated as insert, transgene or cassette if any, otherwise the span
from the first promoter or coding feature to the last one, leaving out the vector's own
elements (psi, RRE, cPPT, WPRE, LTR fragments). Without annotated LTRs the construct
cannot be measured and the finding says so.
"""

from __future__ import annotations

import re

from Bio.SeqRecord import SeqRecord

from opencmc.science.design.plasmid import Finding, limits
from opencmc.science.design.vector_input import label, span

_LTR = re.compile(r"\bLTR\b|long terminal repeat", re.I)
_VECTOR_ELEMENT = re.compile(
    r"\bpsi\b|Ψ|packaging signal|\bRRE\b|rev response|\bcPPT\b|\bCTS\b|central polypurine|WPRE|"
    r"woodchuck|\bLTR\b|\bgag\b|\benv\b|\bSIN\b|\bU3\b|\bU5\b|\bR region",
    re.I,
)
_INSERT = re.compile(r"\binsert\b|cassette|gene of interest|\bGOI\b", re.I)
_CASSETTE_TYPES = {
    "promoter",
    "cds",
    "gene",
    "enhancer",
    "polya_signal",
    "5'utr",
    "3'utr",
    "intron",
}


def find_ltrs(record: SeqRecord) -> list[tuple[int, int, str]]:
    found = []
    for feature in record.features:
        if feature.type.upper() == "LTR" or _LTR.search(label(feature)):
            start, end = span(feature)
            found.append((start, end, label(feature) or feature.type))
    found.sort()
    merged: list[tuple[int, int, str]] = []
    for start, end, name in found:  # R, U3, U5 sub-features of one LTR merge into it
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2])
        else:
            merged.append((start, end, name))
    return merged


def insert_span(record: SeqRecord, lo: int, hi: int) -> tuple[int, int, str] | None:
    """The expression cassette between ``lo`` and ``hi`` (1-based), and how it was found."""
    inside = [f for f in record.features if lo <= span(f)[0] and span(f)[1] <= hi]
    marked = [f for f in inside if _INSERT.search(label(f))]
    if marked:
        return min(span(f)[0] for f in marked), max(span(f)[1] for f in marked), "annotated insert"
    cassette = [
        f
        for f in inside
        if f.type.lower() in _CASSETTE_TYPES and not _VECTOR_ELEMENT.search(f"{label(f)} {f.type}")
    ]
    if not cassette:
        return None
    return (
        min(span(f)[0] for f in cassette),
        max(span(f)[1] for f in cassette),
        "first to last promoter/coding feature between the LTRs",
    )


def lenti_findings(record: SeqRecord) -> tuple[list[Finding], tuple[int, int] | None]:
    """LTR presence, provirus length and insert size of a lentiviral transfer plasmid."""
    ltrs = find_ltrs(record)
    findings: list[Finding] = []
    for start, end, name in ltrs:
        findings.append(
            Finding(
                "lenti.ltr",
                "info",
                f"LTR {name!r} at {start}-{end}",
                start,
                end,
                value=end - start + 1,
            )
        )
    if len(ltrs) < 2:
        findings.append(
            Finding(
                "lenti.ltr",
                "medium",
                f"{len(ltrs)} LTR annotated: a transfer plasmid needs a 5' and a 3' LTR; "
                "annotate them (feature type LTR) to measure the insert",
                value=len(ltrs),
                limit=2,
            )
        )
        return findings, None
    five, three = ltrs[0], ltrs[-1]
    provirus = three[1] - five[0] + 1
    wt = limits()["lenti_provirus_nt"]
    findings.append(
        Finding(
            "lenti.provirus",
            "info" if provirus <= wt["value"] else "low",
            f"provirus (5' LTR to 3' LTR) of {provirus} nt"
            + (
                ""
                if provirus <= wt["value"]
                else f", longer than wild-type HIV-1 ({wt['value']} nt)"
            ),
            five[0],
            three[1],
            value=provirus,
            limit=wt["value"],
            source=wt["source"],
        )
    )
    cfg = limits()["lenti_insert_nt"]
    cassette = insert_span(record, five[1] + 1, three[0] - 1)
    if cassette is None:
        findings.append(
            Finding(
                "lenti.insert",
                "medium",
                "no insert, promoter or CDS annotated between the LTRs: insert size unknown",
                five[1] + 1,
                three[0] - 1,
            )
        )
        return findings, (five[0], three[1])
    start, end, basis = cassette
    size = end - start + 1
    level = "high" if size > cfg["hard_value"] else "medium" if size > cfg["value"] else "low"
    verdict = (
        f"over the practical limit of about {cfg['hard_value']} nt: expect a large titre loss"
        if level == "high"
        else f"above {cfg['value']} nt: titre falls with insert size"
        if level == "medium"
        else "within the practical limit"
    )
    findings.append(
        Finding(
            "lenti.insert",
            level,
            f"insert of {size} nt ({basis}) {verdict}",
            start,
            end,
            value=size,
            limit=cfg["hard_value"],
            source=cfg["source"],
        )
    )
    return findings, (five[0], three[1])
