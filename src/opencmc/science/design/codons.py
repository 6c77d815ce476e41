"""Host codon-usage tables and the codon adaptation index (CAI) of Sharp and Li (1987).

Tables come from ``python-codon-tables`` (Kazusa Codon Usage Database), read from the files
that package ships (never downloaded), and from ``data/`` here for hosts it lacks (CHO).

The relative adaptiveness of a codon is its frequency divided by the frequency of the most
used synonymous codon, ``w = f / f_max``; the CAI of a coding sequence is the geometric mean
of ``w`` over its codons, leaving out Met (ATG) and Trp (TGG), which have no synonyms, and the
stop codons, as Sharp and Li did. A codon the table never saw would give ``w = 0``; it is
given ``w = 0.5 / n_max`` where counts are known (Sharp and Li's 0.5 pseudo-count) and
``0.01`` otherwise, and reported.

    >>> table = codon_table("human")
    >>> table.name, table.taxid
    ('Homo sapiens', 9606)
    >>> round(table.w["CTG"], 3), round(table.w["CTA"], 3)
    (1.0, 0.175)
    >>> cai("ATGCTGAAGTGA")   # Met and the stop are left out; CUG and AAG are the best codons
    1.0
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from opencmc.science.design.sequences import (
    GENETIC_CODE,
    STOPS_DNA,
    SYNONYMS,
    SequenceError,
    check_cds,
    codons,
)

# Codons left out of the CAI: no synonyms (Met, Trp) and the stops.
EXCLUDED_FROM_CAI = frozenset({"ATG", "TGG", *STOPS_DNA})
MISSING_W = 0.01


@dataclass(frozen=True)
class HostInfo:
    key: str
    name: str
    taxid: int
    table: str  # python-codon-tables name, or "data:<file>" for a shipped file
    source: str


HOSTS: dict[str, HostInfo] = {
    "human": HostInfo(
        "human",
        "Homo sapiens",
        9606,
        "h_sapiens_9606",
        "Kazusa Codon Usage Database via python-codon-tables (h_sapiens_9606)",
    ),
    "cho": HostInfo(
        "cho",
        "Cricetulus griseus",
        10029,
        "data:c_griseus_10029.csv",
        "Kazusa Codon Usage Database, species 10029 (331 CDS, 153,527 codons), shipped in "
        "opencmc/science/design/data/c_griseus_10029.csv",
    ),
    "mouse": HostInfo(
        "mouse",
        "Mus musculus",
        10090,
        "m_musculus_10090",
        "Kazusa Codon Usage Database via python-codon-tables (m_musculus_10090)",
    ),
    "e_coli": HostInfo(
        "e_coli",
        "Escherichia coli K-12 W3110",
        316407,
        "e_coli_316407",
        "Kazusa Codon Usage Database via python-codon-tables (e_coli_316407)",
    ),
    "yeast": HostInfo(
        "yeast",
        "Saccharomyces cerevisiae",
        4932,
        "s_cerevisiae_4932",
        "Kazusa Codon Usage Database via python-codon-tables (s_cerevisiae_4932)",
    ),
}

_ALIASES = {
    "human": "human",
    "homo sapiens": "human",
    "h_sapiens": "human",
    "h_sapiens_9606": "human",
    "hsapiens": "human",
    "9606": "human",
    "cho": "cho",
    "chinese hamster": "cho",
    "hamster": "cho",
    "cricetulus griseus": "cho",
    "c_griseus": "cho",
    "c_griseus_10029": "cho",
    "10029": "cho",
    "mouse": "mouse",
    "mus musculus": "mouse",
    "m_musculus": "mouse",
    "m_musculus_10090": "mouse",
    "10090": "mouse",
    "e_coli": "e_coli",
    "ecoli": "e_coli",
    "e. coli": "e_coli",
    "e.coli": "e_coli",
    "escherichia coli": "e_coli",
    "e_coli_316407": "e_coli",
    "316407": "e_coli",
    "yeast": "yeast",
    "s_cerevisiae": "yeast",
    "s. cerevisiae": "yeast",
    "saccharomyces cerevisiae": "yeast",
    "s_cerevisiae_4932": "yeast",
    "4932": "yeast",
}


@dataclass(frozen=True)
class CodonTable:
    """Codon usage of one host: relative frequencies within each amino acid (DNA alphabet)."""

    key: str
    name: str
    taxid: int | None
    source: str
    frequencies: dict[str, dict[str, float]]  # amino acid -> codon -> fraction
    counts: dict[str, int] | None = None
    w: dict[str, float] = field(init=False)
    missing: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        weights: dict[str, float] = {}
        missing: set[str] = set()
        for aa, synonyms in SYNONYMS.items():
            freqs = {c: self.frequencies.get(aa, {}).get(c, 0.0) for c in synonyms}
            top = max(freqs.values())
            if top <= 0:
                raise SequenceError(f"codon table {self.key}: no codon for amino acid {aa}")
            for codon, f in freqs.items():
                if f > 0:
                    weights[codon] = f / top
                else:
                    missing.add(codon)
                    if self.counts:
                        n_max = max(self.counts.get(c, 0) for c in synonyms)
                        weights[codon] = 0.5 / n_max
                    else:
                        weights[codon] = MISSING_W
        object.__setattr__(self, "w", weights)
        object.__setattr__(self, "missing", frozenset(missing))

    def best_codon(self, aa: str) -> str:
        """The most used codon for an amino acid (ties: the first in alphabetical order)."""
        return max(sorted(SYNONYMS[aa]), key=lambda c: self.w[c])

    def ranked(self, aa: str) -> list[str]:
        """Synonymous codons from the most to the least used."""
        return sorted(SYNONYMS[aa], key=lambda c: (-self.w[c], c))

    def to_dict(self) -> dict:
        return {
            "host": self.key,
            "name": self.name,
            "taxid": self.taxid,
            "source": self.source,
            "frequencies": self.frequencies,
        }


def host_key(host: str) -> str:
    """The canonical key (human, cho, mouse, e_coli, yeast) of a host name or alias."""
    key = _ALIASES.get(str(host).strip().lower())
    if key is None:
        known = ", ".join(HOSTS)
        raise SequenceError(f"unknown host {host!r}; use one of {known} (or a CodonTable)")
    return key


@cache
def _load(key: str) -> CodonTable:
    info = HOSTS[key]
    if info.table.startswith("data:"):
        filename = info.table[5:]
        text = resources.files("opencmc.science.design").joinpath("data", filename).read_text()
        counts: dict[str, int] = {}
        aa_of: dict[str, str] = {}
        for row in csv.DictReader(text.splitlines()):
            codon = row["codon"].replace("U", "T")
            counts[codon] = int(row["number"])
            aa_of[codon] = row["amino_acid"]
        freqs: dict[str, dict[str, float]] = {}
        for aa, synonyms in SYNONYMS.items():
            total = sum(counts[c] for c in synonyms)
            freqs[aa] = {c: counts[c] / total for c in synonyms}
            if any(aa_of[c] != aa for c in synonyms):
                raise SequenceError(f"{filename}: amino acid column disagrees with the code")
        return CodonTable(key, info.name, info.taxid, info.source, freqs, counts)
    import python_codon_tables

    # A table *name* is read from the package's own files; only a bare TaxID would download.
    raw = python_codon_tables.get_codons_table(info.table)
    freqs = {aa: {c.replace("U", "T"): float(f) for c, f in d.items()} for aa, d in raw.items()}
    return CodonTable(key, info.name, info.taxid, info.source, freqs)


def codon_table(host: str | CodonTable = "human") -> CodonTable:
    """The codon table of a host: a name or alias (human, cho, mouse, e_coli, yeast), or a
    :class:`CodonTable` (returned as is)."""
    if isinstance(host, CodonTable):
        return host
    return _load(host_key(host))


def custom_table(
    frequencies: dict[str, float], *, name: str = "custom", source: str = "user supplied"
) -> CodonTable:
    """A table from per-codon usage numbers (fractions, per-thousand frequencies or counts;
    only their ratios within each amino acid matter). Codons may use T or U."""
    usage = {k.upper().replace("U", "T"): float(v) for k, v in frequencies.items()}
    unknown = sorted(set(usage) - set(GENETIC_CODE))
    if unknown:
        raise SequenceError(f"codon table {name}: {unknown[0]!r} is not a codon")
    freqs: dict[str, dict[str, float]] = {}
    for aa, synonyms in SYNONYMS.items():
        total = sum(usage.get(c, 0.0) for c in synonyms)
        if total <= 0:
            raise SequenceError(f"codon table {name}: no usage given for amino acid {aa}")
        freqs[aa] = {c: usage.get(c, 0.0) / total for c in synonyms}
    return CodonTable(name, name, None, source, freqs)


def relative_adaptiveness(host: str | CodonTable = "human") -> dict[str, float]:
    """``w`` of every codon (DNA alphabet) for a host."""
    return dict(codon_table(host).w)


def cai(cds: str, host: str | CodonTable = "human") -> float:
    """Codon adaptation index of a coding sequence (DNA or RNA alphabet) for a host.

    The geometric mean of the relative adaptiveness over all codons except ATG, TGG and the
    stops (Sharp and Li 1987). The sequence must be whole codons with no internal stop.
    """
    dna = check_cds(cds)
    return cai_of_codons(codons(dna), codon_table(host))


def cai_of_codons(cods: list[str], table: CodonTable) -> float:
    logs = [math.log(table.w[c]) for c in cods if c not in EXCLUDED_FROM_CAI]
    if not logs:
        return 1.0  # nothing to adapt (e.g. only Met/Trp): the best possible
    return math.exp(math.fsum(logs) / len(logs))


def log_w_sum(cods: list[str], table: CodonTable) -> tuple[float, int]:
    """(sum of ln w, number of counted codons): the additive form of the CAI."""
    logs = [math.log(table.w[c]) for c in cods if c not in EXCLUDED_FROM_CAI]
    return math.fsum(logs), len(logs)
