"""Deliverables: what a provider hands over for an order, and the sponsor's review.

Structured deliverables (results against a specification, stability time points) are
checked against the records shared for the order when the provider submits them, so a
bad file is refused whole with its rows and columns; accepting one records the rows in
the sponsor's own records in the same transaction and marks the roadmap activities the
order serves, with the deliverable as evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import validation as check
from opencmc.platform.audit import record_creation
from opencmc.platform.db import Scope
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.files import BlobStore, store_blob
from opencmc.platform.market.orders import (
    ORDER_STATES,
    deliverables_of,
    get_order,
    milestones_of,
    order_link,
    reopen_order,
    shares_of,
)
from opencmc.platform.market.workflow import transition
from opencmc.platform.models import Attachment, Batch, Deliverable, Order, utcnow
from opencmc.platform.notices import notify
from opencmc.platform.programs import get_program
from opencmc.platform.quality import stability as studies
from opencmc.platform.quality.results import check_results, record_result
from opencmc.platform.readiness import set_activity_status, status_records
from opencmc.platform.records import register_record_kind
from opencmc.platform.uow import UnitOfWork

KINDS = {
    "results": "Test results against the specification",
    "stability_results": "Stability results per time point",
    "document": "Document (report, protocol, certificate)",
}
DELIVERABLE_STATES = {"submitted": frozenset({"accepted", "rejected"})}


def _shared_ids(session: Session, order: Order, entity_type: str) -> set[int]:
    return {
        s.record_id
        for s in shares_of(session, order)
        if s.record_type == entity_type and s.revoked_at is None
    }


def _batch_finder(order: Order, session_for_shares: Session) -> Any:
    """Batch lookup narrowed to the batches shared for this order."""
    allowed = _shared_ids(session_for_shares, order, "batch")

    def find(session: Session, number: str) -> Batch | None:
        if not allowed:
            return None
        return session.scalar(select(Batch).where(Batch.number == number, Batch.id.in_(allowed)))

    return find


@contextmanager
def _as_sponsor_sees_it(session: Session, order: Order) -> Iterator[None]:
    """Check a delivery against the sponsor's records as the sponsor sees them (the
    specification's units apply whether or not it was shared), then forget every record
    loaded for the check so the provider's session cannot reach it afterwards."""
    before = set(session.identity_map.values())
    previous = session.info.get("scope")
    session.info["scope"] = Scope(order.organisation_id)
    try:
        yield
    finally:
        session.info["scope"] = previous
        for loaded in set(session.identity_map.values()) - before:
            session.expunge(loaded)


def _checked(session: Session, order: Order, kind: str, payload: dict[str, Any]) -> list[Any]:
    with _as_sponsor_sees_it(session, order):
        return _check_rows(session, order, kind, payload)


def _check_rows(session: Session, order: Order, kind: str, payload: dict[str, Any]) -> list[Any]:
    rows = payload.get("rows")
    if not isinstance(rows, list) or not rows:
        raise InvalidInput("rows: a structured deliverable needs its rows", field="rows")
    table = pd.DataFrame(rows)
    if kind == "results":
        return check_results(session, table, find=_batch_finder(order, session))
    study_id = payload.get("study_id")
    if not isinstance(study_id, int) or study_id not in _shared_ids(
        session, order, "stability_study"
    ):
        raise InvalidInput(
            f"study_id: {study_id!r} is not a stability study shared for order {order.id}",
            field="study_id",
        )
    study = studies.get_study(session, study_id)
    return studies.check_stability_results(session, study, table)


def submit_deliverable(
    uow: UnitOfWork,
    order_id: int,
    *,
    title: str,
    kind: str,
    payload: dict[str, Any] | None = None,
    file: tuple[BinaryIO, str] | None = None,
    store: BlobStore | None = None,
    max_bytes: int = 50 * 1024 * 1024,
    milestone_id: int | None = None,
    note: str = "",
) -> Deliverable:
    """The provider delivers rows (checked now against the shared records) or a document."""
    actor = uow.require_actor()
    session = uow.session
    order = get_order(session, order_id)
    if order.provider_organisation_id != actor.organisation_id:
        raise PermissionDenied("only the order's provider delivers for it")
    actor.require("write", "deliver results")
    if order.status not in ("active", "delivered"):
        raise Conflict(f"order {order.id} is {order.status} and takes no deliverable")
    if kind not in KINDS:
        raise InvalidInput(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}", field="kind")
    if milestone_id is not None and milestone_id not in {
        m.id for m in milestones_of(session, order)
    }:
        raise InvalidInput(
            f"milestone_id: not a milestone of order {order.id}", field="milestone_id"
        )
    payload = dict(payload or {})
    if kind == "document":
        if file is None or store is None:
            raise InvalidInput("file: a document deliverable needs its file", field="file")
        payload = {}
    else:
        rows = _checked(session, order, kind, payload)
        payload["checked_rows"] = len(rows)
    deliverable = Deliverable(
        organisation_id=order.organisation_id,
        order_id=order.id,
        provider_organisation_id=order.provider_organisation_id,
        milestone_id=milestone_id,
        title=check.text(title, "title", max_length=200),
        kind=kind,
        payload=payload,
        note=check.text(note, "note", max_length=5000, required=False),
        submitted_by_id=actor.user_id,
    )
    session.add(deliverable)
    session.flush()
    if file is not None and store is not None:
        stream, filename = file
        blob = store_blob(session, store, stream, filename, max_bytes)
        attachment = Attachment(
            organisation_id=order.organisation_id,
            record_type=deliverable.entity_type,
            record_id=deliverable.id,
            sha256=blob.sha256,
            filename=filename,
            media_type=blob.media_type,
            size=blob.size,
            uploaded_by_id=actor.user_id,
        )
        session.add(attachment)
        session.flush()
        deliverable.attachment_id = attachment.id
    record_creation(
        session,
        actor,
        deliverable,
        {
            "order_id": order.id,
            "title": deliverable.title,
            "kind": kind,
            "rows": payload.get("checked_rows"),
            "file": file[1] if file else None,
        },
    )
    if order.status == "active" and all(m.status == "done" for m in milestones_of(session, order)):
        order.delivered_at = utcnow()
        transition(session, actor, order, "delivered", ORDER_STATES, reason="redelivered")
    notify(
        session,
        order.organisation_id,
        kind="deliverable",
        title=f"Order {order.id}: {deliverable.title} to review",
        link=f"{order_link(order)}#deliverable-{deliverable.id}",
        record=deliverable,
    )
    return deliverable


