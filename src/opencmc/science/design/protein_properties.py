"""Physicochemical properties of protein sequences: one at a time and vectorised over libraries.

Both paths use the same published constants so they give the same numbers:

- pI and net charge: Bjellqvist et al. (1993, 1994) pK set with residue-specific terminal
  pKs, exactly as Biopython's ``Bio.SeqUtils.IsoelectricPoint`` (and ExPASy ProtParam)
  uses it, and the same bisection (start pH 7.775 in [4.05, 12], stop below 1e-4 width).
- Molecular weight: average residue masses of ``Bio.Data.IUPACData.protein_weights``
  minus one water (18.0153 Da) per peptide bond.
- Extinction coefficient at 280 nm: Pace et al. (1995, Protein Sci. 4:2411), 5500 per
  Trp, 1490 per Tyr and 125 per cystine (pairs of Cys), in M^-1 cm^-1.
- GRAVY: Kyte and Doolittle (1982) hydropathy, mean over the sequence.
- Hydrophobicity of CDRs: Fauchère and Pliska (1983) octanol/water pi values, summed.

>>> p = properties("EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGK")
>>> round(p.pi, 2), p.extinction_280
(8.28, 6990)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from Bio.Data.IUPACData import protein_weights
from Bio.SeqUtils import ProtParamData
from Bio.SeqUtils.IsoelectricPoint import IsoelectricPoint

AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
PAD = len(AMINO_ACIDS)  # code of the padding after a sequence's end in a matrix
WATER = 18.0153  # Da, average mass of water, as Bio.SeqUtils.molecular_weight
POSITIVE_PKS = {"Nterm": 7.5, "K": 10.0, "R": 12.0, "H": 5.98}
NEGATIVE_PKS = {"Cterm": 3.55, "D": 4.05, "E": 4.45, "C": 9.0, "Y": 10.0}
N_TERMINAL_PKS = {"A": 7.59, "M": 7.0, "S": 6.93, "P": 8.36, "T": 6.82, "V": 7.44, "E": 7.7}
C_TERMINAL_PKS = {"D": 4.55, "E": 4.75}
EXTINCTION = {"W": 5500, "Y": 1490, "cystine": 125}  # Pace et al. 1995, M^-1 cm^-1
KYTE_DOOLITTLE = dict(ProtParamData.kd)
FAUCHERE_PLISKA = dict(ProtParamData.gravy_scales["Fauchere"])
PI_START, PI_LOW, PI_HIGH, PI_WIDTH = 7.775, 4.05, 12.0, 0.0001

_CODE = np.full(256, 255, dtype=np.uint8)
for _i, _aa in enumerate(AMINO_ACIDS):
    _CODE[ord(_aa)] = _i
_WEIGHTS = np.array([protein_weights[a] for a in AMINO_ACIDS] + [0.0])
_KD = np.array([KYTE_DOOLITTLE[a] for a in AMINO_ACIDS] + [0.0])
_FP = np.array([FAUCHERE_PLISKA[a] for a in AMINO_ACIDS] + [0.0])


@dataclass(frozen=True)
class ProteinProperties:
    """Physicochemical properties of one polypeptide (masses in Da, ε in M^-1 cm^-1)."""

    length: int
    molecular_weight: float
    pi: float
    net_charge_7_4: float
    extinction_280: int
    extinction_280_reduced: int
    absorbance_1mg_ml: float
    gravy: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def charge_at_ph(sequence: str, ph: float) -> float:
    """Net charge at ``ph`` with the Bjellqvist pK set (Biopython's ``charge_at_pH``).

    >>> round(charge_at_ph("PETER", 4.53), 2)
    0.0
    """
    return IsoelectricPoint(sequence).charge_at_pH(ph)


def properties(sequence: str) -> ProteinProperties:
    """Properties of one sequence through Biopython's ProtParam (the reference path).

    >>> properties("KKKK").net_charge_7_4 > 3
    True
    """
    ip = IsoelectricPoint(sequence)
    counts = {a: sequence.count(a) for a in AMINO_ACIDS}
    mw = sum(protein_weights[a] for a in sequence) - (len(sequence) - 1) * WATER
    reduced = counts["W"] * EXTINCTION["W"] + counts["Y"] * EXTINCTION["Y"]
    cystines = reduced + (counts["C"] // 2) * EXTINCTION["cystine"]
    return ProteinProperties(
        length=len(sequence),
        molecular_weight=mw,
        pi=ip.pi(),
        net_charge_7_4=ip.charge_at_pH(7.4),
        extinction_280=cystines,
        extinction_280_reduced=reduced,
        absorbance_1mg_ml=cystines / mw,
        gravy=sum(KYTE_DOOLITTLE[a] for a in sequence) / len(sequence),
    )


def encode(sequences: Sequence[str], width: int | None = None) -> np.ndarray:
    """Sequences as an (n, width) uint8 matrix of residue codes, padded with ``PAD``.

    >>> encode(["AC", "D"]).tolist()
    [[0, 1], [2, 20]]
    """
    width = width or max((len(s) for s in sequences), default=0)
    text = "".join(s.ljust(width, "-") for s in sequences).encode("ascii")
    codes = _CODE[np.frombuffer(text, dtype=np.uint8)].reshape(len(sequences), width)
    pad = np.frombuffer(text, dtype=np.uint8).reshape(len(sequences), width) == ord("-")
    if np.any((codes == 255) & ~pad):
        raise ValueError("sequences contain letters other than the 20 amino acids")
    codes[pad] = PAD
    return codes


def counts_matrix(codes: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """(n, 21) counts of each residue code per row, optionally only where ``mask`` is true."""
    n = codes.shape[0]
    flat = codes.astype(np.int64) + (np.arange(n)[:, None] * (PAD + 1))
    weights = None if mask is None else mask.ravel().astype(np.float64)
    out = np.bincount(flat.ravel(), weights=weights, minlength=n * (PAD + 1))
    return out.reshape(n, PAD + 1)[:, :PAD].astype(np.int64)


def _charge(counts: np.ndarray, nterm_pk: np.ndarray, cterm_pk: np.ndarray, ph: np.ndarray):
    # Summed in the order Biopython sums (Nterm, K, R, H; Cterm, D, E, C, Y) so that
    # the sign of a charge near zero, and hence the bisection, is bit-for-bit the same.
    idx = {a: AMINO_ACIDS.index(a) for a in "KRHDECY"}
    pos = 0.0 + 1.0 * (1.0 / (10 ** (ph - nterm_pk) + 1.0))
    for aa in "KRH":
        pos = pos + counts[:, idx[aa]] * (1.0 / (10 ** (ph - POSITIVE_PKS[aa]) + 1.0))
    neg = 0.0 + 1.0 * (1.0 / (10 ** (cterm_pk - ph) + 1.0))
    for aa in "DECY":
        neg = neg + counts[:, idx[aa]] * (1.0 / (10 ** (NEGATIVE_PKS[aa] - ph) + 1.0))
    return pos - neg


def terminal_pks(first: np.ndarray, last: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bjellqvist N- and C-terminal pKs for arrays of first and last residue codes."""
    n_table = np.full(PAD + 1, POSITIVE_PKS["Nterm"])
    for aa, pk in N_TERMINAL_PKS.items():
        n_table[AMINO_ACIDS.index(aa)] = pk
    c_table = np.full(PAD + 1, NEGATIVE_PKS["Cterm"])
    for aa, pk in C_TERMINAL_PKS.items():
        c_table[AMINO_ACIDS.index(aa)] = pk
    return n_table[first], c_table[last]


def batch_charge(counts: np.ndarray, first: np.ndarray, last: np.ndarray, ph: float) -> np.ndarray:
    """Net charge at ``ph`` of many sequences from counts and terminal residue codes."""
    nterm, cterm = terminal_pks(first, last)
    return _charge(counts, nterm, cterm, np.full(counts.shape[0], float(ph)))


def batch_pi(counts: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Isoelectric points by Biopython's bisection, run on all rows at once."""
    nterm, cterm = terminal_pks(first, last)
    n = counts.shape[0]
    ph = np.full(n, PI_START)
    low, high = np.full(n, PI_LOW), np.full(n, PI_HIGH)
    # The interval halves each step whatever the charge, so every row needs the same
    # number of steps as Biopython's recursion takes.
    while high[0] - low[0] > PI_WIDTH if n else False:
        positive = _charge(counts, nterm, cterm, ph) > 0.0
        low = np.where(positive, ph, low)
        high = np.where(positive, high, ph)
        ph = (low + high) / 2
    return ph


def batch_properties(sequences: Sequence[str]) -> dict[str, np.ndarray]:
    """The fields of :class:`ProteinProperties` for many sequences as NumPy arrays.

    >>> batch_properties(["KKKK", "DDDD"])["pi"].round(2).tolist()
    [10.48, 4.05]
    """
    codes = encode(sequences)
    lengths = np.array([len(s) for s in sequences])
    counts = counts_matrix(codes)
    first = codes[:, 0]
    last = codes[np.arange(len(sequences)), lengths - 1]
    mw = counts @ _WEIGHTS[:PAD] - (lengths - 1) * WATER
    iw, iy, ic = (AMINO_ACIDS.index(a) for a in "WYC")
    reduced = counts[:, iw] * EXTINCTION["W"] + counts[:, iy] * EXTINCTION["Y"]
    cystines = reduced + (counts[:, ic] // 2) * EXTINCTION["cystine"]
    return {
        "length": lengths,
        "molecular_weight": mw,
        "pi": batch_pi(counts, first, last),
        "net_charge_7_4": batch_charge(counts, first, last, 7.4),
        "extinction_280": cystines,
        "extinction_280_reduced": reduced,
        "absorbance_1mg_ml": cystines / mw,
        "gravy": (counts @ _KD[:PAD]) / lengths,
    }


def hydrophobicity_sum(sequence: str) -> float:
    """Sum of Fauchère-Pliska pi values over a sequence (used for the CDRs).

    >>> hydrophobicity_sum("WF")
    4.04
    """
    return sum(FAUCHERE_PLISKA[a] for a in sequence)


def batch_hydrophobicity_sum(codes: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Row sums of Fauchère-Pliska values where ``mask`` is true."""
    return (counts_matrix(codes, mask) @ _FP[:PAD]).astype(np.float64)
