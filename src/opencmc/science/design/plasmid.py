"""Manufacturability checks for any plasmid or construct, each finding with position and risk.

GC content overall and in windows, long homopolymers, exact direct and inverted repeats
(recombination risk in E. coli and in the vector), CpG count, restriction sites from a
list, open reading frames, and the Kozak context of the transgene's start codon.
Positions are 1-based and inclusive, as on a GenBank map. Limits and their sources are
in ``data/vector/limits.json``; where a number is an OpenCMC default, it says so.

>>> from opencmc.science.design.plasmid import find_repeats
>>> unit = "ACGTTGCAGGCTTACCGATCAGTCCA"          # 26 bp
>>> seq = "T" * 30 + unit + "G" * 40 + unit + "A" * 30
>>> [(r.length, r.first, r.second) for r in find_repeats(seq) if r.kind == "direct"]
[(26, (31, 56), (97, 122))]
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from Bio.Restriction import AllEnzymes, RestrictionBatch
from Bio.Seq import Seq

LEVELS = ("info", "low", "medium", "high")
_RANK = {level: i for i, level in enumerate(LEVELS)}
DEFAULT_ENZYMES = (
    "EcoRI",
    "BamHI",
    "HindIII",
    "NotI",
    "XhoI",
    "XbaI",
    "NheI",
    "KpnI",
    "SacI",
    "SalI",
    "PstI",
    "SpeI",
    "NcoI",
    "AgeI",
    "MluI",
    "AscI",
    "PacI",
    "SwaI",
    "SmaI",
    "BsaI",
    "BsmBI",
    "SapI",
)


@cache
def limits() -> dict[str, Any]:
    """The limits and their sources (``data/vector/limits.json``)."""
    return json.loads(
        resources.files("opencmc.science.design")
        .joinpath("data/vector/limits.json")
        .read_text(encoding="utf-8")
    )


def source_of(key: str) -> str:
    return str(limits()[key]["source"])


def max_level(levels: Iterable[str]) -> str:
    best = "info"
    for level in levels:
        if _RANK[level] > _RANK[best]:
            best = level
    return best


@dataclass(frozen=True)
class Finding:
    """One thing a check found: what, where (1-based, inclusive), how risky and why."""

    check: str
    level: str
    message: str
    start: int | None = None
    end: int | None = None
    strand: int | None = None
    value: float | None = None
    limit: float | None = None
    source: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "level": self.level,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "strand": self.strand,
            "value": self.value,
            "limit": self.limit,
            "source": self.source,
            "details": dict(self.details),
        }


# --- GC content -------------------------------------------------------------------


def gc_fraction(seq: str) -> float:
    s = seq.upper()
    acgt = sum(s.count(b) for b in "ACGT")
    return (s.count("G") + s.count("C")) / acgt if acgt else 0.0


def gc_windows(seq: str, window: int = 100, step: int | None = None) -> list[tuple[int, float]]:
    """(1-based window start, GC %) for each window; the last window ends at the sequence end."""
    s = seq.upper()
    step = step or max(1, window // 2)
    if len(s) <= window:
        return [(1, 100.0 * gc_fraction(s))]
    starts = list(range(0, len(s) - window + 1, step))
    if starts[-1] != len(s) - window:
        starts.append(len(s) - window)
    # Prefix sums make each window O(1).
    prefix = [0]
    for base in s:
        prefix.append(prefix[-1] + (base in "GC"))
    return [(i + 1, 100.0 * (prefix[i + window] - prefix[i]) / window) for i in starts]


def gc_findings(
    seq: str, *, window: int | None = None, expected: Sequence[tuple[int, int, str]] = ()
) -> list[Finding]:
    cfg = limits()["gc_window"]
    window = window or int(cfg["window"])
    overall = 100.0 * gc_fraction(seq)
    findings = [
        Finding(
            "gc.overall",
            "info",
            f"GC content {overall:.1f}% over {len(seq)} bp",
            1,
            len(seq),
            value=round(overall, 2),
        )
    ]
    flagged: list[tuple[int, int, str, float, float]] = []  # start, end, level, min, max
    for start, gc in gc_windows(seq, window):
        if gc < cfg["low_high"] or gc > cfg["high_high"]:
            level = "high"
        elif gc < cfg["low_medium"] or gc > cfg["high_medium"]:
            level = "medium"
        else:
            continue
        end = min(start + window - 1, len(seq))
        if flagged and start <= flagged[-1][1] + 1:
            s0, _, l0, lo, hi = flagged[-1]
            flagged[-1] = (s0, end, max_level([l0, level]), min(lo, gc), max(hi, gc))
        else:
            flagged.append((start, end, level, gc, gc))
    for start, end, level, lo, hi in flagged:
        extreme = lo if lo < cfg["low_medium"] else hi
        side = "low" if lo < cfg["low_medium"] else "high"
        inherent = _expected_name((start, end), expected, fraction=0.5)
        note = f" (inherent to the {inherent})" if inherent else ""
        if inherent:
            level = "low"
        findings.append(
            Finding(
                "gc.window",
                level,
                f"{side} GC in {window}-bp windows: {lo:.0f}-{hi:.0f}% between {start} and "
                f"{end}{note}",
                start,
                end,
                value=round(extreme, 1),
                limit=cfg["low_medium"] if side == "low" else cfg["high_medium"],
                source=cfg["source"],
            )
        )
    return findings


# --- homopolymers -----------------------------------------------------------------


def homopolymer_findings(seq: str, *, min_length: int | None = None) -> list[Finding]:
    cfg = limits()["homopolymer_levels_nt"]
    min_length = min_length or int(cfg["low"])
    findings = []
    for match in re.finditer(r"A+|C+|G+|T+", seq.upper()):
        n = match.end() - match.start()
        if n < min_length:
            continue
        level = "high" if n >= cfg["high"] else "medium" if n >= cfg["medium"] else "low"
        findings.append(
            Finding(
                "homopolymer",
                level,
                f"poly-{match.group()[0]} run of {n} bp at {match.start() + 1}-{match.end()}",
                match.start() + 1,
                match.end(),
                value=n,
                limit=min_length,
                source=cfg["source"],
            )
        )
    return findings


# --- repeats ----------------------------------------------------------------------


_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def reverse_complement(seq: str) -> str:
    return seq.upper().translate(_COMPLEMENT)[::-1]


@dataclass(frozen=True)
class Repeat:
    """An exact repeat: two copies (1-based inclusive spans), direct or inverted."""

    kind: str
    length: int
    first: tuple[int, int]
    second: tuple[int, int]

    @property
    def spacing(self) -> int:
        """Bases between the end of the first copy and the start of the second."""
        return self.second[0] - self.first[1] - 1


def _kmer_positions(seq: str, k: int, max_occurrences: int) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for i in range(len(seq) - k + 1):
        kmer = seq[i : i + k]
        # Homopolymer k-mers are left to the homopolymer check: halves of one run are not
        # two copies of a repeat.
        if "N" not in kmer and kmer.count(kmer[0]) != k:
            index[kmer].append(i)
    return {kmer: pos for kmer, pos in index.items() if len(pos) <= max_occurrences}


def _runs(seeds: dict[int, list[int]]) -> Iterable[tuple[int, int, int]]:
    """(diagonal key, first seed i, run length) of consecutive seeds along each diagonal."""
    for key, starts in seeds.items():
        starts.sort()
        run_start = prev = starts[0]
        for i in starts[1:]:
            if i == prev + 1:
                prev = i
                continue
            yield key, run_start, prev - run_start + 1
            run_start = prev = i
        yield key, run_start, prev - run_start + 1


def find_repeats(
    seq: str,
    *,
    min_length: int = 20,
    direct: bool = True,
    inverted: bool = True,
    max_occurrences: int = 50,
) -> list[Repeat]:
    """Maximal exact direct and inverted repeats of at least ``min_length`` bp, longest first.

    Seeds are the ``min_length``-mers occurring in both places; consecutive seeds on one
    diagonal merge into one maximal repeat. k-mers occurring more than
    ``max_occurrences`` times (low-complexity runs, reported as homopolymers) are skipped.
    Repeats that span the origin of a circular record are not joined.
    """
    s = seq.upper()
    k = min_length
    if len(s) < 2 * k:
        return []
    found: list[Repeat] = []
    index = _kmer_positions(s, k, max_occurrences)
    if direct:
        seeds: dict[int, list[int]] = defaultdict(list)
        for positions in index.values():
            for a in range(len(positions)):
                for b in range(a + 1, len(positions)):
                    seeds[positions[b] - positions[a]].append(positions[a])
        for offset, i0, run in _runs(seeds):
            length = run + k - 1
            if offset < length:  # overlapping copies: a tandem run, not two copies
                continue
            found.append(
                Repeat(
                    "direct", length, (i0 + 1, i0 + length), (i0 + offset + 1, i0 + offset + length)
                )
            )
    if inverted:
        anti: dict[int, list[int]] = defaultdict(list)
        for j in range(len(s) - k + 1):
            rc = reverse_complement(s[j : j + k])
            for i in index.get(rc, ()):
                if i + k <= j:  # left arm wholly before the right arm
                    anti[i + j].append(i)
        for total, i0, run in _runs(anti):
            length = run + k - 1
            j_first = total - i0  # 0-based start of the first seed's right-arm k-mer
            right_start = j_first - (run - 1)
            found.append(
                Repeat(
                    "inverted",
                    length,
                    (i0 + 1, i0 + length),
                    (right_start + 1, right_start + length),
                )
            )
    found.sort(key=lambda r: (-r.length, r.first, r.kind))
    return found


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]) + 1)


def _expected_name(
    span: tuple[int, int], expected: Sequence[tuple[int, int, str]], fraction: float = 0.8
) -> str | None:
    """The expected element (ITR, LTR) holding at least ``fraction`` of ``span``, if any."""
    length = span[1] - span[0] + 1
    for start, end, name in expected:
        if _overlap(span, (start, end)) >= fraction * length:
            return name
    return None


def repeat_findings(
    seq: str,
    *,
    min_length: int | None = None,
    expected: Sequence[tuple[int, int, str]] = (),
    max_reported: int = 50,
) -> list[Finding]:
    """Findings for repeats; those inside ``expected`` regions (ITRs, LTRs) are marked low."""
    cfg = limits()["repeat_levels_nt"]
    min_length = min_length or int(cfg["low"])
    repeats = find_repeats(seq, min_length=min_length)
    findings = []
    for r in repeats[:max_reported]:
        level = (
            "high" if r.length >= cfg["high"] else "medium" if r.length >= cfg["medium"] else "low"
        )
        why = ""
        first_in = _expected_name(r.first, expected)
        second_in = _expected_name(r.second, expected)
        if first_in and second_in:
            why = f"expected: within the {first_in}"
            level = "low"
        kind = "direct" if r.kind == "direct" else "inverted"
        message = (
            f"{kind} repeat of {r.length} bp at {r.first[0]}-{r.first[1]} and "
            f"{r.second[0]}-{r.second[1]}" + (f" ({why})" if why else "")
        )
        findings.append(
            Finding(
                f"repeat.{kind}",
                level,
                message,
                r.first[0],
                r.second[1],
                value=r.length,
                limit=min_length,
                source=cfg["source"],
                details={
                    "first_start": r.first[0],
                    "first_end": r.first[1],
                    "second_start": r.second[0],
                    "second_end": r.second[1],
                    "spacing": r.spacing,
                    "expected": bool(why),
                },
            )
        )
    if len(repeats) > max_reported:
        findings.append(
            Finding(
                "repeat.summary",
                "info",
                f"{len(repeats)} repeats of at least {min_length} bp; "
                f"the {max_reported} longest shown",
                value=len(repeats),
            )
        )
    return findings


# --- CpG --------------------------------------------------------------------------


@dataclass(frozen=True)
class CpgSummary:
    count: int
    per_kb: float
    observed_expected: float
    length: int


def cpg_summary(seq: str) -> CpgSummary:
    s = seq.upper()
    count = sum(1 for i in range(len(s) - 1) if s[i] == "C" and s[i + 1] == "G")
    c, g = s.count("C"), s.count("G")
    oe = count * len(s) / (c * g) if c and g else 0.0
    per_kb = 1000.0 * count / len(s) if s else 0.0
    return CpgSummary(count, per_kb, oe, len(s))


def cpg_finding(
    seq: str, *, offset: int = 0, region: str = "construct", aav: bool = False
) -> Finding:
    cfg = limits()["cpg_per_kb"]
    summary = cpg_summary(seq)
    if aav:
        level = (
            "high"
            if summary.per_kb > cfg["high"]
            else "medium"
            if summary.per_kb > cfg["medium"]
            else "low"
        )
    else:
        level = "info"
    return Finding(
        "cpg",
        level,
        f"{summary.count} CpG in the {region} ({summary.per_kb:.1f} per kb, observed/expected "
        f"{summary.observed_expected:.2f})"
        + ("; CpG in an AAV genome can trigger TLR9" if aav and level != "low" else ""),
        offset + 1,
        offset + len(seq),
        value=summary.count,
        limit=cfg["medium"] if aav else None,
        source=cfg["source"] if aav else "",
        details={
            "per_kb": round(summary.per_kb, 2),
            "observed_expected": round(summary.observed_expected, 3),
        },
    )


# --- restriction sites ------------------------------------------------------------


def restriction_findings(
    seq: str, enzymes: Iterable[str] = DEFAULT_ENZYMES, *, circular: bool = True
) -> list[Finding]:
    names = list(enzymes)
    unknown = [n for n in names if n not in AllEnzymes.elements()]
    if unknown:
        raise ValueError(f"unknown restriction enzyme(s) {unknown} (Biopython's REBASE names)")
    batch = RestrictionBatch(names)
    hits = batch.search(Seq(seq.upper()), linear=not circular)
    findings = []
    for enzyme in sorted(hits, key=str):
        cuts = sorted(hits[enzyme])
        if not cuts:
            continue
        where = ", ".join(map(str, cuts[:20])) + (" ..." if len(cuts) > 20 else "")
        kind = "unique site" if len(cuts) == 1 else f"{len(cuts)} sites"
        findings.append(
            Finding(
                "restriction_site",
                "info",
                f"{enzyme} ({enzyme.site}): {kind}; cut before base {where}",
                cuts[0],
                cuts[-1],
                value=len(cuts),
                source="Biopython Bio.Restriction (REBASE)",
                details={"enzyme": str(enzyme), "site": str(enzyme.site), "cuts": cuts},
            )
        )
    return findings


# --- ORFs and Kozak ---------------------------------------------------------------

_STOPS = ("TAA", "TAG", "TGA")


@dataclass(frozen=True)
class Orf:
    """An ATG-to-stop open reading frame; 1-based inclusive span on the forward strand."""

    start: int
    end: int
    strand: int
    length_aa: int


def find_orfs(seq: str, *, min_aa: int = 100) -> list[Orf]:
    """ATG-initiated ORFs of at least ``min_aa`` codons (stop excluded) on both strands."""
    s = seq.upper()
    n = len(s)
    orfs: list[Orf] = []
    for strand, text in ((1, s), (-1, reverse_complement(s))):
        for frame in range(3):
            start: int | None = None
            for i in range(frame, n - 2, 3):
                codon = text[i : i + 3]
                if start is None and codon == "ATG":
                    start = i
                elif start is not None and codon in _STOPS:
                    aa = (i - start) // 3
                    if aa >= min_aa:
                        if strand == 1:
                            orfs.append(Orf(start + 1, i + 3, 1, aa))
                        else:
                            orfs.append(Orf(n - (i + 3) + 1, n - start, -1, aa))
                    start = None
    orfs.sort(key=lambda o: (-o.length_aa, o.start))
    return orfs


@dataclass(frozen=True)
class KozakContext:
    context: str
    minus3: str
    plus4: str
    strength: str


def kozak(seq: str, atg_start: int, strand: int = 1) -> KozakContext:
    """Kozak context (-6 to +4) of the ATG starting at 1-based ``atg_start`` on ``strand``.

    Strong: purine at -3 and G at +4; adequate: one of the two; weak: neither.
    For the reverse strand, ``atg_start`` is the 1-based forward coordinate of the ORF's
    highest base (the A of the ATG on the reverse strand).
    """
    s = seq.upper()
    if strand == 1:
        i = atg_start - 1
        text = s
    else:
        text = reverse_complement(s)
        i = len(s) - atg_start
    up = text[max(0, i - 6) : i].rjust(6, "-")
    down = text[i : i + 4].ljust(4, "-")
    context = up.lower() + down
    minus3, plus4 = up[3], down[3]
    good3 = minus3 in "AG"
    good4 = plus4 == "G"
    strength = "strong" if good3 and good4 else "adequate" if good3 or good4 else "weak"
    return KozakContext(context, minus3, plus4, strength)


def kozak_finding(seq: str, cds_start: int, cds_end: int, strand: int, name: str) -> Finding:
    cfg = limits()["kozak"]
    atg = cds_start if strand == 1 else cds_end
    ctx = kozak(seq, atg, strand)
    level = "low" if ctx.strength in ("strong", "adequate") else "medium"
    note = {
        "strong": "purine at -3 and G at +4",
        "adequate": "only one of purine at -3 and G at +4",
        "weak": "neither purine at -3 nor G at +4: expression may be low",
    }[ctx.strength]
    if seq[atg - 1 : atg + 2].upper() != "ATG" and strand == 1:
        note += "; the CDS does not start with ATG"
        level = "medium"
    return Finding(
        "kozak",
        level,
        f"{name} start codon in {ctx.strength} Kozak context {ctx.context} ({note})",
        cds_start,
        cds_end,
        strand,
        source=cfg["source"],
        details={"context": ctx.context, "strength": ctx.strength, "transgene": name},
    )


def orf_findings(
    seq: str,
    *,
    min_aa: int = 100,
    offset: int = 0,
    annotated: Sequence[tuple[int, int, int]] = (),
    max_reported: int = 20,
) -> list[Finding]:
    """ORFs in ``seq`` (positions shifted by ``offset``); unannotated ones are low risk."""
    findings = []
    orfs = find_orfs(seq, min_aa=min_aa)
    for orf in orfs[:max_reported]:
        start, end = orf.start + offset, orf.end + offset
        known = any(
            (abs(start - a) <= 3 and abs(end - b) <= 3) or (a <= start and end <= b)
            for a, b, _ in annotated
        )
        # Same stop codon and strand as an annotated CDS but starting earlier: an in-frame
        # upstream ATG, which starts translation before the intended start codon.
        extends = not known and any(
            st == orf.strand
            and ((st == 1 and end == b and start < a) or (st == -1 and start == a and end > b))
            for a, b, st in annotated
        )
        if known:
            note = ""
        elif extends:
            note = ", an in-frame upstream ATG extends an annotated CDS"
        else:
            note = ", not annotated: check for unintended expression"
        findings.append(
            Finding(
                "orf",
                "info" if known else "low",
                f"ORF of {orf.length_aa} aa at {start}-{end} "
                f"({'+' if orf.strand == 1 else '-'} strand){note}",
                start,
                end,
                orf.strand,
                value=orf.length_aa,
                limit=min_aa,
                details={"annotated": known},
            )
        )
    return findings
