"""Per-chain numbers of the antibody library screen, computed only where variants differ.

Distinct chains are grouped by length and encoded once as uint8 matrices (one
``frombuffer`` per length). Each chain is assigned a numbered template: a chain with the
same length and the same residues outside the IMGT CDRs as an already numbered chain
shares its numbering. Within a template's group every column outside the CDRs equals the
template, so composition, domain charge and liability motifs are the template's numbers
plus what the CDR columns (and the motif windows that reach into them) contribute. A chain
no template fits is numbered by ANARCI or, if that fails, profiled whole as unnumbered.

pI and charge are computed once per distinct set of ionisable-residue counts and termini,
with the same bisection and summation order as Biopython, so they are the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from opencmc.science.design.antibody_numbering import ChainNumbering, number_chains
from opencmc.science.design.antibody_screen_motifs import (
    MotifTable,
    unpack,
    window_scores,
    window_sums,
)
from opencmc.science.design.protein_properties import (
    AMINO_ACIDS,
    FAUCHERE_PLISKA,
    PAD,
    batch_charge,
    batch_pi,
)

BASE = PAD + 1
_INVALID = 255
_TRANSLATE = bytes(
    AMINO_ACIDS.index(chr(b)) if chr(b) in AMINO_ACIDS else _INVALID for b in range(256)
)
_FP = np.array([FAUCHERE_PLISKA[a] for a in AMINO_ACIDS] + [0.0])
IONISABLE = "KRHDECY"  # the residues whose counts enter Biopython's charge
_IONISABLE = [AMINO_ACIDS.index(a) for a in IONISABLE]


def encode_same_length(seqs: list[str], length: int) -> np.ndarray:
    """(len(seqs), length) residue codes of sequences that all have ``length`` residues.

    Raises ValueError for anything but the 20 amino acids in upper case.
    """
    try:
        raw = "".join(seqs).encode("ascii").translate(_TRANSLATE)
    except UnicodeEncodeError as exc:
        raise ValueError("sequences contain letters other than the 20 amino acids") from exc
    if _INVALID in raw:
        raise ValueError("sequences contain letters other than the 20 amino acids")
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(seqs), length)


def encode_by_length(seqs: list[str]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Row indices and code matrix of the sequences of each length (ValueError if empty)."""
    lengths = np.fromiter(map(len, seqs), dtype=np.intp, count=len(seqs))
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    distinct = np.unique(lengths)
    if distinct.size and distinct[0] == 0:
        raise ValueError("empty sequence")
    if distinct.size == 1:
        length = int(distinct[0])
        return {length: (np.arange(len(seqs)), encode_same_length(seqs, length))}
    for length in distinct.tolist():
        rows = np.flatnonzero(lengths == length)
        out[length] = (rows, encode_same_length([seqs[i] for i in rows.tolist()], length))
    return out


