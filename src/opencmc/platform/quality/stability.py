"""Stability studies: the protocol, its pull calendar, results per time point with
out-of-trend flags, and the ICH Q1E analysis of each attribute and condition."""

from __future__ import annotations

import calendar
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import validation as check
from opencmc.platform.audit import record_event
from opencmc.platform.errors import InvalidInput, NotFound
from opencmc.platform.models import Batch, Pull, Share, StabilityResult, StabilityStudy
from opencmc.platform.notices import notify
from opencmc.platform.quality.batches import _date, get_batch
from opencmc.platform.quality.results import ImportProblem, ImportRefused
from opencmc.platform.quality.specifications import (
    _owner,
    effective_specification,
    get_material,
)
from opencmc.platform.uow import UnitOfWork
from opencmc.science.stats import oot
from opencmc.science.stats import stability as q1e

#: ICH Q1A(R2) 2.1.7 / 2.2.7 storage conditions (codes used in studies and files)
CONDITIONS: dict[str, str] = {
    "25C/60RH": "25 °C ± 2 °C / 60% RH ± 5% RH (long-term, or accelerated for refrigerated)",
    "30C/65RH": "30 °C ± 2 °C / 65% RH ± 5% RH (long-term or intermediate)",
    "40C/75RH": "40 °C ± 2 °C / 75% RH ± 5% RH (accelerated)",
    "5C": "5 °C ± 3 °C (long-term, refrigerated)",
    "-20C": "−20 °C ± 5 °C (long-term, freezer)",
    "25C/40RH": "25 °C / 40% RH ± 5% RH (long-term, semi-permeable containers)",
    "30C/35RH": "30 °C / 35% RH ± 5% RH (long-term, semi-permeable containers)",
    "40C/25RH": "40 °C / not more than 25% RH (accelerated, semi-permeable containers)",
}
DUE_SOON_DAYS = 14
OOT_LEVEL = 0.95


def add_months(start: date, months: float) -> date:
    """Calendar months (day clamped to the month's end); fractions as 30.44-day months."""
    whole = math.floor(months)
    year, month = divmod(start.month - 1 + whole, 12)
    year, month = start.year + year, month + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day) + timedelta(days=round((months - whole) * 30.44))


def condition_label(code: str) -> str:
    return CONDITIONS.get(code, f"{code} (custom)")


def create_study(
    uow: UnitOfWork,
    material_id: int,
    *,
    title: str,
    batch_ids: list[int],
    conditions: list[str],
    time_points: list[float],
    tests: list[str],
    start_date: date | str,
    orientation: str = "",
) -> StabilityStudy:
    """A protocol and its pull schedule: one pull per batch, condition and time point."""
    material = get_material(uow.session, material_id)
    _owner(uow, material, "plan stability studies")
    if not batch_ids:
        raise InvalidInput("batch_ids: put at least one batch on study", field="batch_ids")
    for batch_id in batch_ids:
        if get_batch(uow.session, batch_id).material_id != material.id:
            raise InvalidInput(
                f"batch_ids: batch {batch_id} is not of {material.name}", field="batch_ids"
            )
    conditions = [c.strip() for c in conditions if c.strip()]
    if not conditions:
        raise InvalidInput("conditions: give at least one storage condition", field="conditions")
    points = sorted({float(t) for t in time_points})
    if not points or points[0] < 0:
        raise InvalidInput(
            "time_points: give time points in months, none negative", field="time_points"
        )
    spec = effective_specification(uow.session, material.id)
    known = {a.name for a in spec.attributes} if spec else set()
    unknown = [t for t in tests if t not in known]
    if not tests or unknown:
        raise InvalidInput(
            f"tests: {unknown[0]!r} is not in the effective specification"
            if unknown
            else "tests: choose the attributes to test",
            field="tests",
        )
    start = _date(start_date, "start_date")
    if start is None:
        raise InvalidInput("start_date: give the date the study starts", field="start_date")
    actor = uow.require_actor()
    study = StabilityStudy(
        organisation_id=material.organisation_id,
        material_id=material.id,
        title=check.text(title, "title", max_length=200),
        conditions=conditions,
        time_points=points,
        tests=list(tests),
        orientation=orientation.strip(),
        start_date=start,
        batch_ids=list(batch_ids),
        created_by_id=actor.user_id,
    )
    uow.session.add(study)
    uow.session.flush()
    for batch_id in batch_ids:
        for code in conditions:
            for months in points:
                uow.session.add(
                    Pull(
                        organisation_id=study.organisation_id,
                        study_id=study.id,
                        batch_id=batch_id,
                        condition=code,
                        months=months,
                        due_on=add_months(start, months),
                    )
                )
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=study.organisation_id,
        action="create",
        entity_type="stability_study",
        entity_id=study.id,
        changes={"protocol": {"old": None, "new": study.signable_content()}},
    )
    return study


