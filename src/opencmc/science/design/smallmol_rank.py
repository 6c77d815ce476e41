"""The risk table of a small molecule and the ranking of a series by developability risk.

Each area gets a level (low, medium, high) by a stated cut-off, so that a reader can
disagree with a cut-off rather than with a black box:

==========================  ==========================================================
area                        level
==========================  ==========================================================
mutagenicity (ICH M7)       highest level among the M7 alerts, nitrosamine precursors aside
nitrosamine                 high: N-nitroso present; medium: secondary amine; low: tertiary
synthesis (SA score)        low <= 4.5 < medium <= 6 < high (Ertl & Schuffenhauer 2009)
solubility (ESOL)           low: log S >= -4; medium: -6 <= log S < -4; high: < -6
drug-likeness               failed rule sets (of Lipinski, Veber, Ghose, Egan): 0, 1-2, 3+
stereochemistry             undefined stereo elements: 0 low, 1-2 medium, 3+ high
assay interference (PAINS)  any PAINS alert: medium
unwanted groups (Brenk)     any Brenk alert: low (listed for review)
==========================  ==========================================================

The risk score is 3 per high and 1 per medium area; a series is ranked by risk score,
then by QED (higher first), then by SA score (lower first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

LEVELS = ("low", "medium", "high")
_WEIGHT = {"low": 0, "medium": 1, "high": 3}
AREAS = (
    "mutagenicity (ICH M7)",
    "nitrosamine",
    "synthesis (SA score)",
    "solubility (ESOL)",
    "drug-likeness",
    "stereochemistry",
    "assay interference (PAINS)",
    "unwanted groups (Brenk)",
)


@dataclass(frozen=True)
class Risk:
    """One area of the risk table: its level and the finding behind it."""

    area: str
    level: str
    finding: str

    def to_dict(self) -> dict[str, Any]:
        return {"area": self.area, "level": self.level, "finding": self.finding}


def _max_level(levels: Iterable[str]) -> str:
    best = "low"
    for level in levels:
        if _WEIGHT[level] > _WEIGHT[best]:
            best = level
    return best


def risk_score(risks: Iterable[Risk]) -> int:
    return sum(_WEIGHT[r.level] for r in risks)


def assess_risks(
    *,
    descriptors: Any,
    stereo: Sequence[Any],
    rules: Sequence[Any],
    qed: float,
    sa_score: float | None,
    esol: Any,
    alerts: Sequence[Any],
    standardisation: Any,
) -> tuple[Risk, ...]:
    """The risk table of one molecule from what :func:`profile` computed."""
    del descriptors, qed, standardisation  # part of the contract; not used by these cut-offs
    risks: list[Risk] = []

    m7 = [a for a in alerts if a.family == "ICH M7" and a.category != "nitrosamine precursor"]
    if m7:
        level = _max_level(a.level for a in m7)
        names = ", ".join(sorted({a.name for a in m7}))
        risks.append(
            Risk(AREAS[0], level, f"ICH M7 alerts: {names}; assess by (Q)SAR and expert review")
        )
    else:
        risks.append(Risk(AREAS[0], "low", "no ICH M7 alert"))

    nitroso = [a for a in alerts if a.family == "ICH M7" and a.category == "N-nitroso"]
    precursors = [a for a in alerts if a.category == "nitrosamine precursor"]
    if nitroso:
        risks.append(Risk(AREAS[1], "high", "N-nitroso group present (cohort of concern)"))
    elif any(a.name.startswith("secondary") for a in precursors):
        risks.append(
            Risk(
                AREAS[1],
                "medium",
                "secondary amine: nitrosatable to an NDSRI; assess nitrite sources",
            )
        )
    elif precursors:
        risks.append(Risk(AREAS[1], "low", "tertiary amine: nitrosatable after dealkylation"))
    else:
        risks.append(Risk(AREAS[1], "low", "no nitrosatable amine"))

    if sa_score is None:
        risks.append(Risk(AREAS[2], "low", "SA score not available in this RDKit installation"))
    else:
        level = "low" if sa_score <= 4.5 else "medium" if sa_score <= 6 else "high"
        risks.append(Risk(AREAS[2], level, f"SA score {sa_score:.2f} (1 easy to 10 very hard)"))

    log_s = esol.log_s
    level = "low" if log_s >= -4 else "medium" if log_s >= -6 else "high"
    risks.append(
        Risk(
            AREAS[3], level, f"ESOL log S {log_s:.2f} ({esol.solubility_class}; +/- 0.9 log units)"
        )
    )

    failed = [r.name for r in rules if not r.passed]
    level = "low" if not failed else "medium" if len(failed) <= 2 else "high"
    risks.append(
        Risk(AREAS[4], level, "fails " + ", ".join(failed) if failed else "passes all rule sets")
    )

    undefined = [s for s in stereo if not s.defined]
    defined = len(stereo) - len(undefined)
    level = "low" if not undefined else "medium" if len(undefined) <= 2 else "high"
    if undefined:
        where = ", ".join(f"{s.kind} at atom(s) {list(s.atoms)}" for s in undefined)
        finding = f"{len(undefined)} undefined stereo element(s): {where}; specify or control"
    elif defined:
        finding = f"{defined} defined stereo element(s): stereochemical purity needs control"
    else:
        finding = "achiral"
    risks.append(Risk(AREAS[5], level, finding))

    pains = [a.name for a in alerts if a.family.startswith("PAINS")]
    risks.append(
        Risk(AREAS[6], "medium", "PAINS: " + ", ".join(pains))
        if pains
        else Risk(AREAS[6], "low", "no PAINS alert")
    )
    brenk = [a.name for a in alerts if a.family == "Brenk"]
    risks.append(Risk(AREAS[7], "low", "Brenk: " + ", ".join(brenk) if brenk else "no Brenk alert"))
    return tuple(risks)


class _Profiled(Protocol):
    name: str
    parent_smiles: str
    qed: float
    sa_score: float | None
    risks: tuple[Risk, ...]

    @property
    def esol_log_s(self) -> float: ...


@dataclass(frozen=True)
class RankedCandidate:
    rank: int
    name: str
    parent_smiles: str
    risk_score: int
    qed: float
    sa_score: float | None
    esol_log_s: float
    levels: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "name": self.name,
            "parent_smiles": self.parent_smiles,
            "risk_score": self.risk_score,
            "qed": self.qed,
            "sa_score": self.sa_score,
            "esol_log_s": self.esol_log_s,
            "levels": dict(self.levels),
        }


def risk_table(profiles: Iterable[_Profiled]) -> list[dict[str, Any]]:
    """One row per molecule: name, parent and the level of each risk area."""
    rows = []
    for p in profiles:
        row: dict[str, Any] = {"name": p.name, "parent_smiles": p.parent_smiles}
        row.update({r.area: r.level for r in p.risks})
        row["risk_score"] = risk_score(p.risks)
        rows.append(row)
    return rows


def rank(profiles: Iterable[_Profiled]) -> list[RankedCandidate]:
    """Order a series from least to most developability risk (ties: higher QED, lower SA)."""
    items = list(profiles)

    def key(p: _Profiled) -> tuple[float, float, float]:
        sa = p.sa_score if p.sa_score is not None else 10.0
        return (risk_score(p.risks), -p.qed, sa)

    ordered = sorted(items, key=key)
    return [
        RankedCandidate(
            rank=i + 1,
            name=p.name,
            parent_smiles=p.parent_smiles,
            risk_score=risk_score(p.risks),
            qed=p.qed,
            sa_score=p.sa_score,
            esol_log_s=p.esol_log_s,
            levels={r.area: r.level for r in p.risks},
        )
        for i, p in enumerate(ordered)
    ]
