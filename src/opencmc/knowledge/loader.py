"""Load the knowledge-base YAML files into typed records, refusing anything inconsistent."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from opencmc.knowledge._files import (
    KnowledgeError,
    _check_keys,
    _confidence,
    _items,
    _load_ctd_sections,
    _load_guidelines,
    _load_release_panels,
    _load_vocabulary,
    _modalities,
    _range,
    _read,
    _stage,
    _text,
    _texts,
)
from opencmc.knowledge.model import (
    SERVICE_CATEGORIES,
    Activity,
    Confidence,
    Cost,
    CtdSection,
    Estimate,
    Guideline,
    KnowledgeBase,
)
from opencmc.knowledge.vocabulary import Modality, Stage

__all__ = ["DATA_DIR", "KnowledgeError", "clear_knowledge_cache", "load_knowledge"]

DATA_DIR = Path(__file__).resolve().parent / "data"

_ACTIVITY_KEYS = {
    "id",
    "title",
    "delivers",
    "category",
    "modalities",
    "needed_by",
    "not_needed_reason",
    "guidelines",
    "ctd_sections",
    "depends_on",
    "duration_weeks",
    "cost",
    "currency",
    "evidence",
    "source",
    "confidence",
    "blocking",
    "estimate_source",
    "estimate_confidence",
    "estimate_overrides",
    "note",
}
_ACTIVITY_REQUIRED = {
    "id",
    "title",
    "delivers",
    "category",
    "modalities",
    "needed_by",
    "guidelines",
    "ctd_sections",
    "depends_on",
    "duration_weeks",
    "cost",
    "evidence",
    "source",
    "confidence",
}


def load_knowledge(path: str | Path | None = None) -> KnowledgeBase:
    """Load and validate the knowledge base from ``path`` (default: the packaged data).

    The result is cached per directory; call ``clear_knowledge_cache()`` after editing files
    in a running process. Raises ``KnowledgeError`` naming the file and key of the first
    problem found (unknown reference, duplicate id, dependency cycle, bad modality or stage).

    >>> kb = load_knowledge()
    >>> kb.activities["viral_clearance_study"].guidelines[0]
    'Q5A(R2)'
    """
    return _load_cached(Path(path).resolve() if path is not None else DATA_DIR)


def clear_knowledge_cache() -> None:
    """Forget loaded knowledge bases, so the next ``load_knowledge`` re-reads the files."""
    _load_cached.cache_clear()


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> KnowledgeBase:
    if not path.is_dir():
        raise KnowledgeError(str(path), "(directory)", "knowledge-base directory not found")
    groups, modality_aliases, stage_aliases, milestones = _load_vocabulary(path)
    guidelines = _load_guidelines(path / "guidelines.yaml", groups)
    sections = _load_ctd_sections(path / "ctd_sections.yaml")
    activities, files = _load_activities(path, groups, milestones)
    _check_references(activities, files, guidelines, sections)
    _check_dependencies(activities, files)
    panels = _load_release_panels(path / "release_panels.yaml")
    return KnowledgeBase(
        activities=MappingProxyType(activities),
        guidelines=MappingProxyType(guidelines),
        ctd_sections=MappingProxyType(sections),
        release_panels=MappingProxyType(panels),
        milestones=milestones,
        modality_groups=MappingProxyType(groups),
        modality_aliases=MappingProxyType(modality_aliases),
        stage_aliases=MappingProxyType(stage_aliases),
        path=str(path),
    )


# --- activities ---------------------------------------------------------------------------


def _load_activities(
    path: Path, groups: Mapping[str, frozenset[Modality]], milestones: tuple[Stage, ...]
) -> tuple[dict[str, Activity], dict[str, str]]:
    files = sorted(path.glob("activities*.yaml"))
    if not files:
        raise KnowledgeError(str(path), "activities*.yaml", "no activity files found")
    activities: dict[str, Activity] = {}
    origin: dict[str, str] = {}  # activity id -> "file: activities[i]" for later errors
    for file_path in files:
        file = file_path.name
        data = _read(file_path)
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict):
            raise KnowledgeError(file, "defaults", "expected a mapping")
        for i, item in enumerate(_items(data, "activities", file)):
            raw_id = item.get("id")
            where = f"activities[{i}] {raw_id!r}"
            activity = _parse_activity({**defaults, **item}, groups, milestones, file, where)
            if activity.id in activities:
                raise KnowledgeError(
                    file,
                    f"{where}.id",
                    f"duplicate activity id, first defined in {origin[activity.id]}",
                )
            activities[activity.id] = activity
            origin[activity.id] = f"{file}: {where}"
    currencies = {a.cost.currency for a in activities.values()}
    if len(currencies) > 1:
        raise KnowledgeError(
            files[0].name,
            "currency",
            f"all costs must share one currency, found {sorted(currencies)}",
        )
    return activities, origin


def _parse_activity(
    item: dict[str, Any],
    groups: Mapping[str, frozenset[Modality]],
    milestones: tuple[Stage, ...],
    file: str,
    where: str,
) -> Activity:
    _check_keys(item, _ACTIVITY_KEYS, _ACTIVITY_REQUIRED, file, where)
    aid = _text(item["id"], file, f"{where}.id")
    if aid != aid.lower() or " " in aid or len(aid) > 80:
        raise KnowledgeError(file, f"{where}.id", "ids are lower_snake_case, at most 80 characters")
    category = _text(item["category"], file, f"{where}.category")
    if category not in SERVICE_CATEGORIES:
        raise KnowledgeError(
            file,
            f"{where}.category",
            f"unknown category {category!r}; expected one of: " + ", ".join(SERVICE_CATEGORIES),
        )
    needed_by = _needed_by(item["needed_by"], milestones, file, f"{where}.needed_by")
    reasons = _not_needed(item.get("not_needed_reason"), needed_by, milestones, file, where)
    confidence = _confidence(item["confidence"], file, f"{where}.confidence")
    blocking = item.get("blocking", confidence is not Confidence.UNCERTAIN)
    if not isinstance(blocking, bool):
        raise KnowledgeError(file, f"{where}.blocking", "expected true or false")
    if blocking and confidence is Confidence.UNCERTAIN:
        # the fact sheet's rule: a [U] fact is advisory text, never a blocking rule
        raise KnowledgeError(file, f"{where}.blocking", "an activity tagged U cannot be blocking")
    currency = _text(item.get("currency", "USD"), file, f"{where}.currency")
    low, high = _range(item["cost"], file, f"{where}.cost", positive=False)
    estimate_source = _text(item.get("estimate_source"), file, f"{where}.estimate_source")
    estimate_confidence = _confidence(
        item.get("estimate_confidence"), file, f"{where}.estimate_confidence"
    )
    overrides = _estimate_overrides(
        item.get("estimate_overrides"), groups, currency, file, f"{where}.estimate_overrides"
    )
    return Activity(
        id=aid,
        title=_text(item["title"], file, f"{where}.title"),
        delivers=_text(item["delivers"], file, f"{where}.delivers"),
        category=category,
        modalities=_modalities(item["modalities"], groups, file, f"{where}.modalities"),
        needed_by=MappingProxyType(needed_by),
        not_needed_reason=MappingProxyType(reasons),
        guidelines=_texts(item["guidelines"], file, f"{where}.guidelines"),
        ctd_sections=_texts(item["ctd_sections"], file, f"{where}.ctd_sections"),
        depends_on=_texts(item["depends_on"], file, f"{where}.depends_on"),
        duration_weeks=_range(
            item["duration_weeks"], file, f"{where}.duration_weeks", positive=True
        ),
        cost=Cost(low, high, currency),
        evidence=_texts(item["evidence"], file, f"{where}.evidence"),
        source=_text(item["source"], file, f"{where}.source"),
        confidence=confidence,
        blocking=blocking,
        estimate_source=estimate_source,
        estimate_confidence=estimate_confidence,
        estimate_overrides=MappingProxyType(overrides),
        note=str(item.get("note") or ""),
    )


def _needed_by(
    value: Any, milestones: tuple[Stage, ...], file: str, where: str
) -> dict[Stage, Stage]:
    if not isinstance(value, dict) or not value:
        raise KnowledgeError(file, where, "expected a mapping {milestone: stage} or {from:, by:}")
    out: dict[Stage, Stage] = {}
    if set(value) <= {"from", "by"}:
        # shorthand: needed for `from` and every later milestone, due by `by` or the milestone
        first = _stage(value.get("from"), file, f"{where}.from")
        by = value.get("by")
        for milestone in milestones:
            if milestone.order >= first.order:
                out[milestone] = milestone if by == "target" else _stage(by, file, f"{where}.by")
    else:
        for key, stage in value.items():
            out[_stage(key, file, f"{where}.{key}")] = _stage(stage, file, f"{where}.{key}")
    previous: Stage | None = None
    for milestone in sorted(out, key=lambda s: s.order):
        due = out[milestone]
        if milestone not in milestones:
            raise KnowledgeError(file, f"{where}.{milestone.value}", "is not a milestone stage")
        if due.order > milestone.order:
            raise KnowledgeError(
                file,
                f"{where}.{milestone.value}",
                f"due stage {due.value} comes after the milestone itself",
            )
        if previous is not None and due.order < out[previous].order:
            raise KnowledgeError(
                file,
                f"{where}.{milestone.value}",
                f"due earlier ({due.value}) than for the earlier milestone {previous.value}",
            )
        previous = milestone
    # work needed for a milestone stays needed for every later one
    later = [m for m in milestones if m.order > min(s.order for s in out)]
    missing = [m.value for m in later if m not in out]
    if missing:
        raise KnowledgeError(
            file, where, f"needed for an earlier milestone but not for {', '.join(missing)}"
        )
    return out


def _not_needed(
    value: Any,
    needed_by: Mapping[Stage, Stage],
    milestones: tuple[Stage, ...],
    file: str,
    where: str,
) -> dict[Stage, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise KnowledgeError(file, f"{where}.not_needed_reason", "expected {milestone: reason}")
    out: dict[Stage, str] = {}
    for key, reason in value.items():
        key_where = f"{where}.not_needed_reason.{key}"
        milestone = _stage(key, file, key_where)
        if milestone not in milestones:
            raise KnowledgeError(file, key_where, "is not a milestone stage")
        if milestone in needed_by:
            raise KnowledgeError(file, key_where, "the activity is needed for this milestone")
        out[milestone] = _text(reason, file, key_where)
    return out


def _estimate_overrides(
    value: Any,
    groups: Mapping[str, frozenset[Modality]],
    currency: str,
    file: str,
    where: str,
) -> dict[Modality, Estimate]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise KnowledgeError(file, where, "expected {modality or group: estimate}")
    out: dict[Modality, Estimate] = {}
    keys = {"duration_weeks", "cost", "source", "confidence"}
    for name, raw in value.items():
        key_where = f"{where}.{name}"
        if not isinstance(raw, dict):
            raise KnowledgeError(file, key_where, "expected a mapping")
        _check_keys(raw, keys, keys, file, key_where)
        low, high = _range(raw["cost"], file, f"{key_where}.cost", positive=False)
        estimate = Estimate(
            duration_weeks=_range(
                raw["duration_weeks"], file, f"{key_where}.duration_weeks", positive=True
            ),
            cost=Cost(low, high, currency),
            source=_text(raw["source"], file, f"{key_where}.source"),
            confidence=_confidence(raw["confidence"], file, f"{key_where}.confidence"),
        )
        for modality in _modalities([name], groups, file, key_where):
            if modality in out:
                raise KnowledgeError(file, key_where, f"{modality.value} has two estimates")
            out[modality] = estimate
    return out


def _check_references(
    activities: Mapping[str, Activity],
    origin: Mapping[str, str],
    guidelines: Mapping[str, Guideline],
    sections: Mapping[str, CtdSection],
) -> None:
    def check(aid: str, key: str, refs: Iterable[str], known: Mapping[str, Any], kind: str) -> None:
        for ref in refs:
            if ref not in known:
                file, where = origin[aid].split(": ", 1)
                raise KnowledgeError(file, f"{where}.{key}", f"unknown {kind} {ref!r}")

    for aid, activity in activities.items():
        check(aid, "guidelines", activity.guidelines, guidelines, "guideline")
        check(aid, "ctd_sections", activity.ctd_sections, sections, "CTD section")
        check(aid, "depends_on", activity.depends_on, activities, "activity")
        file, where = origin[aid].split(": ", 1)
        if aid in activity.depends_on:
            raise KnowledgeError(file, f"{where}.depends_on", "an activity cannot depend on itself")
        if not any(
            g.modalities & activity.modalities
            for g in map(guidelines.get, activity.guidelines)
            if g
        ):
            raise KnowledgeError(
                file,
                f"{where}.guidelines",
                "no cited guideline applies to the activity's modalities",
            )
        for dep in activity.depends_on:
            if not activities[dep].modalities & activity.modalities:
                raise KnowledgeError(
                    file,
                    f"{where}.depends_on",
                    f"{dep!r} applies to none of this activity's modalities",
                )


def _check_dependencies(activities: Mapping[str, Activity], origin: Mapping[str, str]) -> None:
    """No cycles, and no dependency due later than the activity that needs it."""
    _find_cycle(activities, origin)
    for aid, activity in activities.items():
        file, where = origin[aid].split(": ", 1)
        for dep_id in activity.depends_on:
            dep = activities[dep_id]
            shared = activity.modalities & dep.modalities
            for milestone, due in activity.needed_by.items():
                dep_due = dep.needed_by.get(milestone)
                if shared and dep_due is not None and dep_due.order > due.order:
                    raise KnowledgeError(
                        file,
                        f"{where}.depends_on",
                        f"{dep_id!r} is due by {dep_due.value} for {milestone.value}, later than "
                        f"{aid!r} itself ({due.value})",
                    )


def _find_cycle(activities: Mapping[str, Activity], origin: Mapping[str, str]) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    path: list[str] = []

    def visit(aid: str) -> None:
        state[aid] = 1
        path.append(aid)
        for dep in activities[aid].depends_on:
            if state.get(dep) == 1:
                cycle = [*path[path.index(dep) :], dep]
                file, where = origin[dep].split(": ", 1)
                raise KnowledgeError(
                    file, f"{where}.depends_on", "dependency cycle: " + " -> ".join(cycle)
                )
            if dep not in state:
                visit(dep)
        path.pop()
        state[aid] = 2

    for aid in activities:
        if aid not in state:
            visit(aid)