def get_study(session: Session, study_id: int) -> StabilityStudy:
    study = session.get(StabilityStudy, study_id)
    if study is None:
        raise NotFound(f"no stability study {study_id}")
    return study


def studies_of(session: Session, material_id: int) -> list[StabilityStudy]:
    return list(
        session.scalars(
            select(StabilityStudy)
            .where(StabilityStudy.material_id == material_id)
            .order_by(StabilityStudy.id)
        )
    )


@dataclass(frozen=True)
class CalendarEntry:
    pull: Pull
    batch_number: str
    state: str  # done, overdue, due, planned
    results: int


def pull_calendar(
    session: Session, study: StabilityStudy, today: date | None = None
) -> list[CalendarEntry]:
    today = today or date.today()
    pulls = session.scalars(
        select(Pull)
        .where(Pull.study_id == study.id)
        .order_by(Pull.due_on, Pull.batch_id, Pull.condition)
    )
    counts: dict[int, int] = {}
    for result in session.scalars(
        select(StabilityResult).join(Pull).where(Pull.study_id == study.id)
    ):
        counts[result.pull_id] = counts.get(result.pull_id, 0) + 1
    entries = []
    # a provider may see a shared study without its batches: it sees their ids instead
    numbers = {
        b.id: b.number for b in session.scalars(select(Batch).where(Batch.id.in_(study.batch_ids)))
    }
    for pull in pulls:
        done = counts.get(pull.id, 0)
        if pull.pulled_on is not None or done:
            state = "done"
        elif pull.due_on < today:
            state = "overdue"
        elif pull.due_on <= today + timedelta(days=DUE_SOON_DAYS):
            state = "due"
        else:
            state = "planned"
        number = numbers.get(pull.batch_id, f"batch {pull.batch_id}")
        entries.append(CalendarEntry(pull, number, state, done))
    return entries


def _series(
    session: Session, study: StabilityStudy, batch_id: int, condition: str, attribute: str
) -> list[tuple[float, float]]:
    rows = session.execute(
        select(Pull.months, StabilityResult.value)
        .join(Pull)
        .where(
            Pull.study_id == study.id,
            Pull.batch_id == batch_id,
            Pull.condition == condition,
            StabilityResult.attribute == attribute,
        )
        .order_by(Pull.months)
    )
    return [(float(m), float(v)) for m, v in rows]


def record_results(uow: UnitOfWork, study_id: int, table: pd.DataFrame) -> list[StabilityResult]:
    """Results per time point from a table (batch, condition, months, attribute, value,
    unit); every row checked first, nothing written if any is wrong. A new point outside
    the prediction interval of its batch's earlier trend (3 or more points) is flagged."""
    study = get_study(uow.session, study_id)
    _owner(uow, study, "record stability results")
    rows = check_stability_results(uow.session, study, table)
    return _write_stability_results(uow, study, rows)


