"""Metrics of an mRNA: codon adaptation, GC and uridine, folding, sequence features, mass.

:func:`profile` takes a coding sequence (with optional UTRs and a poly(A) length) or a whole
mRNA, finds the parts, and returns an :class:`MrnaProfile`. Positions in the results are
1-based on the whole mRNA (5' UTR + CDS + 3' UTR + tail); each feature also names its region.

    >>> p = profile("AUGGCCAAGUGA", utr5="GGGAAAUAAGAGAGAAAAGAAGAGUAAGAAGAAAUAUAAGAGCCACC",
    ...             poly_a=30, fold=False)
    >>> p.cds_length, p.length, p.protein, p.uaugs
    (12, 89, 'MAK', [])
    >>> round(p.cai, 3), p.kozak
    (1.0, 'strong')
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from opencmc.science.design import folding
from opencmc.science.design.codons import CodonTable, cai_of_codons, codon_table
from opencmc.science.design.sequences import (
    STOPS_DNA,
    SequenceError,
    check_cds,
    clean_nucleotides,
    codons,
    find_motif,
    gc_fraction,
    homopolymer_runs,
    longest_homopolymer,
    to_dna,
    translate,
)

POLYA_SIGNALS = ("AAUAAA", "AUUAAA")
ARE_PENTAMER = "AUUUA"
ARE_NONAMER = "UUAUUUAWW"  # Zubiaga et al. 1995; W = A or U
MIN_DETECTED_TAIL = 20

# Average masses (Da) of the elements and of the groups the mass is built from.
_ATOMIC = {"C": 12.011, "H": 1.008, "N": 14.007, "O": 15.999, "P": 30.974}


def _formula_mass(formula: str) -> float:
    return sum(_ATOMIC[el] * int(n or 1) for el, n in re.findall(r"([CHNOP])(\d*)", formula))


# Nucleoside monophosphate residues in a chain (NMP - H2O).
RESIDUE_MASS = {
    "A": _formula_mass("C10H12N5O6P"),
    "C": _formula_mass("C9H12N3O7P"),
    "G": _formula_mass("C10H12N5O7P"),
    "U": _formula_mass("C9H11N2O8P"),
}
WATER = _formula_mass("H2O")
HPO3 = _formula_mass("HPO3")
METHYLENE = _formula_mass("CH2")
M7G_NUCLEOSIDE = _formula_mass("C11H15N5O5")  # 7-methylguanosine, as in the neutral cap
CAPS = ("none", "cap0", "cap1")


@dataclass(frozen=True)
class Feature:
    """A sequence feature: 1-based start, length, the matched text and the region."""

    start: int
    length: int
    sequence: str
    region: str
    note: str = ""


@dataclass(frozen=True)
class UpstreamAug:
    position: int  # 1-based in the mRNA
    in_frame: bool
    kind: str  # "uORF" (ends before the CDS), "overlapping", or "N-terminal extension"
    orf_end: int | None  # 1-based last nt of its stop codon, None for an extension


@dataclass(frozen=True)
class GcProfile:
    window: int
    step: int
    minimum: float
    maximum: float
    starts: list[int]  # 1-based window starts (every ``step`` nt)
    values: list[float]


@dataclass
class MrnaProfile:
    """Everything :func:`profile` measured. ``mfe`` is of the whole mRNA, ``cds_mfe`` of the
    coding sequence alone (stop codon included); both in kcal/mol from ViennaRNA at
    ``temperature``; ``None`` when folding was skipped."""

    sequence: str
    utr5: str
    cds: str
    utr3: str
    poly_a: int
    host: str
    protein: str
    length: int
    cds_length: int
    cai: float
    gc: float
    gc_cds: float
    gc_windows: GcProfile
    uridine: float
    uridine_cds: float
    mfe: float | None
    cds_mfe: float | None
    mfe_per_nt: float | None
    cds_mfe_per_nt: float | None
    structure: str | None
    cds_structure: str | None
    fold_method: str | None
    start_region: dict[str, Any]
    kozak: str
    longest_homopolymer: Feature
    homopolymers: list[Feature]
    repeats: list[Feature]
    polya_signals: list[Feature]
    are_elements: list[Feature]
    motifs: dict[str, list[Feature]]
    restriction_sites: dict[str, list[Feature]]
    uaugs: list[UpstreamAug]
    mass: dict[str, Any]
    temperature: float = 37.0
    warnings: list[str] = field(default_factory=list)

    @property
    def cds_start(self) -> int:
        """1-based position of the first nt of the start codon."""
        return len(self.utr5) + 1

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cds_start"] = self.cds_start
        return data

    def summary(self) -> str:
        lines = [
            f"mRNA {self.length} nt (5' UTR {len(self.utr5)}, CDS {self.cds_length}, "
            f"3' UTR {len(self.utr3)}, poly(A) {self.poly_a}); protein {len(self.protein)} aa",
            f"host {self.host}: CAI {self.cai:.3f}",
            f"GC {self.gc:.3f} (CDS {self.gc_cds:.3f}; {self.gc_windows.window}-nt windows "
            f"{self.gc_windows.minimum:.2f}-{self.gc_windows.maximum:.2f}); "
            f"U {self.uridine:.3f} (CDS {self.uridine_cds:.3f})",
        ]
        if self.mfe is not None:
            lines.append(
                f"MFE {self.mfe:.1f} kcal/mol ({self.mfe_per_nt:.3f}/nt); CDS "
                f"{self.cds_mfe:.1f} kcal/mol ({self.cds_mfe_per_nt:.3f}/nt)"
            )
        sr = self.start_region
        lines.append(
            f"start codon: Kozak {self.kozak}; first {sr['length']} nt of the CDS "
            f"{sr['unpaired_mean']:.2f} unpaired on average, local MFE {sr['mfe']:.1f}"
        )
        hp = self.longest_homopolymer
        lines.append(
            f"longest homopolymer {hp.sequence[:1]}x{hp.length} at {hp.start} ({hp.region}); "
            f"{len(self.repeats)} repeats; {len(self.polya_signals)} poly(A) signals; "
            f"{len(self.are_elements)} AU-rich elements; {len(self.uaugs)} upstream AUGs"
        )
        for name, hits in self.restriction_sites.items():
            lines.append(f"site {name}: {len(hits)}")
        m = self.mass
        lines.append(
            f"product {m['length']} nt + {m['cap']}: {m['average_mass_da'] / 1000:.1f} kDa"
        )
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


# --- parts -------------------------------------------------------------------------------


def _find_parts(
    seq: str,
    *,
    utr5: str | None,
    utr3: str | None,
    poly_a: int | None,
    cds: tuple[int, int] | None,
) -> tuple[str, str, str, int, list[str]]:
    """(utr5, cds, utr3, tail length) of an RNA sequence, with notes on what was inferred."""
    notes: list[str] = []
    if utr5 is not None or utr3 is not None:
        u5 = clean_nucleotides(utr5, rna=True, what="5' UTR") if utr5 else ""
        u3 = clean_nucleotides(utr3, rna=True, what="3' UTR") if utr3 else ""
        core = to_dna(seq)
        check_cds(core)
        return u5, seq, u3, poly_a or 0, notes
    tail = 0
    body = seq
    if poly_a is None:
        m = re.search(r"A+$", seq)
        if m and len(m.group(0)) >= MIN_DETECTED_TAIL:
            tail = len(m.group(0))
            body = seq[:-tail]
            notes.append(f"trailing run of {tail} A read as the poly(A) tail")
    else:
        tail = poly_a
    if cds is not None:
        start, end = cds
        if not (1 <= start <= end <= len(body)):
            raise SequenceError(f"CDS {start}-{end} is outside the sequence (1-{len(body)})")
        check_cds(to_dna(body[start - 1 : end]))
        return body[: start - 1], body[start - 1 : end], body[end:], tail, notes
    dna = to_dna(body)
    if len(dna) % 3 == 0 and dna.startswith("ATG"):
        try:
            check_cds(dna)
            return "", body, "", tail, notes
        except SequenceError:
            pass
    start, end = _longest_orf(dna)
    if start < 0:
        raise SequenceError(
            "no open reading frame (AUG ... stop) found; give the CDS position, or the UTRs "
            "separately"
        )
    notes.append(f"CDS taken as the longest open reading frame, nt {start + 1}-{end}")
    return body[:start], body[start:end], body[end:], tail, notes


def _longest_orf(dna: str) -> tuple[int, int]:
    """0-based start and end (exclusive, stop included) of the longest ATG...stop ORF."""
    best = (-1, -1)
    for frame in range(3):
        start = None
        for i in range(frame, len(dna) - 2, 3):
            codon = dna[i : i + 3]
            if start is None and codon == "ATG":
                start = i
            elif start is not None and codon in STOPS_DNA:
                if i + 3 - start > best[1] - best[0]:
                    best = (start, i + 3)
                start = None
    return best


# --- features ----------------------------------------------------------------------------


def _region_of(pos0: int, n5: int, ncds: int, n3: int) -> str:
    if pos0 < n5:
        return "5' UTR"
    if pos0 < n5 + ncds:
        return "CDS"
    if pos0 < n5 + ncds + n3:
        return "3' UTR"
    return "poly(A)"


def gc_windows(sequence: str, window: int = 50, step: int = 10) -> GcProfile:
    """GC fraction in sliding windows: exact minimum and maximum over every window (step 1),
    values every ``step`` nt for plotting. A sequence shorter than the window is one window."""
    seq = to_dna(sequence)
    gc = np.fromiter((c in "GC" for c in seq), dtype=np.int32, count=len(seq))
    w = min(window, len(seq))
    cum = np.concatenate([[0], np.cumsum(gc)])
    fractions = (cum[w:] - cum[:-w]) / w
    idx = np.arange(0, len(fractions), max(step, 1))
    return GcProfile(
        window=window,
        step=step,
        minimum=float(fractions.min()),
        maximum=float(fractions.max()),
        starts=[int(i) + 1 for i in idx],
        values=[round(float(fractions[i]), 4) for i in idx],
    )


def find_repeats(sequence: str, min_length: int = 12, limit: int = 50) -> list[Feature]:
    """Direct repeats: maximal stretches of at least ``min_length`` nt that occur again later
    (the note gives the 1-based position of the copy), longest first."""
    seq = sequence
    n = len(seq)
    if n < 2 * min_length:
        return []
    positions: dict[str, list[int]] = defaultdict(list)
    for i in range(n - min_length + 1):
        positions[seq[i : i + min_length]].append(i)
    found: dict[tuple[int, int], int] = {}
    for occ in positions.values():
        if len(occ) < 2:
            continue
        occ = occ[:20]  # low-complexity stretches would give quadratic pairs
        for a_idx, p in enumerate(occ):
            for q in occ[a_idx + 1 :]:
                if p > 0 and seq[p - 1] == seq[q - 1] and q - 1 != p:
                    continue  # not maximal to the left; its left extension is counted
                length = min_length
                while q + length < n and seq[p + length] == seq[q + length]:
                    length += 1
                key = (p, q)
                found[key] = max(found.get(key, 0), length)
    reps = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [
        Feature(p + 1, length, seq[p : p + length], "", note=f"copy at {q + 1}")
        for (p, q), length in reps
    ]


def _features(
    seq: str, motif: str, n5: int, ncds: int, n3: int, *, both: bool = False, note: str = ""
) -> list[Feature]:
    hits = find_motif(seq, motif, both_strands=both)
    length = len(motif)
    return [
        Feature(h + 1, length, seq[h : h + length], _region_of(h, n5, ncds, n3), note) for h in hits
    ]


def restriction_site(name_or_site: str) -> tuple[str, str]:
    """(name, recognition site) of an enzyme name known to Biopython, or a literal site."""
    text = name_or_site.strip()
    if re.fullmatch(r"[ACGTURYSWKMBDHVNacgturyswkmbdhvn]+", text):
        return text.upper(), text.upper().replace("U", "T")
    from Bio import Restriction

    enzyme = getattr(Restriction, text, None)
    if enzyme is None or not hasattr(enzyme, "site"):
        raise SequenceError(f"unknown restriction enzyme {text!r} (give its name or its site)")
    return text, str(enzyme.site)


def upstream_augs(utr5: str, cds: str, utr3: str = "") -> list[UpstreamAug]:
    """AUGs that start in the 5' UTR, with their frame and where their ORF ends."""
    full = to_dna(utr5 + cds + utr3)
    n5 = len(utr5)
    out = []
    for m in re.finditer("(?=ATG)", to_dna(utr5 + cds[:2])):
        i = m.start()
        if i >= n5:
            continue
        in_frame = (n5 - i) % 3 == 0
        end = None
        for j in range(i, len(full) - 2, 3):
            if full[j : j + 3] in STOPS_DNA:
                end = j + 3
                break
        if in_frame and (end is None or end > n5):
            kind, end = "N-terminal extension", None
        elif end is not None and end <= n5:
            kind = "uORF"
        else:
            kind = "overlapping"
        out.append(UpstreamAug(i + 1, in_frame, kind, end))
    return out


