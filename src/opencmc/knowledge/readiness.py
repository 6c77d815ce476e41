"""Readiness for a milestone: what is done, what is missing and what blocks, from statuses.

A pure function of a roadmap and the status of each activity; storing statuses and evidence
(and auditing their changes) is the platform's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opencmc.knowledge.model import Activity, Cost
from opencmc.knowledge.roadmap import NotNeeded, Roadmap
from opencmc.knowledge.vocabulary import Stage

STATUSES: tuple[str, ...] = ("not_started", "in_progress", "done")


@dataclass(frozen=True)
class ActivityReadiness:
    """Status of one activity of the roadmap (scheduled or prerequisite)."""

    activity_id: str
    title: str
    status: str
    due_stage: Stage
    prerequisite: bool
    critical: bool
    blocking: bool
    waiting_on: tuple[str, ...]  # dependencies not done yet
    guidelines: tuple[str, ...]
    ctd_sections: tuple[str, ...]

    @property
    def done(self) -> bool:
        return self.status == "done"

    @property
    def blocked(self) -> bool:
        return not self.done and bool(self.waiting_on)

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "title": self.title,
            "status": self.status,
            "due_stage": self.due_stage.value,
            "prerequisite": self.prerequisite,
            "critical": self.critical,
            "blocking": self.blocking,
            "blocked": self.blocked,
            "waiting_on": list(self.waiting_on),
            "guidelines": list(self.guidelines),
            "ctd_sections": list(self.ctd_sections),
        }


@dataclass(frozen=True)
class SectionReadiness:
    """Readiness of one CTD section: the activities feeding it, done out of total."""

    number: str
    done: int
    total: int
    gaps: tuple[str, ...]  # activity ids not done

    @property
    def fraction_done(self) -> float:
        return self.done / self.total if self.total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "done": self.done,
            "total": self.total,
            "fraction_done": self.fraction_done,
            "gaps": list(self.gaps),
        }


@dataclass(frozen=True)
class Gap:
    """An activity needed for the milestone that is not done, with what to cite for it."""

    activity_id: str
    title: str
    status: str
    category: str
    guidelines: tuple[str, ...]
    ctd_sections: tuple[str, ...]
    blocks_milestone: bool  # False for advisory work (U-tagged or marked non-blocking)
    due_stage: Stage
    critical: bool
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "title": self.title,
            "status": self.status,
            "category": self.category,
            "guidelines": list(self.guidelines),
            "ctd_sections": list(self.ctd_sections),
            "blocks_milestone": self.blocks_milestone,
            "due_stage": self.due_stage.value,
            "critical": self.critical,
            "source": self.source,
        }


@dataclass(frozen=True)
class ServiceRequest:
    """A gap phrased as a service to request in the marketplace."""

    activity_id: str
    title: str
    category: str
    delivers: str
    modality: str
    duration_weeks: tuple[float, float]
    cost: Cost
    guidelines: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "activity_id": self.activity_id,
            "title": self.title,
            "category": self.category,
            "delivers": self.delivers,
            "modality": self.modality,
            "duration_weeks": {"min": self.duration_weeks[0], "max": self.duration_weeks[1]},
            "cost": self.cost.to_dict(),
            "guidelines": list(self.guidelines),
        }


@dataclass(frozen=True)
class Readiness:
    """Where a program stands against its roadmap's milestone."""

    roadmap: Roadmap = field(repr=False)
    by_activity: Mapping[str, ActivityReadiness] = field(hash=False)
    by_ctd_section: Mapping[str, SectionReadiness] = field(hash=False)
    gaps: tuple[Gap, ...]
    blocked: tuple[str, ...]
    ignored: tuple[str, ...]  # statuses given for activities outside this roadmap

    @property
    def fraction_done(self) -> float:
        total = len(self.by_activity)
        return sum(a.done for a in self.by_activity.values()) / total if total else 1.0

    @property
    def blocking_gaps(self) -> tuple[Gap, ...]:
        return tuple(g for g in self.gaps if g.blocks_milestone)

    @property
    def ready(self) -> bool:
        """True when nothing that blocks the milestone is missing."""
        return not self.blocking_gaps

    @property
    def not_needed(self) -> tuple[NotNeeded, ...]:
        return self.roadmap.not_needed

    def service_requests(self, include_in_progress: bool = False) -> list[ServiceRequest]:
        """The gaps as services to request, in schedule order.

        Work already in progress is left out unless ``include_in_progress``: someone is
        doing it.
        """
        out = []
        for gap in self.gaps:
            if gap.status == "in_progress" and not include_in_progress:
                continue
            activity = _activity(self.roadmap, gap.activity_id)
            estimate = activity.estimate(self.roadmap.modality)
            out.append(
                ServiceRequest(
                    activity_id=gap.activity_id,
                    title=gap.title,
                    category=gap.category,
                    delivers=activity.delivers,
                    modality=self.roadmap.modality.value,
                    duration_weeks=estimate.duration_weeks,
                    cost=estimate.cost,
                    guidelines=gap.guidelines,
                )
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "modality": self.roadmap.modality.value,
            "current_stage": self.roadmap.current_stage.value,
            "target": self.roadmap.target.value,
            "fraction_done": self.fraction_done,
            "ready": self.ready,
            "by_activity": {k: v.to_dict() for k, v in self.by_activity.items()},
            "by_ctd_section": {k: v.to_dict() for k, v in self.by_ctd_section.items()},
            "gaps": [g.to_dict() for g in self.gaps],
            "blocked": list(self.blocked),
            "not_needed": [n.to_dict() for n in self.not_needed],
            "ignored": list(self.ignored),
        }


