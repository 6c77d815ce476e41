"""The roadmap engine: the CMC activities a program needs for a milestone, scheduled.

Scheduling is the critical path method on the activity dependency graph: every activity
starts as soon as all its dependencies have finished. It is run twice, once with the shortest
and once with the longest typical durations; the critical path, slack and the reported start
and finish weeks come from the longest (the conservative plan), the optimistic weeks from the
shortest. Costs are summed over all activities, not only the critical ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from opencmc.knowledge.loader import load_knowledge
from opencmc.knowledge.model import Activity, Confidence, Cost, KnowledgeBase
from opencmc.knowledge.vocabulary import Modality, Stage

if TYPE_CHECKING:
    import pandas as pd

# Floating-point sums of week counts: treat differences below this as zero slack.
_EPS = 1e-9


@dataclass(frozen=True)
class RoadmapItem:
    """One scheduled activity. Weeks count from the start of the plan (week 0).

    ``earliest_start_weeks`` and ``earliest_finish_weeks`` use the longest typical durations;
    ``optimistic_start_weeks`` and ``optimistic_finish_weeks`` the shortest.
    """

    activity: Activity
    due_stage: Stage
    duration_weeks: tuple[float, float]
    cost: Cost
    estimate_source: str
    estimate_confidence: Confidence
    guidelines: tuple[str, ...]
    depends_on: tuple[str, ...]
    earliest_start_weeks: float
    earliest_finish_weeks: float
    optimistic_start_weeks: float
    optimistic_finish_weeks: float
    latest_finish_weeks: float
    slack_weeks: float
    critical: bool

    @property
    def id(self) -> str:
        return self.activity.id

    def to_dict(self) -> dict[str, Any]:
        a = self.activity
        return {
            "id": a.id,
            "title": a.title,
            "delivers": a.delivers,
            "category": a.category,
            "due_stage": self.due_stage.value,
            "duration_weeks": {"min": self.duration_weeks[0], "max": self.duration_weeks[1]},
            "cost": self.cost.to_dict(),
            "estimate_source": self.estimate_source,
            "estimate_confidence": self.estimate_confidence.value,
            "earliest_start_weeks": self.earliest_start_weeks,
            "earliest_finish_weeks": self.earliest_finish_weeks,
            "optimistic_start_weeks": self.optimistic_start_weeks,
            "optimistic_finish_weeks": self.optimistic_finish_weeks,
            "latest_finish_weeks": self.latest_finish_weeks,
            "slack_weeks": self.slack_weeks,
            "critical": self.critical,
            "depends_on": list(self.depends_on),
            "guidelines": list(self.guidelines),
            "ctd_sections": list(a.ctd_sections),
            "evidence": list(a.evidence),
            "blocking": a.blocking,
            "source": a.source,
            "confidence": a.confidence.value,
            "note": a.note,
        }


@dataclass(frozen=True)
class NotNeeded:
    """An activity of the modality deliberately not needed yet for the target milestone."""

    activity: Activity
    reason: str
    needed_from: Stage | None
    stated: bool  # True when the knowledge base gives the reason, False when derived

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.activity.id,
            "title": self.activity.title,
            "reason": self.reason,
            "needed_from": self.needed_from.value if self.needed_from else None,
            "stated": self.stated,
            "guidelines": list(self.activity.guidelines),
        }


@dataclass(frozen=True)
class Roadmap:
    """The phase-appropriate CMC plan of one modality from its current stage to a milestone.

    ``items`` are in schedule order. ``prerequisites`` are activities the target needs that
    were due before the current stage: a program at that stage should already have them, so
    they are not scheduled, but readiness still checks them.
    """

    modality: Modality
    current_stage: Stage
    target: Stage
    items: tuple[RoadmapItem, ...]
    prerequisites: tuple[Activity, ...]
    not_needed: tuple[NotNeeded, ...]
    critical_path: tuple[str, ...]
    duration_weeks: tuple[float, float]
    cost: Cost
    _index: Mapping[str, RoadmapItem] = field(repr=False, compare=False, hash=False)
    _guidelines: Mapping[str, tuple[str, ...]] = field(repr=False, compare=False, hash=False)

    def item(self, activity_id: str) -> RoadmapItem:
        """The scheduled item of ``activity_id``; KeyError naming it if not in the roadmap."""
        try:
            return self._index[activity_id]
        except KeyError:
            raise KeyError(f"activity {activity_id!r} is not scheduled in this roadmap") from None

    def guidelines_for(self, activity_id: str) -> tuple[str, ...]:
        """Guidelines an activity of this roadmap cites that apply to its modality."""
        return self._guidelines[activity_id]

    def __contains__(self, activity_id: object) -> bool:
        return activity_id in self._index

    @property
    def activity_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "modality": self.modality.value,
            "current_stage": self.current_stage.value,
            "target": self.target.value,
            "schedule_basis": "earliest_* weeks use the longest typical durations; "
            "optimistic_* the shortest",
            "duration_weeks": {"min": self.duration_weeks[0], "max": self.duration_weeks[1]},
            "cost": self.cost.to_dict(),
            "critical_path": list(self.critical_path),
            "items": [i.to_dict() for i in self.items],
            "prerequisites": [{"id": a.id, "title": a.title} for a in self.prerequisites],
            "not_needed": [n.to_dict() for n in self.not_needed],
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per scheduled activity, in schedule order (weeks and USD in column names)."""
        import pandas as pd

        rows = [
            {
                "id": i.id,
                "title": i.activity.title,
                "category": i.activity.category,
                "due_stage": i.due_stage.value,
                "duration_min_weeks": i.duration_weeks[0],
                "duration_max_weeks": i.duration_weeks[1],
                "start_weeks": i.earliest_start_weeks,
                "finish_weeks": i.earliest_finish_weeks,
                "optimistic_start_weeks": i.optimistic_start_weeks,
                "optimistic_finish_weeks": i.optimistic_finish_weeks,
                "slack_weeks": i.slack_weeks,
                "critical": i.critical,
                f"cost_min_{i.cost.currency.lower()}": i.cost.min,
                f"cost_max_{i.cost.currency.lower()}": i.cost.max,
                "guidelines": ", ".join(i.guidelines),
                "ctd_sections": ", ".join(i.activity.ctd_sections),
                "confidence": i.activity.confidence.value,
            }
            for i in self.items
        ]
        return pd.DataFrame(rows)

    def gantt(self) -> list[dict[str, Any]]:
        """Bars for a Gantt chart, one per activity in schedule order (longest durations)."""
        return [
            {
                "id": i.id,
                "title": i.activity.title,
                "start": i.earliest_start_weeks,
                "finish": i.earliest_finish_weeks,
                "optimistic_start": i.optimistic_start_weeks,
                "optimistic_finish": i.optimistic_finish_weeks,
                "critical": i.critical,
            }
            for i in self.items
        ]