def get_deliverable(session: Session, deliverable_id: int) -> Deliverable:
    deliverable = session.get(Deliverable, deliverable_id)
    if deliverable is None:
        raise NotFound(f"no deliverable {deliverable_id}")
    return deliverable


def _record_rows(uow: UnitOfWork, order: Order, deliverable: Deliverable) -> dict[str, Any]:
    """Write an accepted deliverable's rows into the sponsor's records."""
    session = uow.session
    rows = deliverable.payload.get("rows") or []
    table = pd.DataFrame(rows)
    if deliverable.kind == "results":
        checked = check_results(session, table, find=_batch_finder(order, session))
        ids = []
        for row in checked:
            batch_id = row.pop("batch_id")
            ids.append(record_result(uow, batch_id, **row).id)
        return {"result_ids": ids}
    written = studies.record_results(uow, int(deliverable.payload["study_id"]), table)
    flagged = [r for r in written if r.out_of_trend]
    return {
        "stability_result_ids": [r.id for r in written],
        "out_of_trend": [
            {"id": r.id, "attribute": r.attribute, "value": r.value, "note": r.trend_note}
            for r in flagged
        ],
    }


def _mark_roadmap(uow: UnitOfWork, order: Order, deliverable: Deliverable) -> list[str]:
    """Each roadmap activity the order serves gets the deliverable as its evidence."""
    program = get_program(uow.session, order.program_id)
    existing = status_records(uow.session, program)
    status = "done" if order.status == "delivered" else "in_progress"
    marked = []
    for activity_id in order.activity_ids:
        record = existing.get(activity_id)
        if record is not None and record.status == "done":
            continue
        set_activity_status(
            uow,
            program.id,
            activity_id,
            status=status,
            note=f"Order {order.id} ({order.title}): deliverable {deliverable.title!r} accepted",
            evidence_link=f"{order_link(order)}#deliverable-{deliverable.id}",
            version=record.version if record else None,
            reason=f"deliverable {deliverable.id} of order {order.id} accepted",
        )
        marked.append(activity_id)
    return marked


def review_deliverable(
    uow: UnitOfWork, deliverable_id: int, *, accept: bool, reason: str = ""
) -> Deliverable:
    """The sponsor accepts (recording any rows in its records) or rejects with a reason."""
    actor = uow.require_actor()
    session = uow.session
    deliverable = get_deliverable(session, deliverable_id)
    if deliverable.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the sponsor reviews deliverables")
    actor.require("write", "review deliverables")
    order = get_order(session, deliverable.order_id)
    why = check.text(reason, "reason", max_length=2000, required=not accept)
    deliverable.review_reason = why
    deliverable.reviewed_at = utcnow()
    deliverable.reviewed_by_id = actor.user_id
    if not accept:
        transition(session, actor, deliverable, "rejected", DELIVERABLE_STATES, reason=why)
        reopen_order(uow, order, f"deliverable {deliverable.id} rejected: {why}")
        notify(
            session,
            order.provider_organisation_id,
            kind="deliverable_rejected",
            title=f"Order {order.id}: {deliverable.title} rejected: {why}",
            link=f"{order_link(order)}#deliverable-{deliverable.id}",
            record=deliverable,
        )
        return deliverable
    if deliverable.status != "submitted":
        raise Conflict(
            f"deliverable {deliverable.id} is {deliverable.status}: it cannot become accepted "
            "(only from submitted)",
            field="status",
        )
    outcome = _record_rows(uow, order, deliverable) if deliverable.kind != "document" else {}
    outcome["roadmap"] = _mark_roadmap(uow, order, deliverable)
    deliverable.outcome = outcome
    transition(session, actor, deliverable, "accepted", DELIVERABLE_STATES, reason=why)
    notify(
        session,
        order.provider_organisation_id,
        kind="deliverable_accepted",
        title=f"Order {order.id}: {deliverable.title} accepted",
        link=f"{order_link(order)}#deliverable-{deliverable.id}",
        record=deliverable,
    )
    return deliverable


__all__ = [
    "KINDS",
    "deliverables_of",
    "get_deliverable",
    "review_deliverable",
    "submit_deliverable",
]

register_record_kind("deliverables", get_deliverable)
