"""IMGT numbering, CDRs by IMGT, Kabat and Chothia, and closest human germlines, via ANARCI.

ANARCI (Dunbar and Deane, Bioinformatics 2016; PyPI ``anarci``) aligns each chain to
hidden Markov models of antibody V domains with HMMER's ``hmmscan`` (Debian package
``hmmer``); its models and germline sets ship inside the wheel, so nothing is fetched at
run time. A chain that no model aligns to is reported as not numbered, never guessed.

CDR definitions on each scheme's own numbering (as in SAbDab and abYsis):

- IMGT (Lefranc et al. 2003): CDR1 27-38, CDR2 56-65, CDR3 105-117, both chains.
- Kabat (Kabat et al. 1991): H 31-35B, 50-65, 95-102; L 24-34, 50-56, 89-97.
- Chothia (Al-Lazikani et al. 1997): H 26-32, 52-56, 95-102; L 24-34, 50-56, 89-97.

>>> n = number_chains(["EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKG"
...                    "RFTISADTSKNTAYLQMNSLRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"])[0]
>>> n.chain_type, n.cdrs["imgt"]["CDR3"]
('H', 'SRWGGDGFYAMDY')
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SCHEMES = ("imgt", "kabat", "chothia")
_CDR_RANGES = {
    ("imgt", "H"): ((27, 38), (56, 65), (105, 117)),
    ("imgt", "L"): ((27, 38), (56, 65), (105, 117)),
    ("kabat", "H"): ((31, 35), (50, 65), (95, 102)),
    ("kabat", "L"): ((24, 34), (50, 56), (89, 97)),
    ("chothia", "H"): ((26, 32), (52, 56), (95, 102)),
    ("chothia", "L"): ((24, 34), (50, 56), (89, 97)),
}


class NumberingUnavailable(RuntimeError):
    """ANARCI or HMMER's ``hmmscan`` is not installed."""


@dataclass(frozen=True)
class ChainNumbering:
    """A numbered V domain inside a chain (0-based ``start``/``end`` in the chain, inclusive).

    ``positions`` holds the IMGT number (e.g. ``"111A"``) of each residue of the domain,
    ``regions[scheme]`` the region (``FR1``, ``CDR1``, ... ``FR4``) of each residue of the
    whole chain, ``None`` outside the V domain (e.g. constant domains).
    """

    sequence: str
    chain_type: str  # H, K or L
    start: int
    end: int
    positions: tuple[str, ...]
    regions: dict[str, tuple[str | None, ...]]
    cdrs: dict[str, dict[str, str]]
    v_gene: str | None = None
    v_identity: float | None = None
    j_gene: str | None = None
    j_identity: float | None = None
    species: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def locus(self) -> str:
        """``H`` for heavy, ``L`` for a kappa or lambda light chain."""
        return "H" if self.chain_type == "H" else "L"

    @property
    def domain(self) -> str:
        return self.sequence[self.start : self.end + 1]

    def to_dict(self) -> dict[str, Any]:
        return {
            "chain_type": self.chain_type,
            "domain_start": self.start + 1,
            "domain_end": self.end + 1,
            "imgt_positions": list(self.positions),
            "cdrs": self.cdrs,
            "v_gene": self.v_gene,
            "v_identity": self.v_identity,
            "j_gene": self.j_gene,
            "j_identity": self.j_identity,
            "species": self.species,
        }


def _anarci():
    if shutil.which("hmmscan") is None:
        raise NumberingUnavailable(
            "antibody numbering needs HMMER's hmmscan on PATH (Debian/Ubuntu: apt-get "
            "install hmmer)"
        )
    try:
        from anarci import anarci
    except ImportError as exc:  # pragma: no cover - the dependency is declared
        raise NumberingUnavailable("antibody numbering needs ANARCI: pip install anarci") from exc
    return anarci


def _region(scheme: str, locus: str, number: int) -> str:
    c1, c2, c3 = _CDR_RANGES[(scheme, locus)]
    for label, (lo, hi), before in (("CDR1", c1, "FR1"), ("CDR2", c2, "FR2"), ("CDR3", c3, "FR3")):
        if number < lo:
            return before
        if number <= hi:
            return label
    return "FR4"


def _walk(numbering: list, start: int) -> list[tuple[int, int, str]]:
    """(index in chain, number, insertion) of each residue of an ANARCI domain."""
    out, index = [], start
    for (number, insertion), residue in numbering:
        if residue == "-":
            continue
        out.append((index, number, insertion.strip()))
        index += 1
    return out


def number_chains(
    sequences: Sequence[str], species: Sequence[str] = ("human",)
) -> list[ChainNumbering | None]:
    """Number each chain (its first V domain) in IMGT, Kabat and Chothia; ``None`` if none.

    Germline V and J genes and their identities come from the IMGT run against the
    ``species`` germline sets that ANARCI ships (human by default: humanness).
    """
    if not sequences:
        return []
    anarci = _anarci()
    named = [(f"s{i}", s) for i, s in enumerate(sequences)]
    runs = {}
    for scheme in SCHEMES:
        kwargs: dict[str, Any] = {"scheme": scheme, "output": False}
        if scheme == "imgt":
            kwargs.update(assign_germline=True, allowed_species=list(species))
        numbered, details, _ = anarci(named, **kwargs)
        runs[scheme] = (numbered, details)
    results: list[ChainNumbering | None] = []
    for i, seq in enumerate(sequences):
        numbered, details = runs["imgt"]
        if numbered[i] is None or not numbered[i]:
            results.append(None)
            continue
        _domain, start, end = numbered[i][0]
        info = details[i][0]
        chain_type = info["chain_type"]
        locus = "H" if chain_type == "H" else "L"
        regions: dict[str, list[str | None]] = {}
        cdrs: dict[str, dict[str, str]] = {}
        positions: tuple[str, ...] = ()
        for scheme in SCHEMES:
            s_numbered = runs[scheme][0][i]
            labels: list[str | None] = [None] * len(seq)
            if s_numbered:
                s_domain, s_start, _ = s_numbered[0]
                walked = _walk(s_domain, s_start)
                for index, number, _ins in walked:
                    labels[index] = _region(scheme, locus, number)
                if scheme == "imgt":
                    positions = tuple(f"{n}{ins}" for _, n, ins in walked)
            regions[scheme] = labels
            cdrs[scheme] = {
                c: "".join(seq[k] for k, lab in enumerate(labels) if lab == c)
                for c in ("CDR1", "CDR2", "CDR3")
            }
        germ = info.get("germlines") or {}
        v = germ.get("v_gene") or [None, None]
        j = germ.get("j_gene") or [None, None]
        results.append(
            ChainNumbering(
                sequence=seq,
                chain_type=chain_type,
                start=start,
                end=end,
                positions=positions,
                regions={k: tuple(v_) for k, v_ in regions.items()},
                cdrs=cdrs,
                v_gene=v[0][1] if v[0] else None,
                v_identity=float(v[1]) if v[1] is not None else None,
                j_gene=j[0][1] if j[0] else None,
                j_identity=float(j[1]) if j[1] is not None else None,
                species=v[0][0] if v[0] else None,
            )
        )
    return results
