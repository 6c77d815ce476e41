"""The audit trail: append an event in the caller's transaction, read a record's trail,
verify the hash chain, export as CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from opencmc.platform.actor import Actor
from opencmc.platform.db import UNSCOPED
from opencmc.platform.models import AuditEvent, utcnow

GENESIS = "0" * 64
# any constant: the advisory lock that serialises appends to the chain on PostgreSQL
_CHAIN_LOCK_KEY = 0x0C3C_A0D1


def canonical(value: Any) -> str:
    """Deterministic JSON: sorted keys, no spaces, UTF-8 kept, datetimes in ISO 8601."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} into the audit trail")


def content_hash(content: Any) -> str:
    return hashlib.sha256(canonical(content).encode("utf-8")).hexdigest()


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """The fields a chain hash covers (everything but the hash itself)."""
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "user_id": event.user_id,
        "user_email": event.user_email,
        "organisation_id": event.organisation_id,
        "action": event.action,
        "entity_type": event.record_type,
        "entity_id": event.record_id,
        "changes": event.changes,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Changed fields as ``{field: {"old": ..., "new": ...}}``."""
    return {
        key: {"old": before.get(key), "new": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record_event(
    session: Session,
    *,
    actor: Actor | None,
    organisation_id: int,
    action: str,
    entity_type: str,
    entity_id: int,
    changes: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction.

    The pending change is flushed first, so that on SQLite this transaction already holds
    the write lock when it reads the chain's head; PostgreSQL takes an advisory lock. The
    unique ``seq`` makes a forked chain impossible even if both were bypassed.
    """
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    head = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1),
        execution_options={UNSCOPED: True},
    ).first()
    event = AuditEvent(
        seq=(head.seq + 1) if head else 1,
        occurred_at=utcnow(),
        user_id=actor.user_id if actor else None,
        user_email=actor.email if actor else "system",
        organisation_id=organisation_id,
        action=action,
        record_type=entity_type,
        record_id=entity_id,
        changes=json.loads(canonical(changes or {})),
        reason=reason,
        prev_hash=head.hash if head else GENESIS,
    )
    event.hash = content_hash(event_payload(event))
    session.add(event)
    session.flush()
    return event


def record_creation(
    session: Session, actor: Actor | None, record: Any, fields: dict[str, Any]
) -> AuditEvent:
    """Add a new record and write its "create" event, with ``fields`` as the new values,
    under the record's organisation."""
    session.add(record)
    session.flush()
    return record_event(
        session,
        actor=actor,
        organisation_id=record.organisation_id,
        action="create",
        entity_type=record.entity_type,
        entity_id=record.id,
        changes=diff({}, fields),
    )


def trail(session: Session, entity_type: str, entity_id: int) -> list[AuditEvent]:
    """A record's events, oldest first (scoped like every query)."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type == entity_type, AuditEvent.record_id == entity_id)
            .order_by(AuditEvent.seq)
        )
    )


def organisation_trail(
    session: Session, *, limit: int = 100, offset: int = 0, entity_type: str | None = None
) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)
    if entity_type:
        query = query.where(AuditEvent.record_type == entity_type)
    return list(session.scalars(query))


@dataclass(frozen=True)
class ChainReport:
    """The outcome of :func:`verify_chain`: ``ok``, or the first broken link and why."""

    ok: bool
    events_checked: int
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "broken_seq": self.broken_seq,
            "broken_id": self.broken_id,
            "problem": self.problem,
        }


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole chain (needs a system-scoped session) and report the first break."""
    events = session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000),
        execution_options={UNSCOPED: True},
    )
    return _walk(events)


def _walk(events: Iterable[AuditEvent]) -> ChainReport:
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for event in events:
        problem = None
        if event.seq != expected_seq:
            problem = f"sequence gap: expected event {expected_seq}, found {event.seq}"
        elif event.prev_hash != expected_prev:
            problem = "previous-hash link does not match the event before it"
        elif content_hash(event_payload(event)) != event.hash:
            problem = "content does not match its hash (the event was altered)"
        if problem:
            return ChainReport(False, checked, event.seq, event.id, problem)
        checked += 1
        expected_prev, expected_seq = event.hash, event.seq + 1
    return ChainReport(True, checked)


CSV_COLUMNS = (
    "seq",
    "occurred_at_utc",
    "user_email",
    "organisation_id",
    "action",
    "entity_type",
    "entity_id",
    "changes",
    "reason",
    "prev_hash",
    "hash",
)


def export_csv(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The trail as CSV text, in chunks, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for event in events:
        writer.writerow(
            [
                event.seq,
                event.occurred_at.isoformat(),
                event.user_email,
                event.organisation_id,
                event.action,
                event.record_type,
                event.record_id,
                canonical(event.changes),
                event.reason,
                event.prev_hash,
                event.hash,
            ]
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
