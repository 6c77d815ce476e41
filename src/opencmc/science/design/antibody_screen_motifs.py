"""Liability motifs compiled to lookup tables for the vectorised antibody screen.

Every motif of the catalogue is a lookahead of a few residue classes, e.g.
``(?=N[^P][ST])``, optionally anchored at the start (``^``) or the end (``$``) of the
chain. A window of ``width`` residue codes starting at a position is one number in base
21 (the 20 amino acids and the padding after the chain's end), so one table lookup per
position gives every motif that starts there. An end anchor is a motif whose next code is
the padding; a start anchor only counts in column 0. The table holds, for each window
and for the region of its first residue (0 outside the V domain, 1 framework, 2 CDR), the
number of high-risk and of medium-risk motifs, packed as ``high << 32 | medium`` so that
a row's sum gives both counts at once.

This is the rule of :func:`opencmc.science.design.antibody_liabilities.find_liabilities`
(``re.finditer`` over each motif, region of the first residue, ``scope``), counted
instead of listed.

>>> from opencmc.science.design.protein_properties import encode
>>> cdr = np.full((1, 6), 2)  # every residue in a CDR
>>> high, medium = motif_risk_counts(encode(["ARNGTW"]), np.array([6]), cdr, default_catalogue())
>>> int(high[0]), int(medium[0])  # NG and N-G-T (high), W (medium)
(2, 1)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from opencmc.science.design.antibody_liabilities import Motif, default_catalogue
from opencmc.science.design.protein_properties import AMINO_ACIDS, PAD

__all__ = [
    "MotifTable",
    "compile_motifs",
    "default_catalogue",
    "motif_risk_counts",
    "unpack",
    "window_scores",
    "window_sums",
]

BASE = PAD + 1  # residue codes 0..19 and the padding code 20
MAX_WIDTH = 4  # 6 x 21**4 entries; longer motifs are scanned one by one
SHIFT = 32


def _motif_sets(pattern: str) -> tuple[list[np.ndarray], bool, bool] | None:
    """Allowed residue codes per position of a simple motif, or None if not simple."""
    body = pattern
    anchored_start = body.startswith("^")
    body = body.removeprefix("^")
    if not (body.startswith("(?=") and body.endswith(")")):
        return None
    body = body[3:-1]
    anchored_end = body.endswith("$")
    body = body.removesuffix("$")
    sets = []
    for token in re.findall(r"\[\^?[A-Z]+\]|[A-Z]|.", body):
        if token.startswith("[^"):
            sets.append(np.array([c not in token[2:-1] for c in AMINO_ACIDS] + [False]))
        elif token.startswith("["):
            sets.append(np.array([c in token[1:-1] for c in AMINO_ACIDS] + [False]))
        elif token in AMINO_ACIDS:
            sets.append(np.array([c == token for c in AMINO_ACIDS] + [False]))
        else:
            return None
    return sets, anchored_start, anchored_end


def _weights(motif: Motif, region: int, first: bool, at_start: bool) -> int:
    """Packed high/medium weight of one motif hit starting in ``region``."""
    if at_start and not first:
        return 0
    if motif.scope == "variable" and region == 0:
        return 0
    if motif.scope == "constant" and region != 0:
        return 0
    risk = motif.risk_cdr if region == 2 else motif.risk_framework
    return {"high": 1 << SHIFT, "medium": 1, "low": 0}[risk]


@dataclass(frozen=True, eq=False)
class MotifTable:
    """Compiled motifs: ``table[first, region, window code]`` packed counts.

    ``long`` holds motifs whose window is wider than :data:`MAX_WIDTH`, with their
    residue sets, scanned one by one.
    """

    width: int
    table: np.ndarray
    long: tuple[tuple[Motif, tuple[np.ndarray, ...], bool], ...]

    @property
    def reach(self) -> int:
        """Residues read from a start: the widest window of any motif."""
        return max([self.width, *(len(sets) for _m, sets, _a in self.long)])


@lru_cache(maxsize=8)
def compile_motifs(motifs: tuple[Motif, ...]) -> MotifTable:
    """The lookup table of ``motifs``; raises ValueError for a motif it cannot vectorise."""
    short, long = [], []
    for motif in motifs:
        parsed = _motif_sets(motif.pattern)
        if parsed is None:
            raise ValueError(f"motif {motif.motif!r} is too complex for the vectorised screen")
        sets, at_start, at_end = parsed
        if not sets:
            raise ValueError(f"motif {motif.motif!r} matches no residue")
        if at_end:  # the chain ends where the padding starts
            sets = [*sets, np.arange(BASE) == PAD]
        (short if len(sets) <= MAX_WIDTH else long).append((motif, tuple(sets), at_start))
    width = max((len(s) for _m, s, _a in short), default=1)
    table = np.zeros((2, 3, BASE**width), dtype=np.int64)
    for motif, sets, at_start in short:
        full = list(sets) + [np.ones(BASE, bool)] * (width - len(sets))
        match = full[0]
        for allowed in full[1:]:
            match = np.logical_and.outer(match, allowed)
        match = match.ravel()
        for first in (0, 1):
            for region in (0, 1, 2):
                weight = _weights(motif, region, bool(first), at_start)
                if weight:
                    table[first, region, match] += weight
    return MotifTable(width, table.reshape(-1), tuple(long))


def window_scores(
    codes: np.ndarray, starts: np.ndarray, regions: np.ndarray, compiled: MotifTable
) -> np.ndarray:
    """Packed motif counts at each of ``starts`` (rows) for each chain (columns).

    ``codes`` is an (n, length) matrix of chains padded with ``PAD``; ``regions`` holds
    the region code (0, 1, 2) of each start, shared by all chains (shape ``(len(starts),)``)
    or per start and chain (shape ``(len(starts), n)``). Positions past the matrix read as
    padding. The result has shape ``(len(starts), n)``: summing over axis 0 runs over
    contiguous rows.
    """
    n, length = codes.shape
    starts = np.asarray(starts, dtype=np.intp)
    if starts.size == 0:
        return np.zeros((0, n), dtype=np.int64)
    reach = compiled.reach
    # The columns the windows read, as contiguous rows, with a row of padding last.
    wanted = (starts[:, None] + np.arange(reach)[None, :]).ravel()
    columns = np.unique(wanted[wanted < length])
    rows = np.empty((columns.size + 1, n), dtype=np.uint8)
    rows[:-1] = codes[:, columns].T
    rows[-1] = PAD
    where = np.full(length + reach, columns.size, dtype=np.intp)
    where[columns] = np.arange(columns.size)
    regions = np.asarray(regions, dtype=np.intp)
    if regions.ndim == 1:
        regions = regions[:, None]
    first = (starts == 0).astype(np.intp)[:, None]
    dtype = np.uint16 if compiled.table.size <= np.iinfo(np.uint16).max else np.int32
    key = rows[where[starts]].astype(dtype)
    for j in range(1, compiled.width):
        key *= BASE
        key += rows[where[starts + j]]
    key += ((first * 3 + regions) * BASE**compiled.width).astype(dtype)
    scores = compiled.table[key]
    for motif, sets, at_start in compiled.long:
        hit = np.ones((starts.size, n), dtype=bool)
        for j, allowed in enumerate(sets):
            hit &= allowed[rows[where[starts + j]]]
        weights = np.array(
            [[_weights(motif, r, bool(f), at_start) for r in (0, 1, 2)] for f in (0, 1)]
        )
        scores += hit * weights[first, regions]
    return scores


def window_sums(
    codes: np.ndarray,
    starts: np.ndarray,
    regions: np.ndarray,
    compiled: MotifTable,
    block: int = 64,
) -> np.ndarray:
    """Packed motif counts per chain summed over ``starts``, in blocks of starts so that
    memory stays at ``block`` windows per chain (see :func:`window_scores`)."""
    starts = np.asarray(starts, dtype=np.intp)
    regions = np.asarray(regions, dtype=np.intp)
    total = np.zeros(codes.shape[0], dtype=np.int64)
    for i in range(0, starts.size, block):
        total += window_scores(codes, starts[i : i + block], regions[i : i + block], compiled).sum(
            axis=0
        )
    return total


def unpack(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(high, medium) counts from summed packed scores."""
    return packed >> SHIFT, packed & ((1 << SHIFT) - 1)


def motif_risk_counts(
    codes: np.ndarray, lengths: np.ndarray, regions: np.ndarray, motifs: tuple[Motif, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """High and medium motif hits per row of a ``PAD``-padded matrix of chains.

    ``regions`` codes 0 outside V, 1 FR, 2 CDR, per residue.
    """
    compiled = compile_motifs(tuple(motifs))
    lengths = np.asarray(lengths)
    total = np.zeros(codes.shape[0], dtype=np.int64)
    for start in range(codes.shape[1]):  # one column of windows at a time: bounded memory
        scores = window_scores(codes, np.array([start]), regions[:, start][None, :], compiled)[0]
        total += np.where(lengths > start, scores, 0)
    return unpack(total)