def build_roadmap(
    modality: Modality | str,
    current_stage: Stage | str,
    target: Stage | str,
    kb: KnowledgeBase | None = None,
) -> Roadmap:
    """Plan the CMC work of ``modality`` from ``current_stage`` to the milestone ``target``.

    Strings may be values or aliases (``"mab"``, ``"phase1"``). Raises ValueError if the
    target is not a milestone or is not after the current stage.

    >>> rm = build_roadmap("mab", "candidate_optimisation", "phase1")
    >>> "viral_clearance_study" in rm
    True
    """
    kb = kb or load_knowledge()
    modality = kb.modality(modality)
    current = kb.stage(current_stage)
    goal = kb.stage(target)
    if goal not in kb.milestones:
        names = ", ".join(m.value for m in kb.milestones)
        raise ValueError(f"target {goal.value!r} is not a milestone; expected one of: {names}")
    if goal.order <= current.order:
        raise ValueError(
            f"target {goal.value!r} must come after the current stage {current.value!r}"
        )

    def applicable_guidelines(activity: Activity) -> tuple[str, ...]:
        return tuple(g for g in activity.guidelines if kb.guidelines[g].applies_to(modality))

    applicable = kb.activities_for(modality)
    needed = [a for a in applicable if a.is_needed_for(goal)]
    # due before the current stage: the program should have it already (readiness checks it)
    prerequisites = tuple(a for a in needed if _due(a, goal).order <= current.order)
    scheduled = [a for a in needed if _due(a, goal).order > current.order]
    scheduled_ids = {a.id for a in scheduled}

    deps = {a.id: tuple(d for d in a.depends_on if d in scheduled_ids) for a in scheduled}
    estimates = {a.id: a.estimate(modality) for a in scheduled}
    order = _topological(scheduled, deps)
    shortest = _forward({i: estimates[i].duration_weeks[0] for i in order}, order, deps)
    longest = _forward({i: estimates[i].duration_weeks[1] for i in order}, order, deps)
    end = max((f for _, f in longest.values()), default=0.0)
    latest = _backward({i: estimates[i].duration_weeks[1] for i in order}, order, deps, end)

    items = []
    for aid in order:
        activity = kb.activities[aid]
        start, finish = longest[aid]
        slack = max(0.0, latest[aid] - finish)
        estimate = estimates[aid]
        items.append(
            RoadmapItem(
                activity=activity,
                due_stage=_due(activity, goal),
                duration_weeks=estimate.duration_weeks,
                cost=estimate.cost,
                estimate_source=estimate.source,
                estimate_confidence=estimate.confidence,
                guidelines=applicable_guidelines(activity),
                depends_on=deps[aid],
                earliest_start_weeks=start,
                earliest_finish_weeks=finish,
                optimistic_start_weeks=shortest[aid][0],
                optimistic_finish_weeks=shortest[aid][1],
                latest_finish_weeks=latest[aid],
                slack_weeks=slack,
                critical=slack <= _EPS,
            )
        )
    position = {aid: n for n, aid in enumerate(order)}
    items.sort(key=lambda i: (i.earliest_start_weeks, i.earliest_finish_weeks, position[i.id]))
    index = {i.id: i for i in items}
    currencies = {i.cost.currency for i in items} or {"USD"}
    currency = currencies.pop()

    return Roadmap(
        modality=modality,
        current_stage=current,
        target=goal,
        items=tuple(items),
        prerequisites=prerequisites,
        not_needed=_not_needed(applicable, goal),
        critical_path=_critical_path(index, deps),
        duration_weeks=(
            max((f for _, f in shortest.values()), default=0.0),
            end,
        ),
        cost=Cost(sum(i.cost.min for i in items), sum(i.cost.max for i in items), currency),
        _index=index,
        _guidelines={a.id: applicable_guidelines(a) for a in (*prerequisites, *scheduled)},
    )