def check_stability_results(
    session: Session, study: StabilityStudy, table: pd.DataFrame
) -> list[tuple[Pull, str, float, str]]:
    """Every row checked against the study's pulls, tests and the specification's units;
    the rows ready to record, or ImportRefused with each problem's row and column.

    Writes nothing, so that a provider can check a delivery against a study shared with
    it before the sponsor accepts it.
    """
    table = table.set_axis([str(c).strip().lower() for c in table.columns], axis=1)
    needed = ("batch", "condition", "months", "attribute", "value", "unit")
    problems = [ImportProblem(1, c, "missing column") for c in needed if c not in table.columns]
    if problems:
        raise ImportRefused(problems)
    spec = effective_specification(session, study.material_id)
    units = {a.name: a.unit for a in spec.attributes} if spec else {}
    numbers = {get_batch(session, b).number: b for b in study.batch_ids}
    pulls = {
        (p.batch_id, p.condition, float(p.months)): p
        for p in session.scalars(select(Pull).where(Pull.study_id == study.id))
    }
    existing = {
        (r.pull_id, r.attribute)
        for r in session.scalars(
            select(StabilityResult).join(Pull).where(Pull.study_id == study.id)
        )
    }
    rows: list[tuple[Pull, str, float, str]] = []
    for index, raw in enumerate(table.to_dict(orient="records"), start=2):
        batch_id = numbers.get(str(raw["batch"]).strip())
        if batch_id is None:
            problems.append(ImportProblem(index, "batch", f"{raw['batch']!r} is not on study"))
            continue
        try:
            months = float(raw["months"])
        except (TypeError, ValueError):
            problems.append(ImportProblem(index, "months", f"{raw['months']!r} is not a number"))
            continue
        pull = pulls.get((batch_id, str(raw["condition"]).strip(), months))
        if pull is None:
            problems.append(
                ImportProblem(
                    index, "condition", f"no pull at {raw['condition']!r}, {months:g} months"
                )
            )
            continue
        attribute = str(raw["attribute"]).strip()
        if attribute not in study.tests:
            problems.append(ImportProblem(index, "attribute", f"{attribute!r} is not tested"))
            continue
        unit = "" if pd.isna(raw["unit"]) else str(raw["unit"]).strip()
        if units.get(attribute) and unit != units[attribute]:
            problems.append(
                ImportProblem(
                    index,
                    "unit",
                    f"{unit!r} disagrees with the specification's {units[attribute]!r}",
                )
            )
        try:
            value = float(raw["value"])
            if not math.isfinite(value):
                raise ValueError
        except (TypeError, ValueError):
            problems.append(ImportProblem(index, "value", f"{raw['value']!r} is not a number"))
            continue
        if (pull.id, attribute) in existing:
            problems.append(ImportProblem(index, "attribute", "already recorded for this pull"))
        existing.add((pull.id, attribute))
        rows.append((pull, attribute, value, unit))
    if problems:
        raise ImportRefused(problems)
    return rows


def _write_stability_results(
    uow: UnitOfWork, study: StabilityStudy, rows: list[tuple[Pull, str, float, str]]
) -> list[StabilityResult]:
    actor = uow.require_actor()
    written = []
    for pull, attribute, value, unit in sorted(rows, key=lambda r: r[0].months):
        earlier = [
            (m, v)
            for m, v in _series(uow.session, study, pull.batch_id, pull.condition, attribute)
            if m < pull.months
        ]
        flagged, note = False, ""
        if len(earlier) >= 3:
            check_ = oot.out_of_trend(
                [m for m, _ in earlier],
                [v for _, v in earlier],
                pull.months,
                value,
                level=OOT_LEVEL,
            )
            flagged = bool(check_.out_of_trend)
            low, high = check_.lower, check_.upper
            note = (
                f"{'outside' if flagged else 'within'} the {OOT_LEVEL:.0%} prediction "
                f"interval {low:.4g} to {high:.4g} of the {len(earlier)} earlier points"
            )
        result = StabilityResult(
            organisation_id=study.organisation_id,
            pull_id=pull.id,
            attribute=attribute,
            value=value,
            unit=unit,
            out_of_trend=flagged,
            trend_note=note,
            created_by_id=actor.user_id,
        )
        pull.pulled_on = pull.pulled_on or date.today()
        uow.session.add(result)
        uow.session.flush()
        written.append(result)
        record_event(
            uow.session,
            actor=actor,
            organisation_id=study.organisation_id,
            action="out_of_trend" if flagged else "result",
            entity_type="stability_study",
            entity_id=study.id,
            changes={
                attribute: {
                    "old": None,
                    "new": {
                        "batch_id": pull.batch_id,
                        "condition": pull.condition,
                        "months": pull.months,
                        "value": value,
                        "unit": unit,
                        "out_of_trend": flagged,
                    },
                }
            },
            reason=note,
        )
    _tell_of_trends(uow, study, [r for r in written if r.out_of_trend])
    return written


