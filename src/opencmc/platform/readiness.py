"""A program's roadmap and readiness: the knowledge base's plan, with the statuses and
evidence the sponsor records (each change audited)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.knowledge import STATUSES, Readiness, Roadmap, assess_readiness, build_roadmap
from opencmc.knowledge.loader import load_knowledge
from opencmc.platform import validation as check
from opencmc.platform.audit import diff, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.models import ActivityStatus, AuditEvent, Program, utcnow
from opencmc.platform.programs import get_program
from opencmc.platform.uow import UnitOfWork


@dataclass(frozen=True)
class ProgramReadiness:
    """A program's roadmap, its readiness and the stored status records by activity."""

    program: Program
    roadmap: Roadmap
    readiness: Readiness
    records: dict[str, ActivityStatus]

    def to_dict(self) -> dict[str, Any]:
        return {
            "program_id": self.program.id,
            "roadmap": self.roadmap.to_dict(),
            "readiness": self.readiness.to_dict(),
            "records": {
                activity: {
                    "id": record.id,
                    "status": record.status,
                    "note": record.note,
                    "evidence_link": record.evidence_link,
                    "version": record.version,
                    "updated_at": record.updated_at.isoformat(),
                }
                for activity, record in self.records.items()
            },
        }


def program_roadmap(program: Program, target: str | None = None) -> Roadmap:
    """The plan to the program's target milestone, or to another milestone if named."""
    try:
        return build_roadmap(
            program.modality, program.current_stage, target or program.target_milestone
        )
    except ValueError as error:  # e.g. a target that is not a milestone
        raise InvalidInput(f"target_milestone: {error}", field="target_milestone") from None


def status_records(session: Session, program: Program) -> dict[str, ActivityStatus]:
    rows = session.scalars(select(ActivityStatus).where(ActivityStatus.program_id == program.id))
    return {row.activity_id: row for row in rows}


def program_readiness(
    session: Session, program_id: int, target: str | None = None
) -> ProgramReadiness:
    """Roadmap and readiness of a program for its target milestone (or ``target``)."""
    program = get_program(session, program_id)
    if target is None and program.current_stage == program.target_milestone:
        raise InvalidInput(
            "target_milestone: the program is at its target; set the next milestone to plan",
            field="target_milestone",
        )
    roadmap = program_roadmap(program, target)
    records = status_records(session, program)
    readiness = assess_readiness(roadmap, {k: r.status for k, r in records.items()})
    return ProgramReadiness(program, roadmap, readiness, records)


def get_activity_status(session: Session, status_id: int) -> ActivityStatus:
    record = session.get(ActivityStatus, status_id)
    if record is None:
        raise NotFound(f"no activity status {status_id}")
    return record


def set_activity_status(
    uow: UnitOfWork,
    program_id: int,
    activity_id: str,
    *,
    status: str,
    note: str = "",
    evidence_link: str = "",
    version: int | None = None,
    reason: str = "",
) -> ActivityStatus:
    """Record an activity's status with its note and evidence link.

    The first record of an activity needs no version; a change to an existing one needs
    the version the editor read and a reason, like every edit of a regulated record.
    """
    actor = uow.require_actor()
    program = get_program(uow.session, program_id)
    actor.require("write", "record readiness")
    if program.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the owning organisation records its readiness")
    if program.archived_at is not None:
        raise Conflict(f"program {program.id} is archived")
    activity = load_knowledge().activities.get(activity_id)
    if activity is None or not activity.applies_to(program.modality):
        raise InvalidInput(
            f"activity_id: {activity_id!r} is not an activity for a "
            f"{program.modality.replace('_', ' ')} program",
            field="activity_id",
        )
    if status not in STATUSES:
        raise InvalidInput(
            f"status: expected one of {', '.join(STATUSES)}, got {status!r}", field="status"
        )
    values = {
        "status": status,
        "note": check.text(note, "note", max_length=5000, required=False),
        "evidence_link": check.text(
            evidence_link, "evidence_link", max_length=2000, required=False
        ),
    }
    record = uow.session.scalar(
        select(ActivityStatus).where(
            ActivityStatus.program_id == program.id, ActivityStatus.activity_id == activity_id
        )
    )
    created = record is None
    if record is None:
        record = ActivityStatus(
            organisation_id=program.organisation_id,
            program_id=program.id,
            activity_id=activity_id,
            updated_by_id=actor.user_id,
            **values,
        )
        uow.session.add(record)
        uow.session.flush()
        changes = {"activity": {"old": None, "new": activity_id}}
        changes.update(diff({"status": "not_started"}, values))
        why = reason.strip()
    else:
        why = check.reason(reason)
        if version is None or version != record.version:
            raise Conflict(
                f"the status of {activity_id} changed since you read it (version "
                f"{record.version}, you edited {version}); reload and try again",
                field="version",
            )
        changes = diff({f: getattr(record, f) for f in values}, values)
        if not changes:
            raise InvalidInput("nothing to change: the values are the ones already recorded")
        for key, value in values.items():
            setattr(record, key, value)
        record.updated_at = utcnow()
        record.updated_by_id = actor.user_id
        uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=program.organisation_id,
        action=f"readiness:{status}" if created else "readiness:update",
        entity_type="activity_status",
        entity_id=record.id,
        changes=changes,
        reason=why or f"{activity.title}: {status.replace('_', ' ')}",
    )
    return record


def readiness_trail(session: Session, program: Program) -> list[AuditEvent]:
    """The audit events of a program's activity statuses, newest first."""
    ids = [r.id for r in status_records(session, program).values()]
    if not ids:
        return []
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type == "activity_status", AuditEvent.record_id.in_(ids))
            .order_by(AuditEvent.seq.desc())
        )
    )