def assess_readiness(roadmap: Roadmap, statuses: Mapping[str, str]) -> Readiness:
    """Readiness of ``roadmap``'s milestone given each activity's status.

    ``statuses`` maps activity id to "not_started", "in_progress" or "done"; a missing id is
    not started. Statuses of activities outside the roadmap are ignored (listed in
    ``ignored``), because a program keeps its history when its target changes. Raises
    ValueError naming the activity whose status is not one of the three.

    >>> from opencmc.knowledge.roadmap import build_roadmap
    >>> rm = build_roadmap("mab", "candidate_optimisation", "phase_1")
    >>> assess_readiness(rm, {"qtpp_and_cqa_assessment": "done"}).by_activity[
    ...     "qtpp_and_cqa_assessment"].done
    True
    """
    for aid, status in statuses.items():
        if status not in STATUSES:
            raise ValueError(
                f"activity {aid!r}: status {status!r} is not one of {', '.join(STATUSES)}"
            )
    # prerequisites first (they come before the current stage), then the schedule
    entries: list[tuple[Activity, Stage, bool, bool, tuple[str, ...], tuple[str, ...]]] = []
    in_roadmap = {a.id for a in roadmap.prerequisites} | set(roadmap.activity_ids)
    for a in roadmap.prerequisites:
        due = a.due_stage(roadmap.target) or roadmap.target
        deps = tuple(d for d in a.depends_on if d in in_roadmap)
        entries.append((a, due, True, False, deps, roadmap.guidelines_for(a.id)))
    for item in roadmap.items:
        entries.append(
            (item.activity, item.due_stage, False, item.critical, item.depends_on, item.guidelines)
        )

    def status_of(aid: str) -> str:
        return statuses.get(aid, "not_started")

    by_activity: dict[str, ActivityReadiness] = {}
    for a, due, prerequisite, critical, deps, guidelines in entries:
        by_activity[a.id] = ActivityReadiness(
            activity_id=a.id,
            title=a.title,
            status=status_of(a.id),
            due_stage=due,
            prerequisite=prerequisite,
            critical=critical,
            blocking=a.blocking,
            waiting_on=tuple(d for d in deps if status_of(d) != "done"),
            guidelines=guidelines,
            ctd_sections=a.ctd_sections,
        )

    gaps = tuple(
        Gap(
            activity_id=r.activity_id,
            title=r.title,
            status=r.status,
            category=_activity(roadmap, r.activity_id).category,
            guidelines=r.guidelines,
            ctd_sections=r.ctd_sections,
            blocks_milestone=r.blocking,
            due_stage=r.due_stage,
            critical=r.critical,
            source=_activity(roadmap, r.activity_id).source,
        )
        for r in by_activity.values()
        if not r.done
    )
    return Readiness(
        roadmap=roadmap,
        by_activity=by_activity,
        by_ctd_section=_by_section(by_activity),
        gaps=gaps,
        blocked=tuple(r.activity_id for r in by_activity.values() if r.blocked),
        ignored=tuple(sorted(aid for aid in statuses if aid not in in_roadmap)),
    )


def _activity(roadmap: Roadmap, activity_id: str) -> Activity:
    if activity_id in roadmap:
        return roadmap.item(activity_id).activity
    return next(a for a in roadmap.prerequisites if a.id == activity_id)


def _by_section(by_activity: Mapping[str, ActivityReadiness]) -> dict[str, SectionReadiness]:
    members: dict[str, list[ActivityReadiness]] = {}
    for r in by_activity.values():
        for number in r.ctd_sections:
            members.setdefault(number, []).append(r)
    return {
        number: SectionReadiness(
            number=number,
            done=sum(r.done for r in rows),
            total=len(rows),
            gaps=tuple(r.activity_id for r in rows if not r.done),
        )
        for number, rows in sorted(members.items(), key=lambda kv: _section_key(kv[0]))
    }


def _section_key(number: str) -> tuple[tuple[int, str], ...]:
    # CTD order: 2.3 before 3.2; within a level numbers sort numerically, S before P before A
    letter_order = {"S": 0, "P": 1, "A": 2, "R": 3}
    parts = []
    for part in number.split("."):
        if part.isdigit():
            parts.append((int(part), ""))
        else:
            parts.append((letter_order.get(part, 9), part))
    return tuple(parts)
