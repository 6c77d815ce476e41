"""Antisense oligonucleotide (gapmer) design against a target region, ranked.

Every site of 16-20 nt (configurable) in the region gives one gapmer: the reverse complement
of the site (DNA alphabet, 5'->3'), with modified wings (e.g. 2'-MOE or LNA) on each side of
a DNA gap that recruits RNase H. ``wings="auto"`` keeps a 10-nt gap and splits the rest
(16 -> 3-10-3, 18 -> 4-10-4, 20 -> 5-10-5, odd lengths give the 3' wing one more); a
``(5, 5)`` tuple fixes the wings. For each candidate:

- **GC** fraction and **CpG** count (unmethylated CpG motifs are immunostimulatory);
- **hairpin**: MFE of the oligo alone; **self-dimer**: MFE of the oligo with itself
  (RNAcofold dimer). ViennaRNA's RNA parameters (Turner 2004) are the surrogate here: the
  oligo is a modified DNA, for which no complete parameter set exists, so these numbers rank
  candidates rather than predict their absolute stability;
- **accessibility** of the target site: the probability that the whole site is unpaired in
  the target, from local partition-function folding (RNAplfold: window 80 nt, base pair span
  40 nt, Tafer et al. 2008), and the free energy of opening it, ``-RT ln P``;
- **binding**: free energy of the perfect oligo:target helix (same surrogate) plus the
  opening energy: lower is stronger effective binding;
- **flags**: GC outside ``gc_range``, CpG, a run of four G (G-quadruplex), a hairpin or a
  self-dimer more stable than the thresholds.

Ranking: fewer flags first, then lower (stronger) effective binding.

    >>> target = ("GGACUUCGGUCCAAGGAGAUCAAGCUGGCCAUCAUCUUCAGGACAUUGCCAUGGCUGAAGAGAAUGAA"
    ...           "GCCAAGUUCAUCGGCAUGACAAGGACAGAGACCUGCUGAAGAAGGGAGUUCGCAAAGCUCACC")
    >>> result = design(target, lengths=(18,))
    >>> best = result.candidates[0]
    >>> best.length, best.design, best.rank
    (18, '4-10-4', 1)
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from opencmc.science.design import folding
from opencmc.science.design.sequences import (
    SequenceError,
    clean_nucleotides,
    gc_fraction,
    reverse_complement,
)

AUTO_GAP = 10


@dataclass(frozen=True)
class AsoCandidate:
    position: int  # 1-based start of the target site
    length: int
    target_site: str  # RNA, 5'->3'
    sequence: str  # the ASO, DNA alphabet, 5'->3'
    wings: tuple[int, int]
    design: str  # e.g. "5-10-5"
    notation: str  # wings upper case, gap lower case
    gc: float
    cpg: int
    hairpin_dg: float
    self_dimer_dg: float
    accessibility: float  # probability that the target site is unpaired
    opening_dg: float
    duplex_dg: float
    binding_dg: float
    flags: list[str]
    score: float
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class AsoResult:
    target_length: int
    region: tuple[int, int]
    lengths: tuple[int, ...]
    candidates: list[AsoCandidate]
    notes: list[str] = field(default_factory=list)

    def top(self, n: int = 10) -> list[AsoCandidate]:
        return self.candidates[:n]

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        return {
            "target_length": self.target_length,
            "region": list(self.region),
            "lengths": list(self.lengths),
            "candidates": [c.to_dict() for c in self.candidates[:top]],
            "notes": self.notes,
        }

    def summary(self, n: int = 10) -> str:
        lines = [
            f"{len(self.candidates)} gapmers for nt {self.region[0]}-{self.region[1]} of a "
            f"{self.target_length}-nt target",
            f"{'rank':>4} {'pos':>5} {'ASO (5->3)':<22} {'design':<7} {'GC':>5} {'CpG':>3} "
            f"{'P(open)':>7} {'bind':>6}  flags",
        ]
        for c in self.candidates[:n]:
            lines.append(
                f"{c.rank:4d} {c.position:5d} {c.notation:<22} {c.design:<7} {c.gc:5.2f} "
                f"{c.cpg:3d} {c.accessibility:7.3f} {c.binding_dg:6.1f}  {', '.join(c.flags)}"
            )
        lines.extend(f"note: {x}" for x in self.notes)
        return "\n".join(lines)


def wings_for(length: int, wings: str | tuple[int, int] = "auto") -> tuple[int, int]:
    if wings == "auto":
        rest = max(0, length - AUTO_GAP)
        return rest // 2, rest - rest // 2
    if not isinstance(wings, tuple | list) or len(wings) != 2:
        raise SequenceError("wings must be 'auto' or a pair such as (5, 5)")
    w5, w3 = int(wings[0]), int(wings[1])
    if w5 < 0 or w3 < 0 or w5 + w3 >= length:
        raise SequenceError(f"wings {w5}-{w3} leave no gap in a {length}-mer")
    return w5, w3


def design(
    target: str,
    *,
    region: tuple[int, int] | None = None,
    lengths: tuple[int, ...] | list[int] = (16, 17, 18, 19, 20),
    wings: str | tuple[int, int] = "auto",
    min_gap: int = 7,
    gc_range: tuple[float, float] = (0.40, 0.65),
    hairpin_threshold: float = -3.0,
    self_dimer_threshold: float = -10.0,
    window: int = 80,
    span: int = 40,
    temperature: float = 37.0,
    top: int | None = None,
) -> AsoResult:
    """Gapmer candidates for ``region`` (1-based, inclusive; default the whole target).

    The target is folded whole (its context shapes the region's accessibility); only sites
    inside the region are proposed. Lengths whose gap would be shorter than ``min_gap`` are
    refused.
    """
    seq = clean_nucleotides(target, rna=True, what="target")
    lengths = tuple(sorted({int(n) for n in lengths}))
    if not lengths or min(lengths) < 8 or max(lengths) > 30:
        raise SequenceError("ASO lengths must be between 8 and 30 nt")
    lo, hi = region if region is not None else (1, len(seq))
    if not 1 <= lo <= hi <= len(seq):
        raise SequenceError(f"region {lo}-{hi} is outside the target (1-{len(seq)})")
    if hi - lo + 1 < min(lengths):
        raise SequenceError(f"region of {hi - lo + 1} nt is shorter than {min(lengths)} nt")
    plan = {}
    for n in lengths:
        w5, w3 = wings_for(n, wings)
        if n - w5 - w3 < min_gap:
            raise SequenceError(
                f"a {n}-mer with {w5}-{w3} wings has a {n - w5 - w3}-nt gap, under {min_gap}"
            )
        plan[n] = (w5, w3)
    access = folding.unpaired_probabilities(
        seq, list(lengths), window=window, span=span, temperature=temperature
    )
    cands: list[AsoCandidate] = []
    for n, (w5, w3) in plan.items():
        for i in range(lo - 1, hi - n + 1):
            site = seq[i : i + n]
            aso = reverse_complement(site, rna=False)
            gc = gc_fraction(aso)
            cpg = aso.count("CG")
            hairpin = folding.mfe(aso, temperature).energy
            dimer = folding.self_dimer_energy(aso, temperature)
            p_open = access[n][i]
            opening = round(folding.opening_energy(p_open, temperature), 2)
            duplex = folding.helix_energy(site, temperature)
            flags = []
            if not gc_range[0] <= gc <= gc_range[1]:
                flags.append(f"GC {gc:.2f}")
            if cpg:
                flags.append(f"{cpg} CpG")
            if re.search("G{4}", aso):
                flags.append("GGGG")
            if hairpin < hairpin_threshold:
                flags.append(f"hairpin {hairpin:.1f}")
            if dimer < self_dimer_threshold:
                flags.append(f"self-dimer {dimer:.1f}")
            binding = round(duplex + opening, 2)
            gap = n - w5 - w3
            cands.append(
                AsoCandidate(
                    position=i + 1,
                    length=n,
                    target_site=site,
                    sequence=aso,
                    wings=(w5, w3),
                    design=f"{w5}-{gap}-{w3}",
                    notation=aso[:w5].upper() + aso[w5 : n - w3].lower() + aso[n - w3 :].upper(),
                    gc=round(gc, 4),
                    cpg=cpg,
                    hairpin_dg=hairpin,
                    self_dimer_dg=dimer,
                    accessibility=round(p_open, 5),
                    opening_dg=opening,
                    duplex_dg=duplex,
                    binding_dg=binding,
                    flags=flags,
                    score=round(-binding - 3.0 * len(flags), 3),
                )
            )
    cands.sort(key=lambda c: (len(c.flags), c.binding_dg, c.position, c.length))
    chosen = cands[:top] if top else cands
    ranked = [replace(c, rank=r + 1) for r, c in enumerate(chosen)]
    return AsoResult(
        target_length=len(seq),
        region=(lo, hi),
        lengths=lengths,
        candidates=ranked,
        notes=[
            "hairpin, self-dimer and duplex energies use RNA parameters as a surrogate for "
            "the modified oligonucleotide: compare candidates, not absolute values"
        ],
    )
