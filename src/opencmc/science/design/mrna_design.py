"""Codon optimisation of an mRNA coding sequence: CAI against folding stability, under hard
constraints, with the translation preserved exactly.

The objective minimised for a weight ``w`` (kcal/mol per nat, as in LinearDesign's lambda) is

    MFE(CDS) - w * sum_i ln w_i(codon_i)        (= MFE - w * L * ln CAI)

so ``w = inf`` is the CAI-only design and ``w = 0`` stability alone. The search is
coordinate descent over codons: each codon in turn is set to the synonym that minimises the
windowed objective, the MFE of the ``2 * half_window + 3`` nt around it (ViennaRNA) plus the
weighted codon cost, among the synonyms that keep every hard constraint; passes repeat over
the codons whose window changed until none improves. It starts from the constrained CAI-only
design: the best codon for each residue, then the cheapest (in CAI) single or paired codon
changes that remove each constraint violation. Final metrics come from a full fold of the
CDS (and, when asked, of the whole mRNA).

Hard constraints (:class:`Constraints`): GC fraction in every window of ``gc_window`` nt of
the CDS within ``[gc_min, gc_max]``, no homopolymer longer than ``max_homopolymer``
(including across the junctions with the UTRs), none of the ``avoid`` motifs on the mRNA
strand, none of the ``avoid_sites`` (restriction enzymes or sites) on either strand, and,
with ``uridine_depletion``, only the synonymous codons with the fewest uridines.

    >>> result = optimise("MSKGEELFTGVVPILVELDGDVNGHKFSVSGEGEGDATYGKLTLKFICTTGK",
    ...                   weights=(4.0,), cai_weight=4.0, sweeps=2)
    >>> design = result.chosen
    >>> design.protein == "MSKGEELFTGVVPILVELDGDVNGHKFSVSGEGEGDATYGKLTLKFICTTGK"
    True
    >>> design.mfe < result.cai_only.mfe and design.cai > 0.85
    True
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import RNA

from opencmc.science.design import folding
from opencmc.science.design.codons import CodonTable, cai_of_codons, codon_table
from opencmc.science.design.mrna_metrics import restriction_site
from opencmc.science.design.sequences import (
    GENETIC_CODE,
    STOPS_DNA,
    SYNONYMS,
    SequenceError,
    clean_nucleotides,
    clean_protein,
    codons,
    gc_fraction,
    iupac_regex,
    longest_homopolymer,
    looks_like_protein,
    reverse_complement,
    translate,
)

INF = math.inf
DEFAULT_WEIGHTS = (INF, 12.0, 6.0, 3.0, 1.5, 0.75)
DEFAULT_CAI_WEIGHT = 3.0
# Bound (kcal/mol) on how much one codon change can lower the MFE of a search window; a
# synonym costing more than this in weighted CAI is not folded.
MAX_CODON_GAIN = 10.0


class DesignError(SequenceError):
    """The constraints cannot be met (the message names the constraint and where)."""


@dataclass(frozen=True)
class Constraints:
    """Hard constraints every design satisfies (see the module documentation)."""

    gc_min: float = 0.30
    gc_max: float = 0.70
    gc_window: int = 50
    max_homopolymer: int | None = 5
    avoid: tuple[str, ...] = ()
    avoid_sites: tuple[str, ...] = ()
    uridine_depletion: bool = False

    def __post_init__(self) -> None:
        if not 0.0 <= self.gc_min <= self.gc_max <= 1.0:
            raise SequenceError(
                f"GC range {self.gc_min}-{self.gc_max} is not within 0-1 with min <= max"
            )
        if self.gc_window < 3:
            raise SequenceError("gc_window must be at least 3 nt")
        if self.max_homopolymer is not None and self.max_homopolymer < 1:
            raise SequenceError("max_homopolymer must be at least 1")
        object.__setattr__(self, "avoid", tuple(self.avoid))
        object.__setattr__(self, "avoid_sites", tuple(self.avoid_sites))
        for motif in self.avoid:
            iupac_regex(motif)  # refuses bad letters

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Violation:
    kind: str  # "gc_window", "homopolymer", "motif", "site"
    start: int  # 0-based on the CDS
    end: int  # exclusive
    detail: str

    def describe(self) -> str:
        return f"{self.kind} at CDS nt {self.start + 1}-{self.end}: {self.detail}"


class ConstraintChecker:
    """Checks :class:`Constraints` on a CDS (DNA alphabet) between fixed flanks."""

    def __init__(self, constraints: Constraints, utr5: str = "", utr3: str = ""):
        self.c = constraints
        patterns: list[tuple[str, str, str]] = []  # (kind, label, regex)
        for motif in constraints.avoid:
            patterns.append(("motif", motif.upper(), iupac_regex(motif)))
        for item in constraints.avoid_sites:
            name, site = restriction_site(item)
            rc = reverse_complement(site.translate(_IUPAC_COMP), rna=False)
            for pattern in {iupac_regex(site), iupac_regex(rc)}:
                patterns.append(("site", f"{name} ({site})", pattern))
        self.patterns = [(k, label, re.compile(f"(?=({p}))")) for k, label, p in patterns]
        self.motif_len = max((len(_pattern_length(p)) for _, _, p in patterns), default=0)
        hp = constraints.max_homopolymer
        self.hp = hp
        self.hp_re = re.compile("|".join(f"{b}{{{hp + 1},}}" for b in "ACGT")) if hp else None
        self.ctx = max(self.motif_len, (hp or 0) + 1, 1)
        self.left = utr5.upper().replace("U", "T")[-self.ctx :] if utr5 else ""
        self.right = utr3.upper().replace("U", "T")[: self.ctx] if utr3 else ""

    # -- local penalty (for search moves) --------------------------------------------------
    def penalty(self, cds: str, a: int, b: int) -> int:
        """Size of the violations that touch CDS nt ``[a, b)`` (0 = none)."""
        return self._local_pattern_penalty(cds, a, b) + self._gc_penalty(cds, a, b)

    def _local_pattern_penalty(self, cds: str, a: int, b: int) -> int:
        if not self.patterns and not self.hp_re:
            return 0
        k = self.ctx
        ext = self.left + cds + self.right
        off = len(self.left)
        lo, hi = max(0, a + off - k + 1), min(len(ext), b + off + k - 1)
        seg = ext[lo:hi]
        total = 0
        if self.hp_re:
            for m in self.hp_re.finditer(seg):
                total += m.end() - m.start() - self.hp
        for _, _, regex in self.patterns:
            total += 2 * sum(1 for _ in regex.finditer(seg))
        return total

    def _gc_bounds(self, n: int) -> tuple[int, int, int]:
        w = min(self.c.gc_window, n)
        lo = math.ceil(self.c.gc_min * w - 1e-9)
        hi = math.floor(self.c.gc_max * w + 1e-9)
        return w, lo, hi

    def _gc_penalty(self, cds: str, a: int, b: int) -> int:
        n = len(cds)
        w, lo, hi = self._gc_bounds(n)
        if lo <= 0 and hi >= w:
            return 0
        s0 = max(0, a - w + 1)
        s1 = min(b - 1, n - w)
        if s1 < s0:
            return 0
        seg = cds[s0 : s1 + w]
        count = sum(1 for ch in seg[:w] if ch in "GC")
        total = max(0, lo - count) + max(0, count - hi)
        for j in range(1, s1 - s0 + 1):
            count += (seg[j + w - 1] in "GC") - (seg[j - 1] in "GC")
            total += max(0, lo - count) + max(0, count - hi)
        return total

    # -- global check (for repair and for reporting) -----------------------------------------
    def violations(self, cds: str) -> list[Violation]:
        """Every violation in a CDS, in order of position."""
        out: list[Violation] = []
        ext = self.left + cds + self.right
        off = len(self.left)
        n = len(cds)

        def clip(s: int, e: int) -> tuple[int, int] | None:
            s, e = s - off, e - off
            if e <= 0 or s >= n:
                return None  # wholly in a fixed UTR
            return max(0, s), min(n, e)

        if self.hp_re:
            for m in self.hp_re.finditer(ext):
                span = clip(m.start(), m.end())
                if span:
                    out.append(
                        Violation(
                            "homopolymer",
                            *span,
                            f"{m.group(0)[0]} x{len(m.group(0))} (max {self.hp})",
                        )
                    )
        for kind, label, regex in self.patterns:
            for m in regex.finditer(ext):
                span = clip(m.start(), m.start() + len(m.group(1)))
                if span:
                    out.append(Violation(kind, *span, label))
        w, lo, hi = self._gc_bounds(n)
        if lo > 0 or hi < w:
            count = sum(1 for ch in cds[:w] if ch in "GC")
            for s in range(0, n - w + 1):
                if s:
                    count += (cds[s + w - 1] in "GC") - (cds[s - 1] in "GC")
                if count < lo or count > hi:
                    out.append(
                        Violation(
                            "gc_window",
                            s,
                            s + w,
                            f"GC {count / w:.2f} outside {self.c.gc_min:.2f}-{self.c.gc_max:.2f}",
                        )
                    )
        return sorted(out, key=lambda v: (v.start, v.end))


_IUPAC_COMP = str.maketrans("RYSWKMBDHVN", "YRSWMKVHDBN")


def _pattern_length(pattern: str) -> str:
    """A string as long as a regex made by :func:`iupac_regex` matches."""
    return re.sub(r"\[[A-Z]+\]", "N", pattern)


@dataclass(frozen=True)
class Design:
    """One designed mRNA. ``sequence`` is the coding sequence (RNA alphabet, stop included);
    ``mrna`` adds the UTRs and the tail. ``mfe`` is the full-fold MFE of the CDS (kcal/mol),
    ``gc`` the GC fraction of the CDS, ``cai`` its codon adaptation index."""

    label: str
    cai_weight: float
    sequence: str
    mrna: str
    protein: str
    cai: float
    gc: float
    mfe: float | None
    mfe_per_nt: float | None
    structure: str | None
    mrna_mfe: float | None
    uridine: float
    gc_window_min: float
    gc_window_max: float
    longest_homopolymer: int
    changed_codons: int
    search_seconds: float
    fold_seconds: float
    sweeps: int
    pareto: bool = True

    @property
    def dna(self) -> str:
        """The coding sequence in the DNA alphabet (for a synthesis template)."""
        return self.sequence.replace("U", "T")

    @property
    def cds(self) -> str:
        return self.sequence

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cai_weight"] = None if math.isinf(self.cai_weight) else self.cai_weight
        return data


@dataclass
class MrnaDesignResult:
    """The chosen design, the front of designs from CAI-only to stability-weighted, and what
    the search assumed. Iterating gives ``(chosen, front)``; ``.sequence``, ``.cai``,
    ``.gc`` and ``.mfe`` are the chosen design's."""

    protein: str
    host: str
    constraints: Constraints
    chosen: Design
    front: list[Design]
    utr5: str = ""
    utr3: str = ""
    poly_a: int = 0
    half_window: int = 40
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def __iter__(self) -> Iterator[Any]:
        yield self.chosen
        yield self.front

    @property
    def cai_only(self) -> Design:
        return next(d for d in self.front if math.isinf(d.cai_weight))

    @property
    def most_stable(self) -> Design:
        return min(self.front, key=lambda d: (d.mfe if d.mfe is not None else 0.0, -d.cai))

    @property
    def sequence(self) -> str:
        return self.chosen.sequence

    @property
    def cai(self) -> float:
        return self.chosen.cai

    @property
    def gc(self) -> float:
        return self.chosen.gc

    @property
    def mfe(self) -> float | None:
        return self.chosen.mfe

    def to_dict(self) -> dict[str, Any]:
        return {
            "protein": self.protein,
            "host": self.host,
            "constraints": self.constraints.to_dict(),
            "utr5": self.utr5,
            "utr3": self.utr3,
            "poly_a": self.poly_a,
            "half_window": self.half_window,
            "seconds": round(self.seconds, 2),
            "chosen": self.chosen.to_dict(),
            "front": [d.to_dict() for d in self.front],
            "notes": self.notes,
        }

    def summary(self) -> str:
        lines = [
            f"protein {len(self.protein)} aa, host {self.host}, {self.seconds:.1f} s",
            f"{'design':<16} {'CAI':>6} {'GC':>6} {'MFE kcal/mol':>13} {'changed':>8}",
        ]
        for d in self.front:
            mark = "*" if d is self.chosen else " "
            mfe = f"{d.mfe:.1f}" if d.mfe is not None else "-"
            lines.append(
                f"{mark}{d.label:<15} {d.cai:6.3f} {d.gc:6.3f} {mfe:>13} {d.changed_codons:8d}"
                + ("" if d.pareto else "  (dominated)")
            )
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


