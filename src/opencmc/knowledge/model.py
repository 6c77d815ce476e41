"""Typed, immutable records of the CMC knowledge base: guidelines, CTD sections, activities."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from opencmc.knowledge.vocabulary import Modality, Stage


class Confidence(StrEnum):
    """How well a fact is verified, as tagged in the CMC fact sheet.

    V: checked against a retrieved copy of the source. G: stated from the named guideline as
    widely published, to be re-checked before it becomes a hard rule. U: uncertain or
    secondary-source only; advisory text, never a blocking rule.
    """

    VERIFIED = "V"
    GUIDELINE = "G"
    UNCERTAIN = "U"

    @property
    def label(self) -> str:
        return {"V": "verified", "G": "as published, re-check", "U": "uncertain, advisory"}[
            self.value
        ]


# Service categories a roadmap gap maps to in the marketplace; kept small and stable so that
# offerings can name the same words.
SERVICE_CATEGORIES: tuple[str, ...] = (
    "product_design",
    "cell_line_and_banking",
    "process_development",
    "formulation",
    "analytical_development",
    "characterisation",
    "safety_testing",
    "stability",
    "gmp_manufacturing",
    "regulatory",
)


class Cost(NamedTuple):
    """A typical cost range; a planning prior, never a quote."""

    min: float
    max: float
    currency: str

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max, "currency": self.currency}


@dataclass(frozen=True)
class Estimate:
    """Typical duration and cost of an activity, with where the figures come from."""

    duration_weeks: tuple[float, float]
    cost: Cost
    source: str
    confidence: Confidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "duration_weeks": {"min": self.duration_weeks[0], "max": self.duration_weeks[1]},
            "cost": self.cost.to_dict(),
            "source": self.source,
            "confidence": self.confidence.value,
        }


@dataclass(frozen=True)
class Guideline:
    """A guideline or guidance document an activity or rule cites (ICH, FDA, EMA, WHO)."""

    id: str
    title: str
    issuer: str
    scope: str
    status: str
    modalities: frozenset[Modality]
    source: str
    confidence: Confidence

    def applies_to(self, modality: Modality) -> bool:
        return modality in self.modalities

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "issuer": self.issuer,
            "scope": self.scope,
            "status": self.status,
            "modalities": sorted(m.value for m in self.modalities),
            "source": self.source,
            "confidence": self.confidence.value,
        }


@dataclass(frozen=True)
class CtdSection:
    """A heading of CTD Module 2.3 or Module 3 (ICH M4Q(R1) numbering)."""

    number: str
    title: str
    parent: str | None
    note: str
    source: str
    confidence: Confidence

    @property
    def module(self) -> str:
        return "2" if self.number.startswith("2") else "3"

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "title": self.title,
            "parent": self.parent,
            "note": self.note,
            "source": self.source,
            "confidence": self.confidence.value,
        }


@dataclass(frozen=True)
class ReleaseTest:
    """One attribute of a typical release panel: a specification template line."""

    attribute: str
    method: str
    acceptance_criterion: str
    category: str
    source: str
    confidence: Confidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "attribute": self.attribute,
            "method": self.method,
            "acceptance_criterion": self.acceptance_criterion,
            "category": self.category,
            "source": self.source,
            "confidence": self.confidence.value,
        }


@dataclass(frozen=True)
class ReleasePanel:
    """Typical clinical-stage release tests of one material of one modality (illustrative)."""

    id: str
    modality: Modality
    material: str
    title: str
    tests: tuple[ReleaseTest, ...]
    source: str
    confidence: Confidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "modality": self.modality.value,
            "material": self.material,
            "title": self.title,
            "tests": [t.to_dict() for t in self.tests],
            "source": self.source,
            "confidence": self.confidence.value,
        }


@dataclass(frozen=True)
class Activity:
    """A unit of CMC work: what it delivers, for which modalities, by when, citing what.

    ``needed_by`` maps a target milestone to the stage the activity must be finished before;
    a milestone absent from it means the activity is not needed for that milestone, and
    ``not_needed_reason`` says why when the deferral is deliberate (phase-appropriate CMC).
    ``depends_on`` counts for a modality only where the dependency applies to it, so one
    activity can depend on the cell line for an antibody and on the route for a small molecule.
    ``blocking`` is False for advisory work; an activity tagged U is never blocking.
    """

    id: str
    title: str
    delivers: str
    category: str
    modalities: frozenset[Modality]
    needed_by: Mapping[Stage, Stage] = field(hash=False)
    not_needed_reason: Mapping[Stage, str] = field(hash=False)
    guidelines: tuple[str, ...]
    ctd_sections: tuple[str, ...]
    depends_on: tuple[str, ...]
    duration_weeks: tuple[float, float]
    cost: Cost
    evidence: tuple[str, ...]
    source: str
    confidence: Confidence
    blocking: bool
    estimate_source: str
    estimate_confidence: Confidence
    estimate_overrides: Mapping[Modality, Estimate] = field(hash=False)
    note: str = ""

    def applies_to(self, modality: Modality) -> bool:
        return modality in self.modalities

    def is_needed_for(self, target: Stage) -> bool:
        return target in self.needed_by

    def due_stage(self, target: Stage) -> Stage | None:
        """The stage this activity must be finished before, for ``target``; None if not needed."""
        return self.needed_by.get(target)

    def first_needed_for(self) -> Stage | None:
        """The earliest milestone that needs this activity."""
        return min(self.needed_by, key=lambda s: s.order) if self.needed_by else None

    def estimate(self, modality: Modality) -> Estimate:
        """Duration and cost for ``modality``: its own figures if the data give them."""
        override = self.estimate_overrides.get(modality)
        if override is not None:
            return override
        return Estimate(
            self.duration_weeks, self.cost, self.estimate_source, self.estimate_confidence
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "delivers": self.delivers,
            "category": self.category,
            "modalities": sorted(m.value for m in self.modalities),
            "needed_by": {t.value: s.value for t, s in self.needed_by.items()},
            "not_needed_reason": {t.value: r for t, r in self.not_needed_reason.items()},
            "guidelines": list(self.guidelines),
            "ctd_sections": list(self.ctd_sections),
            "depends_on": list(self.depends_on),
            "duration_weeks": {"min": self.duration_weeks[0], "max": self.duration_weeks[1]},
            "cost": self.cost.to_dict(),
            "evidence": list(self.evidence),
            "source": self.source,
            "confidence": self.confidence.value,
            "blocking": self.blocking,
            "estimate_source": self.estimate_source,
            "estimate_confidence": self.estimate_confidence.value,
            "estimate_overrides": {
                m.value: e.to_dict() for m, e in self.estimate_overrides.items()
            },
            "note": self.note,
        }


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything loaded from the data files, validated; build it with ``load_knowledge``."""

    activities: Mapping[str, Activity] = field(hash=False)
    guidelines: Mapping[str, Guideline] = field(hash=False)
    ctd_sections: Mapping[str, CtdSection] = field(hash=False)
    release_panels: Mapping[Modality, tuple[ReleasePanel, ...]] = field(hash=False)
    milestones: tuple[Stage, ...]
    modality_groups: Mapping[str, frozenset[Modality]] = field(hash=False)
    modality_aliases: Mapping[str, Modality] = field(hash=False)
    stage_aliases: Mapping[str, Stage] = field(hash=False)
    path: str

    def activities_for(self, modality: Modality) -> tuple[Activity, ...]:
        """Activities that apply to ``modality``, in knowledge-base order."""
        return tuple(a for a in self.activities.values() if a.applies_to(modality))

    def modality(self, text: str | Modality) -> Modality:
        """Parse a modality from its value or an alias (e.g. ``mab``); ValueError if unknown."""
        if isinstance(text, Modality):
            return text
        key = _alias_key(text)
        if key in self.modality_aliases:
            return self.modality_aliases[key]
        known = ", ".join(sorted(self.modality_aliases))
        raise ValueError(f"unknown modality {text!r}; expected one of: {known}")

    def stage(self, text: str | Stage) -> Stage:
        """Parse a stage from its value or an alias (e.g. ``phase1``); ValueError if unknown."""
        if isinstance(text, Stage):
            return text
        key = _alias_key(text)
        if key in self.stage_aliases:
            return self.stage_aliases[key]
        known = ", ".join(sorted(self.stage_aliases))
        raise ValueError(f"unknown stage {text!r}; expected one of: {known}")


def _alias_key(text: str) -> str:
    # "Phase 1", "phase-1" and "phase_1" name the same stage
    return "_".join(text.strip().lower().replace("-", " ").split())
