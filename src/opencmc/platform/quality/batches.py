"""Batches (lots) and their genealogy."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import validation as check
from opencmc.platform.audit import diff, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound
from opencmc.platform.models import Batch, BatchInput
from opencmc.platform.quality.specifications import _owner, get_material
from opencmc.platform.uow import UnitOfWork

PURPOSES = ("engineering", "toxicology", "clinical", "stability", "development")


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            f"{field}: expected a date as YYYY-MM-DD, got {value!r}", field=field
        ) from None


def create_batch(uow: UnitOfWork, material_id: int, data: dict[str, Any]) -> Batch:
    material = get_material(uow.session, material_id)
    _owner(uow, material, "register batches")
    actor = uow.require_actor()
    number = check.text(data.get("number"), "number", max_length=60)
    purpose = data.get("purpose", "")
    if purpose not in PURPOSES:
        raise InvalidInput(
            f"purpose: expected one of {', '.join(PURPOSES)}, got {purpose!r}", field="purpose"
        )
    if uow.session.scalar(select(Batch.id).where(Batch.number == number)) is not None:
        raise Conflict(f"batch {number} exists already", field="number")
    fields = {
        "number": number,
        "purpose": purpose,
        "process_version": check.text(
            data.get("process_version", ""), "process_version", max_length=60, required=False
        ),
        "scale": check.text(data.get("scale", ""), "scale", max_length=60, required=False),
        "site": check.text(data.get("site", ""), "site", max_length=200, required=False),
        "manufactured_on": _date(data.get("manufactured_on"), "manufactured_on"),
    }
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of a batch", field=unknown[0])
    batch = Batch(
        organisation_id=material.organisation_id,
        material_id=material.id,
        created_by_id=actor.user_id,
        **fields,
    )
    uow.session.add(batch)
    uow.session.flush()
    shown = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in fields.items()}
    record_event(
        uow.session,
        actor=actor,
        organisation_id=batch.organisation_id,
        action="create",
        entity_type="batch",
        entity_id=batch.id,
        changes=diff({}, shown),
    )
    return batch


def get_batch(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    return batch


def find_batch(session: Session, number: str) -> Batch | None:
    return session.scalar(select(Batch).where(Batch.number == number))


def batches_of(session: Session, material_id: int) -> list[Batch]:
    return list(
        session.scalars(select(Batch).where(Batch.material_id == material_id).order_by(Batch.id))
    )


def add_input(uow: UnitOfWork, batch_id: int, input_batch_id: int) -> BatchInput:
    """Record that ``input_batch_id`` went into ``batch_id`` (e.g. DS into DP)."""
    batch, source = get_batch(uow.session, batch_id), get_batch(uow.session, input_batch_id)
    _owner(uow, batch, "record genealogy")
    if batch.id == source.id:
        raise InvalidInput("input_batch_id: a batch cannot go into itself", field="input_batch_id")
    link = BatchInput(
        organisation_id=batch.organisation_id, batch_id=batch.id, input_batch_id=source.id
    )
    uow.session.add(link)
    uow.session.flush()
    record_event(
        uow.session,
        actor=uow.actor,
        organisation_id=batch.organisation_id,
        action="genealogy",
        entity_type="batch",
        entity_id=batch.id,
        changes={"input": {"old": None, "new": source.number}},
    )
    return link


def inputs_of(session: Session, batch: Batch) -> list[Batch]:
    ids = session.scalars(select(BatchInput.input_batch_id).where(BatchInput.batch_id == batch.id))
    return [get_batch(session, i) for i in ids]