def _due(activity: Activity, target: Stage) -> Stage:
    due = activity.due_stage(target)
    assert due is not None  # callers pass only activities needed for the target
    return due


def _topological(activities: list[Activity], deps: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Dependencies before dependents, ties kept in knowledge-base order (the loader
    has already refused cycles)."""
    done: set[str] = set()
    order: list[str] = []

    def visit(aid: str) -> None:
        if aid in done:
            return
        done.add(aid)
        for dep in deps[aid]:
            visit(dep)
        order.append(aid)

    for a in activities:
        visit(a.id)
    return order


def _forward(
    duration: Mapping[str, float], order: list[str], deps: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for aid in order:
        start = max((out[d][1] for d in deps[aid]), default=0.0)
        out[aid] = (start, start + duration[aid])
    return out


def _backward(
    duration: Mapping[str, float],
    order: list[str],
    deps: Mapping[str, tuple[str, ...]],
    end: float,
) -> dict[str, float]:
    """Latest finish of each activity that does not delay the end of the plan."""
    successors: dict[str, list[str]] = {aid: [] for aid in order}
    for aid in order:
        for dep in deps[aid]:
            successors[dep].append(aid)
    latest: dict[str, float] = {}
    for aid in reversed(order):
        latest[aid] = min((latest[s] - duration[s] for s in successors[aid]), default=end)
    return latest


def _critical_path(
    index: Mapping[str, RoadmapItem], deps: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    """The chain of zero-slack activities from week 0 to the end, first to last."""
    if not index:
        return ()
    last = max(index.values(), key=lambda i: (i.earliest_finish_weeks, i.critical))
    path = [last.id]
    current = last
    while current.earliest_start_weeks > _EPS:
        driver = next(
            (
                index[d]
                for d in deps[current.id]
                if index[d].critical
                and abs(index[d].earliest_finish_weeks - current.earliest_start_weeks) <= _EPS
            ),
            None,
        )
        if driver is None:  # cannot happen on a consistent schedule; stop rather than loop
            break
        path.append(driver.id)
        current = driver
    return tuple(reversed(path))


def _not_needed(applicable: tuple[Activity, ...], target: Stage) -> tuple[NotNeeded, ...]:
    """Work of this modality not needed for the target: stated reasons first, then derived."""
    out = []
    for a in applicable:
        if a.is_needed_for(target):
            continue
        first = a.first_needed_for()
        if first is None or first.order < target.order:
            continue  # needed only for earlier milestones: not a deferral
        if target in a.not_needed_reason:
            out.append(NotNeeded(a, a.not_needed_reason[target], first, stated=True))
        else:
            reason = f"Needed from {first.label}, not for {target.label}."
            out.append(NotNeeded(a, reason, first, stated=False))
    out.sort(key=lambda n: (not n.stated, n.needed_from.order if n.needed_from else 99))
    return tuple(out)