def kozak_strength(utr5: str, cds: str) -> str:
    """Kozak context of the start codon: strong (purine at -3 and G at +4), adequate (one of
    the two) or weak (neither); 'unknown' when the 5' UTR is shorter than 3 nt."""
    if len(utr5) < 3 or len(cds) < 4:
        return "unknown"
    purine = utr5[-3] in "AG"
    g4 = cds[3] == "G"
    return "strong" if purine and g4 else "adequate" if purine or g4 else "weak"


def product_mass(
    utr5: str,
    cds: str,
    utr3: str,
    poly_a: int,
    *,
    cap: str = "cap1",
    modified_uridine: str | None = None,
) -> dict[str, Any]:
    """Average mass (Da, neutral free acid) of the in-vitro transcribed, capped, tailed mRNA.

    The chain is the sum of nucleotide residues (NMP - H2O) plus water, with a 5'
    triphosphate (+2 HPO3). A cap adds 7-methylguanosine linked 5'-5' to the triphosphate
    (cap0: + m7G - H2O); cap1 also 2'-O-methylates the first transcribed nucleotide (+CH2).
    ``modified_uridine="m1psi"`` (N1-methylpseudouridine, as in the licensed vaccines) adds
    CH2 to every U.
    """
    if cap not in CAPS:
        raise SequenceError(f"cap must be one of {', '.join(CAPS)}, not {cap!r}")
    seq = (utr5 + cds + utr3).upper().replace("T", "U") + "A" * poly_a
    counts = {b: seq.count(b) for b in "ACGU"}
    mass = sum(RESIDUE_MASS[b] * n for b, n in counts.items()) + WATER + 2 * HPO3
    if cap in ("cap0", "cap1"):
        mass += M7G_NUCLEOSIDE - WATER
    if cap == "cap1":
        mass += METHYLENE
    if modified_uridine:
        if modified_uridine.lower() not in ("m1psi", "m1Ψ", "n1-methylpseudouridine"):
            raise SequenceError("modified_uridine must be 'm1psi' or None")
        mass += METHYLENE * counts["U"]
    return {
        "length": len(seq),
        "cap": cap,
        "modified_uridine": modified_uridine,
        "composition": counts,
        "average_mass_da": round(mass, 2),
        "method": "sum of nucleotide residues + H2O + 5' triphosphate (+ m7G cap); average "
        "atomic masses, neutral free acid",
    }


