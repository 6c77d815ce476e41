"""Sequence input for the nucleic-acid engines: FASTA, cleaning, translation and CDS checks.

Every check raises :class:`SequenceError` with a message that names the problem and, where
there is one, the 1-based position, so a user can fix the input::

    >>> translate("AUGGCCUGA")
    'MA*'
    >>> check_cds("ATGTAAGCC")
    Traceback (most recent call last):
    ...
    opencmc.science.design.sequences.SequenceError: stop codon TAA at codon 2 (nt 4) inside ...
    >>> clean_protein("MKV*")
    'MKV'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

NUCLEOTIDES = frozenset("ACGTU")
AMINO_ACIDS = "ACDEFGHIKLMNPQRSTVWY"
STOPS_DNA = ("TAA", "TAG", "TGA")

# The standard genetic code (NCBI translation table 1), DNA alphabet.
_BASES = "TCAG"
_AA_ORDER = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
GENETIC_CODE: dict[str, str] = {
    a + b + c: _AA_ORDER[16 * i + 4 * j + k]
    for i, a in enumerate(_BASES)
    for j, b in enumerate(_BASES)
    for k, c in enumerate(_BASES)
}
SYNONYMS: dict[str, tuple[str, ...]] = {}
for _codon, _aa in sorted(GENETIC_CODE.items()):
    SYNONYMS[_aa] = (*SYNONYMS.get(_aa, ()), _codon)

# IUPAC nucleotide codes, for motifs and restriction sites.
IUPAC: dict[str, str] = {
    "A": "A",
    "C": "C",
    "G": "G",
    "T": "T",
    "U": "T",
    "R": "AG",
    "Y": "CT",
    "S": "CG",
    "W": "AT",
    "K": "GT",
    "M": "AC",
    "B": "CGT",
    "D": "AGT",
    "H": "ACT",
    "V": "ACG",
    "N": "ACGT",
}
_COMPLEMENT = str.maketrans("ACGTUacgtu", "TGCAAtgcaa")


class SequenceError(ValueError):
    """A sequence the engines cannot use; the message names the problem and its position."""


@dataclass(frozen=True)
class FastaRecord:
    name: str
    sequence: str


def read_fasta(text: str) -> list[FastaRecord]:
    """Records of a FASTA text; a text without a ``>`` header is one unnamed record.

    Whitespace, digits (GenBank-style numbering) and ``/`` line ends are dropped; letters are
    kept as written (upper-cased) so the callers' checks can name a bad letter.

    >>> [r.name for r in read_fasta(">a first\\nACG\\nU\\n>b\\nMK")]
    ['a first', 'b']
    >>> read_fasta("1 acgu acgu\\n")[0].sequence
    'ACGUACGU'
    """
    records: list[FastaRecord] = []
    name: str | None = None
    chunks: list[str] = []

    def flush() -> None:
        if name is not None or chunks:
            records.append(FastaRecord(name or "", _strip("".join(chunks))))

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(";"):
            continue
        if stripped.startswith(">"):
            flush()
            name, chunks = stripped[1:].strip(), []
        else:
            chunks.append(stripped)
    flush()
    records = [r for r in records if r.sequence or r.name]
    if not records:
        raise SequenceError("no sequence found (empty input)")
    return records


def _strip(sequence: str) -> str:
    return re.sub(r"[\s\d/]+", "", sequence).upper()


def clean_nucleotides(sequence: str, *, rna: bool = False, what: str = "sequence") -> str:
    """Upper-case A/C/G/T sequence (or A/C/G/U with ``rna=True``); U and T are both accepted.

    >>> clean_nucleotides("acg u\\n", rna=True)
    'ACGU'
    >>> clean_nucleotides("ACGN")
    Traceback (most recent call last):
    ...
    opencmc.science.design.sequences.SequenceError: sequence: letter 'N' at position 4 is not ...
    """
    seq = _strip(sequence)
    if not seq:
        raise SequenceError(f"{what}: empty sequence")
    for i, letter in enumerate(seq):
        if letter not in NUCLEOTIDES:
            raise SequenceError(
                f"{what}: letter {letter!r} at position {i + 1} is not a nucleotide "
                "(A, C, G, T or U)"
            )
    return seq.replace("T", "U") if rna else seq.replace("U", "T")


def clean_protein(sequence: str, *, what: str = "protein") -> str:
    """Upper-case one-letter protein; one trailing ``*`` (stop) is allowed and removed.

    Ambiguity codes (B, Z, X, J), selenocysteine (U) and pyrrolysine (O) are refused: a
    coding sequence cannot be designed for them with the standard code.
    """
    seq = _strip(sequence)
    if seq.endswith("*"):
        seq = seq[:-1]
    if not seq:
        raise SequenceError(f"{what}: empty sequence")
    for i, letter in enumerate(seq):
        if letter == "*":
            raise SequenceError(f"{what}: stop '*' at position {i + 1} inside the protein")
        if letter not in AMINO_ACIDS:
            raise SequenceError(
                f"{what}: letter {letter!r} at position {i + 1} is not one of the 20 standard "
                "amino acids"
            )
    return seq


def looks_like_protein(sequence: str) -> bool:
    """True when the letters are not all nucleotides (so the text is read as a protein)."""
    seq = _strip(sequence).rstrip("*")
    return bool(seq) and not set(seq) <= NUCLEOTIDES


def to_dna(sequence: str) -> str:
    return sequence.upper().replace("U", "T")


def to_rna(sequence: str) -> str:
    return sequence.upper().replace("T", "U")


def reverse_complement(sequence: str, *, rna: bool | None = None) -> str:
    """Reverse complement; the alphabet follows the input unless ``rna`` says otherwise.

    >>> reverse_complement("AUGC")
    'GCAU'
    >>> reverse_complement("ATGC")
    'GCAT'
    """
    out = sequence.translate(_COMPLEMENT)[::-1]
    if rna is None:
        rna = "U" in sequence.upper()
    return to_rna(out) if rna else to_dna(out)


def codons(cds: str) -> list[str]:
    """The codons of a sequence in the DNA alphabet (length must be a multiple of three)."""
    dna = to_dna(cds)
    return [dna[i : i + 3] for i in range(0, len(dna) - len(dna) % 3, 3)]


def translate(cds: str) -> str:
    """Translation with the standard code; stops are ``*``; a partial last codon is ignored."""
    return "".join(GENETIC_CODE.get(c, "X") for c in codons(cds))


def check_cds(
    cds: str,
    protein: str | None = None,
    *,
    require_start: bool = False,
    allow_missing_stop: bool = True,
    what: str = "coding sequence",
) -> str:
    """Check a coding sequence and return it cleaned (DNA alphabet).

    Refuses bad letters, a length that is not a multiple of three, a stop codon before the
    last codon and, when ``protein`` is given, a translation that differs from it (the first
    differing residue is named). A final stop codon is allowed (and required unless
    ``allow_missing_stop``).
    """
    dna = clean_nucleotides(cds, what=what)
    if len(dna) % 3:
        raise SequenceError(
            f"{what}: length {len(dna)} nt is not a multiple of three "
            f"({len(dna) % 3} nt left over after codon {len(dna) // 3})"
        )
    cods = codons(dna)
    for i, codon in enumerate(cods[:-1]):
        if codon in STOPS_DNA:
            raise SequenceError(
                f"stop codon {codon} at codon {i + 1} (nt {3 * i + 1}) inside the {what}"
            )
    if not allow_missing_stop and cods[-1] not in STOPS_DNA:
        raise SequenceError(f"{what}: does not end with a stop codon (last codon {cods[-1]})")
    if require_start and cods[0] != "ATG":
        raise SequenceError(f"{what}: does not start with ATG (first codon {cods[0]})")
    if protein is not None:
        expected = clean_protein(protein)
        got = translate(dna).rstrip("*")
        if got != expected:
            for i, (a, b) in enumerate(zip(got, expected, strict=False)):
                if a != b:
                    raise SequenceError(
                        f"{what}: translation differs from the protein at residue {i + 1} "
                        f"(codon {cods[i]} gives {a}, the protein has {b})"
                    )
            raise SequenceError(
                f"{what}: translation has {len(got)} residues, the protein {len(expected)}"
            )
    return dna


def iupac_regex(motif: str) -> str:
    """A regular expression (DNA alphabet) for an IUPAC motif.

    >>> iupac_regex("GGTCTC"), iupac_regex("GCNNNNNNNGC")
    ('GGTCTC', 'GC[ACGT][ACGT][ACGT][ACGT][ACGT][ACGT][ACGT]GC')
    """
    parts = []
    for i, letter in enumerate(motif.upper()):
        if letter not in IUPAC:
            raise SequenceError(
                f"motif {motif!r}: letter {letter!r} at position {i + 1} is not IUPAC"
            )
        bases = IUPAC[letter]
        parts.append(bases if len(bases) == 1 else f"[{bases}]")
    return "".join(parts)


def find_motif(sequence: str, motif: str, *, both_strands: bool = False) -> list[int]:
    """0-based start positions of a motif (IUPAC allowed, overlaps counted) in a sequence.

    With ``both_strands`` the reverse complement of the motif is searched too (for sites in
    a DNA template, such as restriction sites).

    >>> find_motif("AAUAAAUAAA", "AAUAAA")
    [0, 4]
    >>> find_motif("GAGACC", "GGTCTC", both_strands=True)
    [0]
    """
    dna = to_dna(sequence)
    patterns = {iupac_regex(motif)}
    if both_strands:
        patterns.add(iupac_regex(reverse_complement(to_dna(motif).translate(_IUPAC_COMP))))
    hits: set[int] = set()
    for pattern in patterns:
        hits.update(m.start() for m in re.finditer(f"(?=({pattern}))", dna))
    return sorted(hits)


# Complement of IUPAC codes other than A/C/G/T (reverse_complement handles those).
_IUPAC_COMP = str.maketrans("RYSWKMBDHVN", "YRSWMKVHDBN")


def gc_fraction(sequence: str) -> float:
    seq = sequence.upper()
    return (seq.count("G") + seq.count("C")) / len(seq) if seq else 0.0


def longest_homopolymer(sequence: str) -> tuple[str, int, int]:
    """(base, length, 0-based start) of the longest run of one base; the first one on ties."""
    best = ("", 0, 0)
    seq = sequence.upper()
    i = 0
    while i < len(seq):
        j = i
        while j < len(seq) and seq[j] == seq[i]:
            j += 1
        if j - i > best[1]:
            best = (seq[i], j - i, i)
        i = j
    return best


def homopolymer_runs(sequence: str, min_length: int) -> list[tuple[str, int, int]]:
    """All runs of one base at least ``min_length`` long, as (base, length, 0-based start)."""
    return [
        (m.group(0)[0], len(m.group(0)), m.start())
        for m in re.finditer(r"(A+|C+|G+|T+|U+)", sequence.upper())
        if len(m.group(0)) >= min_length
    ]


def unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)
