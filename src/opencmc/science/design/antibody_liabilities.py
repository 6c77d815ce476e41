"""Sequence liabilities (deamidation, isomerisation, oxidation, ...) with region-dependent risk.

The motif catalogue is data (``data/antibody/liabilities.json``, each motif with its
literature source); users add their own :class:`Motif` objects. Besides motifs, a scan
reports cysteines outside the canonical V-domain disulfide (IMGT 23 and 104), and
hydrophobic or charged patches: windows of 5 CDR residues with at least 4 of
F, I, L, M, V, W, Y (hydrophobic) or at least 3 of K, R (positive) or D, E (negative).

>>> hits = find_liabilities("ARIYPTNGYTR", chain="heavy")
>>> [(h.motif, h.position, h.risk) for h in hits]
[('NG', 7, 'medium')]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

RISKS = ("high", "medium", "low")
CANONICAL_CYSTEINES = ("23", "104")  # IMGT positions of the V-domain disulfide
PATCH_WINDOW = 5
_HYDROPHOBIC, _POSITIVE, _NEGATIVE = set("FILMVWY"), set("KR"), set("DE")


@dataclass(frozen=True)
class Motif:
    """A liability motif: ``pattern`` is a regex (use a lookahead to find overlaps)."""

    motif: str
    pattern: str
    category: str
    risk_cdr: str
    risk_framework: str
    scope: str = "any"  # "any", "variable" (V domains only) or "constant" (outside them)
    source: str = "user"

    def __post_init__(self) -> None:
        for risk in (self.risk_cdr, self.risk_framework):
            if risk not in RISKS:
                raise ValueError(f"motif {self.motif!r}: risk must be one of {RISKS}, not {risk!r}")
        if self.scope not in ("any", "variable", "constant"):
            raise ValueError(f"motif {self.motif!r}: scope must be any, variable or constant")
        re.compile(self.pattern)


@dataclass(frozen=True)
class Liability:
    """One liability found: ``position`` is 1-based in the chain as given."""

    motif: str
    category: str
    chain: str
    position: int
    residues: str
    region: str
    risk: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@lru_cache(maxsize=1)
def catalogue_sources() -> dict[str, str]:
    """The literature behind the shipped catalogue, keyed as in each motif's ``source``."""
    return dict(_load()["sources"])


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    text = (
        resources.files("opencmc.science.design")
        .joinpath("data/antibody/liabilities.json")
        .read_text(encoding="utf-8")
    )
    return json.loads(text)


def default_catalogue() -> tuple[Motif, ...]:
    """The shipped motif catalogue.

    >>> len(default_catalogue()) >= 15
    True
    """
    return tuple(Motif(**m) for m in _load()["motifs"])


def _region_of(regions: Sequence[str | None] | None, index: int) -> str:
    if regions is None:
        return "unnumbered"
    label = regions[index]
    if label is None:
        return "constant" if index > 0 else "outside V domain"
    return label


def _risk(motif: Motif, region: str) -> str:
    return motif.risk_cdr if region.startswith("CDR") else motif.risk_framework


def _patches(sequence: str, chain: str, regions: Sequence[str | None]) -> list[Liability]:
    out = []
    kinds = (
        ("hydrophobic CDR patch", "hydrophobic patch", _HYDROPHOBIC, 4, "medium"),
        ("positive CDR patch", "charged patch", _POSITIVE, 3, "medium"),
        ("negative CDR patch", "charged patch", _NEGATIVE, 3, "low"),
    )
    for name, category, residues, minimum, risk in kinds:
        last_end = -1
        for i in range(len(sequence) - PATCH_WINDOW + 1):
            labels = regions[i : i + PATCH_WINDOW]
            if not all(lab is not None and lab.startswith("CDR") for lab in labels):
                continue
            window = sequence[i : i + PATCH_WINDOW]
            if sum(r in residues for r in window) < minimum:
                continue
            if i <= last_end:  # overlapping windows are one patch
                last_end = i + PATCH_WINDOW - 1
                continue
            last_end = i + PATCH_WINDOW - 1
            out.append(
                Liability(name, category, chain, i + 1, window, str(labels[0]), risk, "opencmc")
            )
    return out


def find_liabilities(
    sequence: str,
    chain: str = "heavy",
    regions: Sequence[str | None] | None = None,
    imgt_positions: dict[int, str] | None = None,
    catalogue: Iterable[Motif] | None = None,
    extra_motifs: Iterable[Motif] = (),
) -> list[Liability]:
    """Scan one chain. ``regions`` (one label per residue, ``None`` outside the V domain)
    comes from numbering; without it the chain is treated as a non-antibody protein.

    ``imgt_positions`` maps 0-based chain index to IMGT number, for the cysteine check.
    """
    motifs = tuple(catalogue if catalogue is not None else default_catalogue()) + tuple(
        extra_motifs
    )
    found: list[Liability] = []
    for motif in motifs:
        for match in re.finditer(motif.pattern, sequence):
            index = match.start()
            region = _region_of(regions, index)
            in_domain = regions is not None and regions[index] is not None
            if (motif.scope == "variable" and not in_domain) or (
                motif.scope == "constant" and in_domain
            ):
                continue
            span = re.match(
                motif.pattern.removeprefix("^").replace("(?=", "(", 1), sequence[index:]
            )
            residues = span.group(0) if span and span.group(0) else sequence[index]
            found.append(
                Liability(
                    motif.motif,
                    motif.category,
                    chain,
                    index + 1,
                    residues,
                    region,
                    _risk(motif, region),
                    motif.source,
                )
            )
    found += _cysteines(sequence, chain, regions, imgt_positions)
    if regions is not None:
        found += _patches(sequence, chain, regions)
    return sorted(found, key=lambda h: (h.position, h.motif))


def _cysteines(
    sequence: str,
    chain: str,
    regions: Sequence[str | None] | None,
    imgt_positions: dict[int, str] | None,
) -> list[Liability]:
    out = []
    if regions is not None and imgt_positions is not None:
        for index, residue in enumerate(sequence):
            if residue != "C" or regions[index] is None:
                continue
            if imgt_positions.get(index) not in CANONICAL_CYSTEINES:
                region = str(regions[index])
                out.append(
                    Liability(
                        "unpaired C",
                        "unpaired cysteine",
                        chain,
                        index + 1,
                        "C",
                        region,
                        "high",
                        "jarasch2015",
                    )
                )
    elif regions is None and sequence.count("C") % 2 == 1:
        # Without a domain model only the parity says a cysteine must be free.
        first = sequence.index("C")
        out.append(
            Liability(
                "odd number of C",
                "unpaired cysteine",
                chain,
                first + 1,
                "C",
                "unnumbered",
                "medium",
                "jarasch2015",
            )
        )
    return out


def risk_counts(liabilities: Iterable[Liability]) -> dict[str, int]:
    """Number of liabilities at each risk level.

    >>> risk_counts([])
    {'high': 0, 'medium': 0, 'low': 0}
    """
    counts = dict.fromkeys(RISKS, 0)
    for hit in liabilities:
        counts[hit.risk] += 1
    return counts