def start_region(
    utr5: str, cds: str, *, length: int = 30, temperature: float = 37.0
) -> dict[str, Any]:
    """Accessibility of the start of the CDS: the mean probability that each of its first
    ``length`` nt is unpaired and the MFE of the region from up to 30 nt upstream of the AUG to
    ``length`` nt into the CDS, both from ViennaRNA on the 5' end (5' UTR + first 120 nt of
    the CDS)."""
    head = (utr5 + cds[:120]).upper().replace("T", "U")
    n5 = len(utr5)
    length = min(length, len(cds))
    probs = folding.unpaired_probability(
        head, 1, window=min(len(head), 150), span=100, temperature=temperature
    )
    window = probs[n5 : n5 + length]
    local = head[max(0, n5 - 30) : n5 + length]
    return {
        "length": length,
        "unpaired_mean": round(float(np.mean(window)), 4) if window else 0.0,
        "unpaired": [round(p, 4) for p in window],
        "mfe": folding.mfe(local, temperature).energy,
        "mfe_region": [max(0, n5 - 30) + 1, n5 + length],
    }


# --- the profile -------------------------------------------------------------------------


def profile(
    sequence: str,
    host: str | CodonTable = "human",
    *,
    utr5: str | None = None,
    utr3: str | None = None,
    poly_a: int | None = None,
    cds: tuple[int, int] | None = None,
    fold: bool = True,
    max_bp_span: int | None = None,
    temperature: float = 37.0,
    gc_window: int = 50,
    gc_step: int = 10,
    homopolymer_min: int = 6,
    repeat_min: int = 12,
    motifs: list[str] | None = None,
    restriction_sites: list[str] | None = None,
    cap: str = "cap1",
    modified_uridine: str | None = None,
) -> MrnaProfile:
    """Measure an mRNA (or a CDS with ``utr5``/``utr3``/``poly_a`` around it).

    ``sequence`` is a coding sequence when ``utr5`` or ``utr3`` is given; otherwise a whole
    mRNA whose CDS is ``cds`` (1-based, inclusive, stop included), the whole sequence if it is
    one ORF, or else its longest ORF. ``poly_a`` is a tail length to add; when ``None``, a
    trailing run of at least 20 A is read as the tail. ``fold`` computes the MFE of the whole
    mRNA and of the CDS (``max_bp_span`` limits pair spans for speed). ``motifs`` are searched
    on the mRNA strand (IUPAC allowed), ``restriction_sites`` (enzyme names or sites) on both
    strands of the DNA template.
    """
    seq = clean_nucleotides(
        sequence, rna=True, what="mRNA" if utr5 is None and utr3 is None else "coding sequence"
    )
    if poly_a is not None and poly_a < 0:
        raise SequenceError("poly(A) length must not be negative")
    u5, cds_seq, u3, tail, notes = _find_parts(seq, utr5=utr5, utr3=utr3, poly_a=poly_a, cds=cds)
    table = codon_table(host)
    dna_cds = check_cds(to_dna(cds_seq))
    cods = codons(dna_cds)
    warnings = list(notes)
    if cods[0] != "ATG":
        warnings.append(f"CDS starts with {cods[0].replace('T', 'U')}, not AUG")
    if cods[-1] not in STOPS_DNA:
        warnings.append("CDS does not end with a stop codon")
    body = u5 + cds_seq + u3
    full = body + "A" * tail
    n5, ncds, n3 = len(u5), len(cds_seq), len(u3)

    fold_full = fold_cds = None
    if fold:
        fold_cds = folding.mfe(cds_seq, temperature, max_bp_span)
        fold_full = fold_cds if full == cds_seq else folding.mfe(full, temperature, max_bp_span)

    hp = longest_homopolymer(body)
    sites: dict[str, list[Feature]] = {}
    for item in restriction_sites or []:
        name, site = restriction_site(item)
        sites[name] = _features(full, site, n5, ncds, n3, both=True, note=site)
    motif_hits = {m.upper(): _features(full, m, n5, ncds, n3) for m in motifs or []}
    repeats = [
        Feature(f.start, f.length, f.sequence, _region_of(f.start - 1, n5, ncds, n3), f.note)
        for f in find_repeats(body, repeat_min)
    ]
    are = _features(body, ARE_PENTAMER, n5, ncds, n3, note="AUUUA pentamer") + _features(
        body, ARE_NONAMER, n5, ncds, n3, note="UUAUUUAWW nonamer"
    )
    mfe_full = fold_full.energy if fold_full else None
    mfe_cds = fold_cds.energy if fold_cds else None
    return MrnaProfile(
        sequence=full,
        utr5=u5,
        cds=cds_seq,
        utr3=u3,
        poly_a=tail,
        host=table.key,
        protein=translate(dna_cds).rstrip("*"),
        length=len(full),
        cds_length=ncds,
        cai=cai_of_codons(cods, table),
        gc=gc_fraction(full),
        gc_cds=gc_fraction(cds_seq),
        gc_windows=gc_windows(body, gc_window, gc_step),
        uridine=full.count("U") / len(full),
        uridine_cds=cds_seq.count("U") / ncds,
        mfe=mfe_full,
        cds_mfe=mfe_cds,
        mfe_per_nt=round(mfe_full / len(full), 4) if fold_full else None,
        cds_mfe_per_nt=round(mfe_cds / ncds, 4) if fold_cds else None,
        structure=fold_full.structure if fold_full else None,
        cds_structure=fold_cds.structure if fold_cds else None,
        fold_method=fold_full.method if fold_full else None,
        start_region=start_region(u5, cds_seq, temperature=temperature),
        kozak=kozak_strength(u5, cds_seq),
        longest_homopolymer=Feature(
            hp[2] + 1, hp[1], hp[0] * hp[1], _region_of(hp[2], n5, ncds, n3)
        ),
        homopolymers=[
            Feature(s + 1, n, b * n, _region_of(s, n5, ncds, n3))
            for b, n, s in homopolymer_runs(body, homopolymer_min)
        ],
        repeats=repeats,
        polya_signals=[f for m in POLYA_SIGNALS for f in _features(body, m, n5, ncds, n3)],
        are_elements=are,
        motifs=motif_hits,
        restriction_sites=sites,
        uaugs=upstream_augs(u5, cds_seq, u3),
        mass=product_mass(u5, cds_seq, u3, tail, cap=cap, modified_uridine=modified_uridine),
        temperature=temperature,
        warnings=warnings,
    )
