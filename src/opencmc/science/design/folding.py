"""ViennaRNA folding for the nucleic-acid engines (Turner 2004 parameters, ViennaRNA defaults).

``mfe`` is RNAfold's minimum free energy: ``mfe(seq).energy`` equals
``RNAfold`` on the same sequence at the same temperature. ``max_bp_span`` limits base pairs
to a span (RNAfold ``--maxBPspan``), a local fold that is much faster on long mRNAs.

    >>> result = mfe("GGGGAAAACCCC")
    >>> result.structure, result.energy
    ('((((....))))', -5.4)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import RNA

from opencmc.science.design.sequences import to_rna

GAS_CONSTANT = 1.98717e-3  # kcal/(mol K)


@dataclass(frozen=True)
class Fold:
    structure: str
    energy: float  # kcal/mol, rounded to 0.01 as RNAfold prints it
    temperature: float
    max_bp_span: int | None = None

    @property
    def method(self) -> str:
        span = f", base pairs spanning at most {self.max_bp_span} nt" if self.max_bp_span else ""
        return f"ViennaRNA {RNA.__version__} MFE at {self.temperature:g} °C{span}"

    def paired_fraction(self, start: int = 0, end: int | None = None) -> float:
        part = self.structure[start:end]
        return sum(ch != "." for ch in part) / len(part) if part else 0.0


def model(temperature: float = 37.0, max_bp_span: int | None = None) -> RNA.md:
    md = RNA.md()
    md.temperature = float(temperature)
    if max_bp_span:
        md.max_bp_span = int(max_bp_span)
    return md


def mfe(sequence: str, temperature: float = 37.0, max_bp_span: int | None = None) -> Fold:
    """Minimum free energy structure of an RNA (T is read as U)."""
    fc = RNA.fold_compound(to_rna(sequence), model(temperature, max_bp_span))
    structure, energy = fc.mfe()
    return Fold(structure, round(energy, 2), float(temperature), max_bp_span)


def mfe_energy(sequence: str, temperature: float = 37.0) -> float:
    """Just the MFE (kcal/mol) of an RNA sequence already in the RNA alphabet (fast path)."""
    if temperature == 37.0:
        return RNA.fold(sequence)[1]
    return RNA.fold_compound(sequence, model(temperature)).mfe()[1]


def unpaired_probability(
    sequence: str,
    length: int,
    *,
    window: int = 80,
    span: int = 40,
    temperature: float = 37.0,
) -> list[float]:
    """Probability that each stretch of ``length`` nt is entirely unpaired (RNAplfold -u).

    Element ``i`` (0-based) is the stretch starting at ``i``; local partition-function
    folding with a sliding ``window`` and base pairs spanning at most ``span`` nt (Tafer et
    al. 2008 found W=80, L=40 best for siRNA target accessibility).
    """
    return unpaired_probabilities(
        sequence, [length], window=window, span=span, temperature=temperature
    )[length]


def unpaired_probabilities(
    sequence: str,
    lengths: list[int],
    *,
    window: int = 80,
    span: int = 40,
    temperature: float = 37.0,
) -> dict[int, list[float]]:
    """:func:`unpaired_probability` for several stretch lengths from one folding."""
    seq = to_rna(sequence)
    n = len(seq)
    top = max(lengths)
    if top > n:
        raise ValueError(f"stretch of {top} nt is longer than the sequence ({n} nt)")
    md = model(temperature)
    md.window_size = min(window, n)
    md.max_bp_span = min(span, md.window_size)
    fc = RNA.fold_compound(seq, md, RNA.OPTION_WINDOW)
    ends: dict[int, list[float | None]] = {}

    def collect(values, size, end, maxsize, what, data=None):  # ViennaRNA callback
        if what & RNA.PROBS_WINDOW_UP:
            ends[end] = list(values)

    fc.probs_window(top, RNA.PROBS_WINDOW_UP, collect, None)
    out: dict[int, list[float]] = {}
    for u in lengths:
        values = []
        for start in range(n - u + 1):
            row = ends.get(start + u)  # ViennaRNA reports a stretch by its 1-based end
            v = row[u] if row is not None and len(row) > u else None
            values.append(float(v) if v is not None else 0.0)
        out[u] = values
    return out


def opening_energy(probability: float, temperature: float = 37.0) -> float:
    """Free energy (kcal/mol) of opening a site that is unpaired with ``probability``."""
    kt = GAS_CONSTANT * (temperature + 273.15)
    return -kt * math.log(max(probability, 1e-300))


def duplex_energy(top: str, bottom: str, temperature: float = 37.0) -> float:
    """Free energy of the most stable duplex between two strands (RNAduplex)."""
    md = model(temperature)
    if temperature == 37.0:
        return round(RNA.duplexfold(to_rna(top), to_rna(bottom)).energy, 2)
    fc = RNA.fold_compound(f"{to_rna(top)}&{to_rna(bottom)}", md)
    return round(fc.mfe_dimer()[1], 2)


def helix_energy(top: str, temperature: float = 37.0) -> float:
    """Free energy of ``top`` paired perfectly with its reverse complement (a blunt helix),
    initiation and terminal penalties included (Turner 2004)."""
    seq = to_rna(top)
    partner = seq.translate(str.maketrans("ACGU", "UGCA"))[::-1]
    fc = RNA.fold_compound(f"{seq}&{partner}", model(temperature))
    return round(fc.eval_structure("(" * len(seq) + ")" * len(seq)), 2)


def self_dimer_energy(sequence: str, temperature: float = 37.0) -> float:
    """Free energy of the most stable homodimer of a strand (RNAcofold of A&A, dimer part)."""
    seq = to_rna(sequence)
    fc = RNA.fold_compound(f"{seq}&{seq}", model(temperature))
    _structure, energy = fc.mfe_dimer()
    return round(energy, 2)