def _tell_of_trends(uow: UnitOfWork, study: StabilityStudy, flagged: list[StabilityResult]) -> None:
    """An out-of-trend point reaches the sponsor and every provider the study is shared
    with (the lab running it), once per point and organisation."""
    if not flagged:
        return
    parties = {study.organisation_id}
    parties.update(
        uow.session.scalars(
            select(Share.grantee_organisation_id).where(
                Share.record_type == study.entity_type,
                Share.record_id == study.id,
                Share.revoked_at.is_(None),
            )
        )
    )
    for result in flagged:
        for party in sorted(parties):
            notify(
                uow.session,
                party,
                kind="out_of_trend",
                title=f"Out of trend in {study.title}: {result.attribute} {result.value:g} "
                f"{result.unit} ({result.trend_note})",
                link=f"/stability-studies/{study.id}",
                record=study,
                dedupe_key=f"oot:{result.id}:{party}",
            )


def analyse(session: Session, study_id: int, attribute: str, condition: str) -> q1e.ShelfLifeResult:
    """ICH Q1E for one attribute at one condition, against the specification's limits."""
    study = get_study(session, study_id)
    spec = effective_specification(session, study.material_id)
    criterion = next((a for a in spec.attributes if a.name == attribute), None) if spec else None
    if criterion is None or criterion.criterion_type != "limits":
        raise InvalidInput(
            f"attribute: {attribute!r} has no numeric acceptance limits", field="attribute"
        )
    numbers = {b: get_batch(session, b).number for b in study.batch_ids}
    rows = session.execute(
        select(Pull.batch_id, Pull.months, StabilityResult.value)
        .join(Pull)
        .where(
            Pull.study_id == study.id,
            Pull.condition == condition,
            StabilityResult.attribute == attribute,
        )
    ).all()
    if not rows:
        raise InvalidInput(f"no results for {attribute} at {condition} yet", field="attribute")
    frame = pd.DataFrame([{"batch": numbers[b], "months": m, attribute: v} for b, m, v in rows])
    return q1e.shelf_life(
        frame,
        time="months",
        value=attribute,
        batch="batch",
        lower=criterion.lower,
        upper=criterion.upper,
    )


def results_frame(session: Session, study: StabilityStudy) -> list[dict[str, Any]]:
    numbers = {b: get_batch(session, b).number for b in study.batch_ids}
    rows = session.execute(
        select(Pull.batch_id, Pull.condition, Pull.months, StabilityResult)
        .join(StabilityResult, StabilityResult.pull_id == Pull.id)
        .where(Pull.study_id == study.id)
        .order_by(Pull.condition, Pull.batch_id, Pull.months)
    ).all()
    return [
        {
            "batch": numbers[b],
            "condition": c,
            "months": m,
            "attribute": r.attribute,
            "value": r.value,
            "unit": r.unit,
            "out_of_trend": r.out_of_trend,
            "trend_note": r.trend_note,
        }
        for b, c, m, r in rows
    ]