# --- search ------------------------------------------------------------------------------


def allowed_codons(
    protein: str, table: CodonTable, constraints: Constraints, min_w: float
) -> dict[str, list[str]]:
    """Synonyms each residue may use (DNA alphabet), best first."""
    out: dict[str, list[str]] = {}
    for aa in set(protein) | {"*"}:
        ranked = table.ranked(aa)
        if constraints.uridine_depletion:
            fewest = min(c.count("T") for c in ranked)
            ranked = [c for c in ranked if c.count("T") == fewest]
        kept = [c for c in ranked if table.w[c] >= min_w or aa == "*"]
        out[aa] = kept or ranked[:1]
    return out


def _cost(codon: str, table: CodonTable) -> float:
    """-ln w of a codon; 0 for codons left out of the CAI."""
    if codon in ("ATG", "TGG") or codon in STOPS_DNA:
        return 0.0
    return -math.log(table.w[codon])


def constrained_cai_design(
    residues: str,
    allowed: dict[str, list[str]],
    table: CodonTable,
    checker: ConstraintChecker,
    max_steps: int | None = None,
) -> list[str]:
    """The best codon everywhere, then the cheapest repairs of each constraint violation."""
    cods = [allowed[aa][0] for aa in residues]
    n = len(cods)
    max_steps = max_steps or 20 * n + 100
    for _ in range(max_steps):
        cds = "".join(cods)
        found = checker.violations(cds)
        if not found:
            return cods
        v = found[0]
        i0 = max(0, v.start // 3 - 1)
        i1 = min(n - 1, (v.end - 1) // 3 + 1)
        a, b = 3 * i0, 3 * i1 + 3
        base = checker.penalty(cds, a, b)
        best: tuple[int, float, list[tuple[int, str]]] | None = None

        def consider(
            changes: list[tuple[int, str]], a: int = a, b: int = b, base: int = base
        ) -> None:
            nonlocal best
            trial = list(cods)
            extra = 0.0
            for i, c in changes:
                extra += _cost(c, table) - _cost(cods[i], table)
                trial[i] = c
            p = checker.penalty("".join(trial), a, b)
            if p < base:
                key = (p, extra, changes)
                if best is None or (p, extra) < (best[0], best[1]):
                    best = key

        for i in range(i0, i1 + 1):
            for c in allowed[residues[i]]:
                if c != cods[i]:
                    consider([(i, c)])
        if best is None:  # no single change helps: try pairs of nearby codons
            core0 = max(0, v.start // 3 - 1)
            core1 = min(n - 1, (v.end - 1) // 3 + 1, core0 + 9)
            for i in range(core0, core1 + 1):
                for j in range(i + 1, core1 + 1):
                    for ci in allowed[residues[i]]:
                        for cj in allowed[residues[j]]:
                            if ci != cods[i] and cj != cods[j]:
                                consider([(i, ci), (j, cj)])
        if best is None:
            raise DesignError(
                f"cannot satisfy the constraints: {v.describe()} (no codon choice removes it)"
            )
        for i, c in best[2]:
            cods[i] = c
    raise DesignError("cannot satisfy the constraints (repair did not converge)")


@dataclass(frozen=True)
class _Job:
    residues: str
    start: tuple[str, ...]
    allowed: dict[str, list[str]]
    table: CodonTable
    constraints: Constraints
    utr5: str
    utr3: str
    weight: float
    half_window: int
    sweeps: int
    temperature: float
    deadline: float | None
    fold_mrna: bool
    poly_a: int
    label: str


def _stability_search(job: _Job) -> tuple[list[str], int, float]:
    """Coordinate descent on the windowed objective; returns (codons, sweeps, seconds)."""
    t0 = time.perf_counter()
    cods = list(job.start)
    if math.isinf(job.weight):
        return cods, 0, 0.0
    checker = ConstraintChecker(job.constraints, job.utr5, job.utr3)
    table = job.table
    n = len(cods)
    cds = "".join(cods)
    L = len(cds)
    h = job.half_window
    reach = h // 3 + 1
    dirty = [True] * n
    md = folding.model(job.temperature)
    use_fast = job.temperature == 37.0
    sweeps_done = 0
    for _sweep in range(job.sweeps):
        changed = False
        sweeps_done += 1
        for i in range(n):
            if not dirty[i]:
                continue
            dirty[i] = False
            options = job.allowed[job.residues[i]]
            if len(options) < 2:
                continue
            if job.deadline is not None and time.monotonic() > job.deadline:
                return cods, sweeps_done, time.perf_counter() - t0
            p = 3 * i
            a, b = max(0, p - h), min(L, p + 3 + h)
            left = cds[a:p].replace("T", "U")
            right = cds[p + 3 : b].replace("T", "U")
            current = cods[i]
            best_codon, best_score = current, INF
            cost_now = _cost(current, table)
            for c in [current] + [c for c in options if c != current]:
                if c != current:
                    # A codon whose extra cost exceeds any energy one codon can gain is skipped.
                    if job.weight * (_cost(c, table) - cost_now) >= MAX_CODON_GAIN:
                        continue
                    trial = cds[:p] + c + cds[p + 3 :]
                    if checker.penalty(trial, p, p + 3):
                        continue
                window = left + c.replace("T", "U") + right
                energy = RNA.fold(window)[1] if use_fast else RNA.fold_compound(window, md).mfe()[1]
                score = energy + job.weight * _cost(c, table)
                if score < best_score - 1e-6:
                    best_codon, best_score = c, score
            if best_codon != current:
                cods[i] = best_codon
                cds = cds[:p] + best_codon + cds[p + 3 :]
                changed = True
                for j in range(max(0, i - reach), min(n, i + reach + 1)):
                    if j != i:
                        dirty[j] = True
        if not changed:
            break
    return cods, sweeps_done, time.perf_counter() - t0


def _finish(
    job: _Job, cods: list[str], sweeps: int, search_s: float, reference: Sequence[str]
) -> Design:
    t0 = time.perf_counter()
    cds_dna = "".join(cods)
    cds = cds_dna.replace("T", "U")
    fold = folding.mfe(cds, job.temperature)
    utr5 = job.utr5.upper().replace("T", "U")
    utr3 = job.utr3.upper().replace("T", "U")
    mrna = utr5 + cds + utr3 + "A" * job.poly_a
    mrna_mfe = None
    if job.fold_mrna and mrna != cds:
        mrna_mfe = folding.mfe(mrna, job.temperature).energy
    from opencmc.science.design.mrna_metrics import gc_windows

    gcw = gc_windows(cds_dna, job.constraints.gc_window, job.constraints.gc_window)
    return Design(
        label=job.label,
        cai_weight=job.weight,
        sequence=cds,
        mrna=mrna,
        protein=translate(cds_dna).rstrip("*"),
        cai=cai_of_codons(cods, job.table),
        gc=gc_fraction(cds),
        mfe=fold.energy,
        mfe_per_nt=round(fold.energy / len(cds), 4),
        structure=fold.structure,
        mrna_mfe=mrna_mfe,
        uridine=cds.count("U") / len(cds),
        gc_window_min=gcw.minimum,
        gc_window_max=gcw.maximum,
        longest_homopolymer=longest_homopolymer(cds)[1],
        changed_codons=sum(1 for x, y in zip(cods, reference, strict=True) if x != y),
        search_seconds=round(search_s, 2),
        fold_seconds=round(time.perf_counter() - t0, 2),
        sweeps=sweeps,
    )


def _run(args: tuple[_Job, tuple[str, ...]]) -> Design:
    job, reference = args
    cods, sweeps, seconds = _stability_search(job)
    return _finish(job, cods, sweeps, seconds, reference)


def _label(weight: float) -> str:
    return "CAI only" if math.isinf(weight) else f"weight {weight:g}"


def optimise(
    protein: str,
    host: str | CodonTable = "human",
    *,
    cai_weight: float = DEFAULT_CAI_WEIGHT,
    weights: Sequence[float] | None = None,
    min_cai: float | None = None,
    constraints: Constraints | None = None,
    utr5: str = "",
    utr3: str = "",
    poly_a: int = 0,
    stop_codon: str | None = None,
    half_window: int = 40,
    sweeps: int = 4,
    min_w: float = 0.1,
    temperature: float = 37.0,
    fold_mrna: bool = False,
    workers: int = 1,
    time_limit: float | None = None,
    progress: Callable[[str], None] | None = None,
    sequence_type: str = "auto",
) -> MrnaDesignResult:
    """Design coding sequences for a protein: the CAI-only design and stability-weighted
    designs at each of ``weights`` (kcal/mol per nat of codon adaptiveness; ``inf`` is
    CAI-only), from which the chosen design is the one at ``cai_weight`` or, with
    ``min_cai``, the most stable design whose CAI is at least ``min_cai``.

    ``protein`` may be a coding sequence instead (it is translated, and checked):
    ``sequence_type="auto"`` reads text of only A/C/G/T/U whose length is a multiple of three
    as a CDS, anything else as a protein; ``"protein"`` or ``"cds"`` says which it is. The
    search folds windows of ``2 * half_window + 3`` nt; ``sweeps`` bounds the passes over the
    codons; ``min_w`` keeps rare codons (relative adaptiveness below it) out of the search;
    ``workers`` runs the weights in parallel processes; ``time_limit`` (seconds) stops the
    searches early. ``stop_codon`` fixes the stop (default: the host's most used one).
    Raises :class:`SequenceError` for a bad protein and :class:`DesignError` when the
    constraints cannot be met.
    """
    started = time.perf_counter()
    notes: list[str] = []
    if sequence_type not in ("auto", "protein", "cds"):
        raise SequenceError("sequence_type must be 'auto', 'protein' or 'cds'")
    as_protein = sequence_type == "protein" or (
        sequence_type == "auto"
        and (looks_like_protein(protein) or len(re.sub(r"[\s\d*]", "", protein)) % 3 != 0)
    )
    if as_protein:
        residues = clean_protein(protein)
    else:
        from opencmc.science.design.sequences import check_cds

        dna = check_cds(clean_nucleotides(protein))
        residues = translate(dna).rstrip("*")
        notes.append("input read as a coding sequence and translated")
    table = codon_table(host)
    constraints = constraints or Constraints()
    if cai_weight < 0 or any(w < 0 for w in (weights or ())):
        raise SequenceError("weights must not be negative")
    if half_window < 6:
        raise SequenceError("half_window must be at least 6 nt")
    u5 = clean_nucleotides(utr5, rna=True, what="5' UTR") if utr5 else ""
    u3 = clean_nucleotides(utr3, rna=True, what="3' UTR") if utr3 else ""
    if poly_a < 0:
        raise SequenceError("poly(A) length must not be negative")
    allowed = allowed_codons(residues, table, constraints, min_w)
    if stop_codon:
        stop = stop_codon.upper().replace("U", "T")
        if stop not in STOPS_DNA:
            raise SequenceError(f"{stop_codon!r} is not a stop codon")
        allowed["*"] = [stop]
    full = residues + "*"
    checker = ConstraintChecker(constraints, u5, u3)
    start = tuple(constrained_cai_design(full, allowed, table, checker))
    chosen_weights = sorted(
        {float(w) for w in (weights if weights is not None else DEFAULT_WEIGHTS)}
        | {INF, float(cai_weight)},
        reverse=True,
    )
    deadline = time.monotonic() + time_limit if time_limit else None
    jobs = [
        (
            _Job(
                full,
                start,
                allowed,
                table,
                constraints,
                u5,
                u3,
                w,
                half_window,
                sweeps,
                temperature,
                deadline,
                fold_mrna,
                poly_a,
                _label(w),
            ),
            start,
        )
        # The slowest searches (small weights) first, so the workers finish together.
        for w in sorted(chosen_weights, key=lambda w: (math.isinf(w), w))
    ]
    designs: list[Design] = []
    if workers and workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            for design in pool.map(_run, jobs):
                designs.append(design)
                if progress:
                    progress(f"{design.label}: CAI {design.cai:.3f}, MFE {design.mfe}")
    else:
        for job in jobs:
            design = _run(job)
            designs.append(design)
            if progress:
                progress(f"{design.label}: CAI {design.cai:.3f}, MFE {design.mfe}")
    for d in designs:  # the translation is preserved exactly, by construction and by check
        if d.protein != residues:
            raise AssertionError("a design does not translate to the protein")
        leftover = checker.violations(d.dna)
        if leftover:
            raise AssertionError(f"a design breaks a constraint: {leftover[0].describe()}")
    designs = _mark_pareto(designs)
    by_weight = {d.cai_weight: d for d in designs}
    if min_cai is not None:
        eligible = [d for d in designs if d.cai >= min_cai]
        if not eligible:
            best = max(d.cai for d in designs)
            raise DesignError(f"no design reaches CAI {min_cai} (the best is {best:.3f})")
        chosen = min(eligible, key=lambda d: (d.mfe, -d.cai))
    else:
        chosen = by_weight[float(cai_weight)]
    if deadline is not None and time.monotonic() > deadline:
        notes.append(f"time limit of {time_limit:g} s reached: searches stopped early")
    return MrnaDesignResult(
        protein=residues,
        host=table.key,
        constraints=constraints,
        chosen=chosen,
        front=designs,
        utr5=u5,
        utr3=u3,
        poly_a=poly_a,
        half_window=half_window,
        seconds=time.perf_counter() - started,
        notes=notes,
    )


def _mark_pareto(designs: list[Design]) -> list[Design]:
    out = []
    for d in designs:
        dominated = any(
            o is not d
            and o.cai >= d.cai
            and (o.mfe or 0) <= (d.mfe or 0)
            and (o.cai > d.cai or (o.mfe or 0) < (d.mfe or 0))
            for o in designs
        )
        out.append(replace(d, pareto=not dominated))
    return sorted(out, key=lambda d: (-d.cai, d.mfe or 0))


def default_workers() -> int:
    return max(1, min(len(DEFAULT_WEIGHTS), os.cpu_count() or 1))


__all__ = [
    "GENETIC_CODE",
    "SYNONYMS",
    "ConstraintChecker",
    "Constraints",
    "Design",
    "DesignError",
    "MrnaDesignResult",
    "Violation",
    "codons",
    "optimise",
]
