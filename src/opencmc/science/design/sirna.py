"""siRNA design: every target site of a transcript scored by published rules, ranked.

For each site of ``length`` nt (19 by default; 19-21) the siRNA is the duplex of the sense
strand (the site) and the antisense (guide) strand (its reverse complement), each with a 3'
overhang (``UU`` by default). Rules, on the 19 sense nucleotides that pair with the guide's
5' end (positions 1-19 counted 5'->3' on the sense strand):

- **Reynolds et al. 2004** (Nat Biotechnol 22:326), score -2..10: GC 30-52 % (+1); each A/U
  at positions 15-19 (+1 each, up to 5); no internal repeat, i.e. the sense strand has no
  hairpin stable at 20 °C (ViennaRNA MFE >= 0 at 20 °C, so Tm < 20 °C) (+1); A at 19 (+1);
  A at 3 (+1); U at 10 (+1); G or C at 19 (-1); G at 13 (-1).
- **Ui-Tei et al. 2004** (Nucleic Acids Res 32:936): A/U at the 5' end of the antisense
  strand (sense 19); G/C at the 5' end of the sense strand (sense 1); at least 5 A/U in the
  5'-terminal seven nt of the antisense strand (sense 13-19); no G/C stretch longer than 9
  nt. Class ``I`` when all four hold.
- **Filters**: GC 30-52 %, no run of four identical bases, no G/C stretch over 9 nt.
- **Thermodynamic asymmetry** (Khvorova et al. 2003; Schwarz et al. 2003): free energy of
  the four terminal base pairs at each end of the duplex (ViennaRNA, Turner 2004);
  ``asymmetry = dG(antisense 5' end) - dG(sense 5' end)``; positive is favourable (the
  guide's 5' end is the less stable one, so the guide enters RISC).
- **Seed off-targets**: the seed is guide nucleotides 2-8; its matches (the reverse
  complement, a 7-nt site) are counted in a user-supplied transcript set, sites and
  transcripts, leaving out transcripts that contain the whole target site (the target and its
  isoforms; reported as ``on_target_transcripts``).

Ranking: candidates passing the filters first, then by ``score = reynolds + ui_tei_rules +
(1 if asymmetry > 0) - log2(1 + seed_transcripts)``, then fewer seed transcripts, then
position.

    >>> target = ("AUGGCUUCUAAAGGAGAAGAACUUUUCACUGGAGUUGUCCCAAUUCUUGUUGAAUUAGAUGGUGAUGUUAAU"
    ...           "GGGCACAAAUUUUCUGUCAGUGGAGAGGGUGAAGGUGAUGC")
    >>> result = design(target)
    >>> best = result.candidates[0]
    >>> len(best.target), best.rank, best.sense.endswith("UU")
    (19, 1, True)
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from opencmc.science.design import folding
from opencmc.science.design.sequences import (
    FastaRecord,
    SequenceError,
    clean_nucleotides,
    gc_fraction,
    reverse_complement,
)

SEED_LENGTH = 7
END_PAIRS = 4


@dataclass(frozen=True)
class SirnaCandidate:
    position: int  # 1-based start of the target site on the transcript
    length: int
    target: str  # the site, RNA, 5'->3'
    sense: str  # sense (passenger) strand with its 3' overhang
    antisense: str  # antisense (guide) strand with its 3' overhang
    gc: float
    reynolds_score: int
    reynolds: dict[str, int]
    ui_tei: dict[str, bool]
    ui_tei_class: str
    run_of_four: bool
    gc_stretch_over_9: bool
    passes_filters: bool
    hairpin_dg_20c: float
    end_dg_sense5: float
    end_dg_antisense5: float
    asymmetry: float
    seed: str  # guide nt 2-8
    seed_site: str  # what the seed pairs with on a transcript
    seed_matches: int
    seed_transcripts: int
    on_target_transcripts: int
    score: float
    rank: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SirnaResult:
    target_length: int
    length: int
    overhang: str
    transcripts_searched: int
    candidates: list[SirnaCandidate]
    notes: list[str] = field(default_factory=list)

    def top(self, n: int = 10) -> list[SirnaCandidate]:
        return self.candidates[:n]

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        return {
            "target_length": self.target_length,
            "length": self.length,
            "overhang": self.overhang,
            "transcripts_searched": self.transcripts_searched,
            "candidates": [c.to_dict() for c in self.candidates[:top]],
            "notes": self.notes,
        }

    def summary(self, n: int = 10) -> str:
        lines = [
            f"{len(self.candidates)} candidate {self.length}-nt sites on a "
            f"{self.target_length}-nt target; {self.transcripts_searched} transcripts "
            "searched for seed matches",
            f"{'rank':>4} {'pos':>5} {'sense (5->3)':<{self.length + 2}} {'GC':>5} {'Rey':>3} "
            f"{'UT':>2} {'asym':>5} {'seed tx':>7} {'score':>6}",
        ]
        for c in self.candidates[:n]:
            lines.append(
                f"{c.rank:4d} {c.position:5d} {c.sense:<{self.length + 2}} {c.gc:5.2f} "
                f"{c.reynolds_score:3d} {sum(c.ui_tei.values()):2d} {c.asymmetry:5.1f} "
                f"{c.seed_transcripts:7d} {c.score:6.2f}" + ("" if c.passes_filters else "  !")
            )
        lines.extend(f"note: {n_}" for n_ in self.notes)
        return "\n".join(lines)


class SeedIndex:
    """7-mer (and longer) site index of a transcript set, for counting seed matches."""

    def __init__(
        self, transcripts: Mapping[str, str] | Iterable[FastaRecord], k: int = SEED_LENGTH
    ):
        items = (
            list(transcripts.items())
            if isinstance(transcripts, Mapping)
            else [(r.name, r.sequence) for r in transcripts]
        )
        self.k = k
        self.names = [name for name, _ in items]
        self.sequences = [
            clean_nucleotides(seq, rna=True, what=f"transcript {name or i + 1}")
            for i, (name, seq) in enumerate(items)
        ]
        index: dict[str, dict[int, int]] = defaultdict(dict)
        for t, seq in enumerate(self.sequences):
            for i in range(len(seq) - k + 1):
                kmer = seq[i : i + k]
                index[kmer][t] = index[kmer].get(t, 0) + 1
        self.index = index

    def __len__(self) -> int:
        return len(self.sequences)

    def matches(self, site: str, full_site: str) -> tuple[int, int, int]:
        """(sites, transcripts, on-target transcripts) for a seed site, leaving out the
        transcripts that contain ``full_site``."""
        hits = self.index.get(site, {})
        sites = transcripts = on_target = 0
        for t, n in hits.items():
            if full_site in self.sequences[t]:
                on_target += 1
                continue
            sites += n
            transcripts += 1
        return sites, transcripts, on_target


def _end_energy(pairs: str) -> float:
    return folding.helix_energy(pairs)


def score_site(
    site: str, *, overhang: str = "UU", index: SeedIndex | None = None, position: int = 1
) -> SirnaCandidate:
    """Score one target site (RNA, 19-21 nt)."""
    site = site.upper().replace("T", "U")
    n = len(site)
    core = site[-19:]  # the 19 sense nt that pair with the guide's 5' end
    p = {i + 1: core[i] for i in range(19)}  # 1-based positions
    gc = gc_fraction(site)
    hairpin = folding.mfe(core, temperature=20.0).energy
    rey = {
        "gc_30_52": int(0.30 <= gc <= 0.52),
        "au_15_19": sum(p[i] in "AU" for i in range(15, 20)),
        "no_internal_repeat": int(hairpin >= 0.0),
        "a_19": int(p[19] == "A"),
        "a_3": int(p[3] == "A"),
        "u_10": int(p[10] == "U"),
        "gc_19": -int(p[19] in "GC"),
        "g_13": -int(p[13] == "G"),
    }
    gc_stretch = re.search(r"[GC]{10,}", site) is not None
    ui = {
        "au_antisense_5": p[19] in "AU",
        "gc_sense_5": site[0] in "GC",
        "au_rich_antisense_5_third": sum(p[i] in "AU" for i in range(13, 20)) >= 5,
        "no_gc_stretch_over_9": not gc_stretch,
    }
    run4 = re.search(r"A{4}|C{4}|G{4}|U{4}", site) is not None
    guide = reverse_complement(site, rna=True)
    dg_s5 = _end_energy(site[:END_PAIRS])
    dg_as5 = _end_energy(site[-END_PAIRS:])
    asym = round(dg_as5 - dg_s5, 2)
    seed = guide[1 : 1 + SEED_LENGTH]
    seed_site = reverse_complement(seed, rna=True)
    sites = transcripts = on_target = 0
    if index is not None:
        sites, transcripts, on_target = index.matches(seed_site, site)
    reynolds_score = sum(rey.values())
    passes = 0.30 <= gc <= 0.52 and not run4 and not gc_stretch
    score = reynolds_score + sum(ui.values()) + (1 if asym > 0 else 0) - math.log2(1 + transcripts)
    return SirnaCandidate(
        position=position,
        length=n,
        target=site,
        sense=site + overhang,
        antisense=guide + overhang,
        gc=round(gc, 4),
        reynolds_score=reynolds_score,
        reynolds=rey,
        ui_tei=ui,
        ui_tei_class="I" if all(ui.values()) else "not I",
        run_of_four=run4,
        gc_stretch_over_9=gc_stretch,
        passes_filters=passes,
        hairpin_dg_20c=hairpin,
        end_dg_sense5=dg_s5,
        end_dg_antisense5=dg_as5,
        asymmetry=asym,
        seed=seed,
        seed_site=seed_site,
        seed_matches=sites,
        seed_transcripts=transcripts,
        on_target_transcripts=on_target,
        score=round(score, 3),
    )


def design(
    target: str,
    *,
    length: int = 19,
    overhang: str = "UU",
    transcripts: Mapping[str, str] | Iterable[FastaRecord] | SeedIndex | None = None,
    region: tuple[int, int] | None = None,
    only_passing: bool = False,
    top: int | None = None,
) -> SirnaResult:
    """Score every ``length``-nt site of ``target`` (within ``region``, 1-based inclusive)
    and rank them; ``transcripts`` (name -> sequence, FASTA records or a :class:`SeedIndex`)
    is the set searched for seed matches."""
    if not 19 <= length <= 21:
        raise SequenceError(f"siRNA length must be 19-21 nt, not {length}")
    seq = clean_nucleotides(target, rna=True, what="target")
    overhang = clean_nucleotides(overhang, rna=True, what="overhang") if overhang else ""
    lo, hi = 1, len(seq)
    if region is not None:
        lo, hi = region
        if not 1 <= lo <= hi <= len(seq):
            raise SequenceError(f"region {lo}-{hi} is outside the target (1-{len(seq)})")
    if hi - lo + 1 < length:
        raise SequenceError(f"target region of {hi - lo + 1} nt is shorter than {length} nt")
    index = (
        transcripts
        if isinstance(transcripts, SeedIndex) or transcripts is None
        else SeedIndex(transcripts)
    )
    notes = []
    if index is None:
        notes.append("no transcript set given: seed off-targets not counted")
    cands = [
        score_site(seq[i : i + length], overhang=overhang, index=index, position=i + 1)
        for i in range(lo - 1, hi - length + 1)
    ]
    if only_passing:
        cands = [c for c in cands if c.passes_filters]
    cands.sort(key=lambda c: (not c.passes_filters, -c.score, c.seed_transcripts, c.position))
    ranked = [_with_rank(c, r + 1) for r, c in enumerate(cands[:top] if top else cands)]
    return SirnaResult(
        target_length=len(seq),
        length=length,
        overhang=overhang,
        transcripts_searched=len(index) if index is not None else 0,
        candidates=ranked,
        notes=notes,
    )


def _with_rank(c: SirnaCandidate, rank: int) -> SirnaCandidate:
    from dataclasses import replace

    return replace(c, rank=rank)
