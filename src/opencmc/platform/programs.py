"""Workflows for programs and candidates: create, edit with a reason, archive.

Each function checks the actor's right, validates the domain rules, changes the record and
writes its audit event in the same transaction; the caller commits the unit of work.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from opencmc.knowledge import Modality, Stage
from opencmc.platform import validation as check
from opencmc.platform.actor import Actor
from opencmc.platform.audit import diff, record_creation, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.models import Candidate, Program, utcnow
from opencmc.platform.uow import UnitOfWork

R = TypeVar("R", Program, Candidate)


def _program_fields(data: dict[str, Any], current: Program | None = None) -> dict[str, Any]:
    merged = {f: getattr(current, f) for f in Program.EDITABLE} if current else {}
    merged.update(data)
    unknown = sorted(set(data) - set(Program.EDITABLE))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of a program", field=unknown[0])
    fields = {
        "name": check.text(merged.get("name"), "name", max_length=200),
        "modality": check.choice(merged.get("modality"), "modality", Modality),
        "current_stage": check.choice(merged.get("current_stage"), "current_stage", Stage),
        "target_milestone": check.choice(merged.get("target_milestone"), "target_milestone", Stage),
        "description": check.text(
            merged.get("description"), "description", max_length=20000, required=False
        ),
    }
    if Stage(fields["target_milestone"]).order < Stage(fields["current_stage"]).order:
        raise InvalidInput(
            "target_milestone: must not come before the current stage", field="target_milestone"
        )
    return fields


def _require_owner_write(actor: Actor, record: Program | Candidate, doing: str) -> None:
    actor.require("write", doing)
    if record.organisation_id != actor.organisation_id:
        raise PermissionDenied(f"only the owning organisation may {doing}")


def _require_current(record: Program | Candidate, expected_version: int | None) -> None:
    if record.archived_at is not None:
        raise Conflict(f"{record.entity_type} {record.id} is archived and cannot change")
    if expected_version is None:
        raise InvalidInput("version: give the version you edited", field="version")
    if record.version != expected_version:
        raise Conflict(
            f"{record.entity_type} {record.id} changed since you read it: you edited version "
            f"{expected_version}, it is now at version {record.version}; reload and edit again",
            field="version",
        )


def _flush(session: Session, record: Program | Candidate) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"{record.entity_type} {record.id} was changed by someone else at the same time",
            field="version",
        ) from None


def list_programs(
    session: Session, *, include_archived: bool = False, limit: int = 50, offset: int = 0
) -> tuple[list[Program], int]:
    """A page of programs and the total, in one query (a window count over the filter)."""
    query = select(Program, func.count().over().label("total"))
    if not include_archived:
        query = query.where(Program.archived_at.is_(None))
    rows = session.execute(query.order_by(Program.id).limit(limit).offset(offset)).all()
    if rows:
        return [row.Program for row in rows], int(rows[0].total)
    # past the last page the window has no row to sit on: count separately
    counted = select(func.count()).select_from(query.with_only_columns(Program.id).subquery())
    return [], session.scalar(counted) or 0


def get_program(session: Session, program_id: int) -> Program:
    program = session.get(Program, program_id)
    if program is None:
        raise NotFound(f"no program {program_id}")
    return program


def create_program(uow: UnitOfWork, data: dict[str, Any]) -> Program:
    actor = uow.require_actor()
    actor.require("write", "create programs")
    if not actor.is_sponsor:
        raise PermissionDenied("only a sponsor organisation registers programs")
    fields = _program_fields(data)
    program = Program(organisation_id=actor.organisation_id, created_by_id=actor.user_id, **fields)
    record_creation(uow.session, actor, program, fields)
    return program


def update_program(
    uow: UnitOfWork, program_id: int, data: dict[str, Any], *, version: int | None, reason: str
) -> Program:
    program = get_program(uow.session, program_id)
    return _update(uow, program, data, _program_fields, version=version, reason=reason)


def archive_program(
    uow: UnitOfWork, program_id: int, *, version: int | None, reason: str
) -> Program:
    return _archive(uow, get_program(uow.session, program_id), version=version, reason=reason)


def _update(
    uow: UnitOfWork,
    record: R,
    data: dict[str, Any],
    validate: Any,
    *,
    version: int | None,
    reason: str,
) -> R:
    """Edit with a reason: optimistic lock, diff, audit event, all in one transaction."""
    actor = uow.require_actor()
    _require_owner_write(actor, record, f"edit this {record.entity_type}")
    why = check.reason(reason)
    _require_current(record, version)
    before = {f: getattr(record, f) for f in record.EDITABLE}
    after = validate(data, record)
    changes = diff(before, after)
    if not changes:
        raise InvalidInput("nothing to change: the values are the ones already recorded")
    for key, value in after.items():
        setattr(record, key, value)
    record.updated_at = utcnow()
    _flush(uow.session, record)
    record_event(
        uow.session,
        actor=actor,
        organisation_id=record.organisation_id,
        action="update",
        entity_type=record.entity_type,
        entity_id=record.id,
        changes=changes,
        reason=why,
    )
    return record


def _archive(uow: UnitOfWork, record: R, *, version: int | None, reason: str) -> R:
    """Archive, never delete: the record stays readable with who archived it and why."""
    actor = uow.require_actor()
    _require_owner_write(actor, record, f"archive this {record.entity_type}")
    why = check.reason(reason)
    _require_current(record, version)
    record.archived_at = utcnow()
    record.archived_by_id = actor.user_id
    _flush(uow.session, record)
    record_event(
        uow.session,
        actor=actor,
        organisation_id=record.organisation_id,
        action="archive",
        entity_type=record.entity_type,
        entity_id=record.id,
        changes={"archived": {"old": False, "new": True}},
        reason=why,
    )
    return record


def _candidate_fields(data: dict[str, Any], current: Candidate | None = None) -> dict[str, Any]:
    unknown = sorted(set(data) - set(Candidate.EDITABLE))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of a candidate", field=unknown[0])
    merged = {f: getattr(current, f) for f in Candidate.EDITABLE} if current else {}
    merged.update(data)
    fields = {
        "name": check.text(merged.get("name"), "name", max_length=200),
        "code": check.text(merged.get("code"), "code", max_length=60, required=False),
        "heavy_chain": check.protein_sequence(merged.get("heavy_chain"), "heavy_chain"),
        "light_chain": check.protein_sequence(merged.get("light_chain"), "light_chain"),
        "protein_sequence": check.protein_sequence(
            merged.get("protein_sequence"), "protein_sequence"
        ),
        "nucleotide_sequence": check.nucleotide_sequence(
            merged.get("nucleotide_sequence"), "nucleotide_sequence"
        ),
        "smiles": check.smiles(merged.get("smiles")),
        "construct_description": check.text(
            merged.get("construct_description"),
            "construct_description",
            max_length=20000,
            required=False,
        )
        or None,
        "notes": check.text(merged.get("notes"), "notes", max_length=20000, required=False),
    }
    if fields["light_chain"] and not fields["heavy_chain"]:
        raise InvalidInput("heavy_chain: a light chain needs its heavy chain", field="heavy_chain")
    kinds = [
        name
        for name, present in (
            ("heavy_chain/light_chain", fields["heavy_chain"]),
            ("protein_sequence", fields["protein_sequence"]),
            ("nucleotide_sequence", fields["nucleotide_sequence"]),
            ("smiles", fields["smiles"]),
            ("construct_description", fields["construct_description"]),
        )
        if present
    ]
    if not kinds:
        raise InvalidInput(
            "definition: give the chains, a protein or nucleotide sequence, a SMILES or a "
            "construct description",
            field="definition",
        )
    if len(kinds) > 1:
        raise InvalidInput(
            f"definition: give one kind of definition, got {' and '.join(kinds)}",
            field="definition",
        )
    return fields


def candidate_definition(values: dict[str, Any]) -> dict[str, Any]:
    """Definition fields (chains, sequence, SMILES) checked as a candidate's would be, and
    cleaned the same way (sequences upper-cased without spaces)."""
    checked = _candidate_fields({"name": "definition", **values})
    return {field: checked[field] for field in values}


def get_candidate(session: Session, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound(f"no candidate {candidate_id}")
    return candidate


def list_candidates(session: Session, program: Program) -> list[Candidate]:
    return list(
        session.scalars(
            select(Candidate).where(Candidate.program_id == program.id).order_by(Candidate.id)
        )
    )


def create_candidate(uow: UnitOfWork, program_id: int, data: dict[str, Any]) -> Candidate:
    actor = uow.require_actor()
    program = get_program(uow.session, program_id)
    _require_owner_write(actor, program, "add candidates to this program")
    if program.archived_at is not None:
        raise Conflict(f"program {program.id} is archived and takes no new candidates")
    fields = _candidate_fields(data)
    candidate = Candidate(
        organisation_id=program.organisation_id,
        program_id=program.id,
        created_by_id=actor.user_id,
        **fields,
    )
    record_creation(uow.session, actor, candidate, {**fields, "program_id": program.id})
    return candidate


def update_candidate(
    uow: UnitOfWork, candidate_id: int, data: dict[str, Any], *, version: int | None, reason: str
) -> Candidate:
    candidate = get_candidate(uow.session, candidate_id)
    return _update(uow, candidate, data, _candidate_fields, version=version, reason=reason)


def archive_candidate(
    uow: UnitOfWork, candidate_id: int, *, version: int | None, reason: str
) -> Candidate:
    return _archive(uow, get_candidate(uow.session, candidate_id), version=version, reason=reason)