def column_sums(codes: np.ndarray, columns: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per chain, over ``columns`` (all by default): counts of K, R, H, D, E, C, Y as an
    (n, 7) matrix (``"ionisable"``) and the Fauchère-Pliska sum (``"hydrophobicity"``)."""
    n = codes.shape[0]
    picked = codes.T if columns is None else codes[:, columns].T
    width = picked.shape[0]
    bits = max(width, 1).bit_length()
    if len(_IONISABLE) * bits > 62:  # too many columns to pack the counts in one int64
        flat = picked.T + (np.arange(n, dtype=np.int64) * BASE)[:, None]
        counts = np.bincount(flat.ravel(), minlength=n * BASE).reshape(n, BASE)
        ionisable = counts[:, _IONISABLE]
    else:
        shifts = np.arange(len(_IONISABLE), dtype=np.int64) * bits
        table = np.zeros(BASE, dtype=np.int64)
        table[_IONISABLE] = np.left_shift(1, shifts)
        packed = table[picked].sum(axis=0)  # rows are columns: sums of contiguous rows
        ionisable = (packed[:, None] >> shifts[None, :]) & ((1 << bits) - 1)
    return {"ionisable": ionisable, "hydrophobicity": _FP[picked].sum(axis=0)}


@dataclass
class Template:
    """A numbered chain and what the screen needs of it, computed once."""

    numbering: ChainNumbering
    codes: np.ndarray
    fixed: np.ndarray  # columns outside the IMGT CDRs: equal in every chain sharing it
    regions: np.ndarray  # 0 outside the V domain, 1 framework, 2 CDR
    _motif_cache: dict[MotifTable, tuple[np.ndarray, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, numbering: ChainNumbering) -> Template:
        labels = numbering.regions["imgt"]
        regions = np.array(
            [0 if lab is None else 2 if lab.startswith("CDR") else 1 for lab in labels],
            dtype=np.intp,
        )
        codes = encode_same_length([numbering.sequence], len(labels))[0]
        return cls(numbering, codes, regions != 2, regions)

    def motif_base(self, compiled: MotifTable) -> tuple[np.ndarray, int]:
        """Motif starts whose window reaches a CDR column, and the packed score of the rest."""
        if compiled not in self._motif_cache:
            length = self.codes.size
            reach = compiled.reach
            variable = np.flatnonzero(~self.fixed)
            starts = np.unique((variable[:, None] - np.arange(reach)[None, :]).ravel())
            starts = starts[(starts >= 0) & (starts < length)]
            every = np.arange(length)
            scores = window_scores(self.codes[None, :], every, self.regions, compiled)[:, 0]
            rest = np.ones(length, dtype=bool)
            rest[starts] = False
            self._motif_cache[compiled] = (starts, int(scores[rest].sum()))
        return self._motif_cache[compiled]


@dataclass
class Templates:
    """Numbered chains by (chain, length), with their framework fingerprints."""

    items: dict[tuple[str, int], list[Template]] = field(default_factory=dict)

    def match(self, chain: str, codes: np.ndarray) -> np.ndarray:
        """Index into the template list per row, -1 where no template fits."""
        out = np.full(codes.shape[0], -1)
        for t, template in enumerate(self.items.get((chain, codes.shape[1]), [])):
            free = out < 0
            same = (codes[:, template.fixed] == template.codes[template.fixed]).all(axis=1)
            out[free & same] = t
        return out

    def add(self, chain: str, numbering: ChainNumbering) -> None:
        template = Template.of(numbering)
        self.items.setdefault((chain, template.codes.size), []).append(template)

    def assign(self, chain: str, seqs: list[str], codes: np.ndarray) -> np.ndarray:
        """Template index per row of one length group, numbering unmatched chains."""
        idx = self.match(chain, codes)
        tried: set[str] = set()
        batch = 1
        # Number a few unmatched chains, let them cover what they can, and grow the batch:
        # a library sharing one framework costs one ANARCI call, not one per variant.
        while True:
            pending = [seqs[k] for k in np.flatnonzero(idx < 0).tolist()]
            unique = [s for s in dict.fromkeys(pending) if s not in tried][:batch]
            if not unique:
                return idx
            tried.update(unique)
            for numbering in number_chains(unique):
                if numbering is not None:
                    self.add(chain, numbering)
            idx = self.match(chain, codes)
            batch *= 4


def _fill_template(
    out: dict[str, np.ndarray],
    rows: slice | np.ndarray,
    codes: np.ndarray,
    t: Template,
    c: MotifTable,
) -> None:
    variable = np.flatnonzero(~t.fixed)
    cdr = column_sums(codes, variable)
    inside = t.regions > 0
    base = column_sums(t.codes[None, :], np.flatnonzero(t.fixed))["ionisable"][0]
    base_inside = column_sums(t.codes[None, :], np.flatnonzero(t.fixed & inside))["ionisable"][0]
    first_in, last_in = np.flatnonzero(inside)[[0, -1]]
    out["ionisable"][rows] = base + cdr["ionisable"]
    out["domain_ionisable"][rows] = base_inside + cdr["ionisable"]
    out["cdr_ionisable"][rows] = cdr["ionisable"]
    out["cdr_hydrophobicity"][rows] = cdr["hydrophobicity"]
    out["cdr_length"][rows] = variable.size
    out["domain_first"][rows] = codes[:, first_in]
    out["domain_last"][rows] = codes[:, last_in]
    out["numbered"][rows] = True
    starts, rest = t.motif_base(c)
    out["motifs"][rows] = window_sums(codes, starts, t.regions[starts], c) + rest


def _fill_unnumbered(
    out: dict[str, np.ndarray], rows: slice | np.ndarray, codes: np.ndarray, c: MotifTable
) -> None:
    ionisable = column_sums(codes)["ionisable"]
    length = codes.shape[1]
    out["ionisable"][rows] = ionisable
    out["domain_ionisable"][rows] = ionisable  # no domain: the whole chain (unused)
    out["domain_first"][rows] = codes[:, 0]
    out["domain_last"][rows] = codes[:, length - 1]
    starts = np.arange(length)
    out["motifs"][rows] = window_sums(codes, starts, np.zeros(length, np.intp), c)


def chain_table(
    chain: str,
    groups: dict[int, tuple[np.ndarray, np.ndarray]],
    seqs: list[str],
    templates: Templates,
    formulation_ph: float,
    compiled: MotifTable,
) -> dict[str, np.ndarray]:
    """Per-sequence arrays for distinct chains (``groups`` from :func:`encode_by_length`).

    ``ionisable`` and ``cdr_ionisable`` count K, R, H, D, E, C, Y (see :data:`IONISABLE`)
    in the chain and in its IMGT CDRs.
    """
    n = len(seqs)
    k = len(_IONISABLE)
    out: dict[str, np.ndarray] = {
        "numbered": np.zeros(n, bool),
        "ionisable": np.zeros((n, k), np.int64),
        "domain_ionisable": np.zeros((n, k), np.int64),
        "cdr_ionisable": np.zeros((n, k), np.int64),
        "cdr_hydrophobicity": np.zeros(n),
        "cdr_length": np.zeros(n, np.int64),
        "first": np.zeros(n, np.uint8),
        "last": np.zeros(n, np.uint8),
        "domain_first": np.zeros(n, np.uint8),
        "domain_last": np.zeros(n, np.uint8),
        "motifs": np.zeros(n, np.int64),
    }
    for length, (rows, codes) in groups.items():
        whole = rows.size == n  # one length: write whole arrays, not scattered rows
        out["first"][rows] = codes[:, 0]
        out["last"][rows] = codes[:, length - 1]
        group_seqs = seqs if whole else [seqs[i] for i in rows.tolist()]
        idx = templates.assign(chain, group_seqs, codes)
        group = templates.items.get((chain, length), [])
        for t in np.unique(idx).tolist():
            take = idx == t
            if take.all():
                where: slice | np.ndarray = slice(None) if whole else rows
                sub = codes
            else:
                where, sub = rows[take], codes[take]
            if t < 0:
                _fill_unnumbered(out, where, sub, compiled)
            else:
                _fill_template(out, where, sub, group[t], compiled)
    out["high"], out["medium"] = unpack(out.pop("motifs"))
    dom = out.pop("domain_ionisable")
    first, last = out.pop("domain_first"), out.pop("domain_last")
    rep, inverse = _distinct(dom, first, last)
    full = as_counts(dom[rep])
    for key, ph in (("charge_7_4", 7.4), ("charge_formulation", formulation_ph)):
        out[key] = batch_charge(full, first[rep], last[rep], ph)[inverse]
    return out


def as_counts(ionisable: np.ndarray) -> np.ndarray:
    """(n, 21) residue counts holding the ionisable counts (all Biopython's charge reads)."""
    counts = np.zeros((ionisable.shape[0], BASE), dtype=np.int64)
    counts[:, _IONISABLE] = ionisable
    return counts


def _distinct(
    ionisable: np.ndarray, first: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A representative row of each distinct charge input, and each row's representative.

    Only the counts of K, R, H, D, E, C, Y and the terminal residues enter Biopython's
    charge, so rows that share them have the same charge at every pH.
    """
    if ionisable.shape[0] == 0:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    keys = np.column_stack([ionisable, first, last]).astype(np.int64)
    low = keys.min(axis=0)
    span = keys.max(axis=0) - low + 1
    if float(np.prod(span.astype(float))) < 2.0**62:
        strides = np.concatenate([[1], np.cumprod(span[:-1])])
        _k, rep, inverse = np.unique((keys - low) @ strides, return_index=True, return_inverse=True)
    else:
        _k, rep, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    return rep, inverse.ravel()


def pi_and_charge(
    ionisable: np.ndarray, first: np.ndarray, last: np.ndarray, ph: float = 7.4
) -> tuple[np.ndarray, np.ndarray]:
    """pI and net charge at ``ph`` from ionisable counts and terminal residue codes,
    computed once per distinct set of them."""
    rep, inverse = _distinct(ionisable, first, last)
    counts = as_counts(ionisable[rep])
    pis = batch_pi(counts, first[rep], last[rep])
    charges = batch_charge(counts, first[rep], last[rep], ph)
    return pis[inverse], charges[inverse]
