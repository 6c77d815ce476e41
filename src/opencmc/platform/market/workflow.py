"""What every marketplace workflow shares: state transitions with allowed predecessors,
audited, and the trail of a two-party record (notifications: ``opencmc.platform.notices``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform.actor import Actor
from opencmc.platform.audit import record_event
from opencmc.platform.db import UNSCOPED
from opencmc.platform.errors import Conflict
from opencmc.platform.models import AuditEvent, utcnow

#: state -> the states it may move to, per kind of record
Transitions = Mapping[str, frozenset[str]]


def check_transition(record: Any, to: str, allowed: Transitions) -> str:
    """The record's current state, if it may move to ``to``; else a Conflict naming both
    states and the states ``to`` may be reached from."""
    current = str(record.status)
    if to not in allowed.get(current, frozenset()):
        sources = sorted(s for s, targets in allowed.items() if to in targets)
        where = ", ".join(sources) if sources else "no state"
        raise Conflict(
            f"{record.entity_type.replace('_', ' ')} {record.id} is {current}: it cannot "
            f"become {to} (only from {where})",
            field="status",
        )
    return current


def transition(
    session: Session,
    actor: Actor,
    record: Any,
    to: str,
    allowed: Transitions,
    *,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> None:
    """Move ``record`` to state ``to`` and write the audit event in the same transaction.

    The event is filed under the record's owner, so the record's trail is one chain
    whichever party acted; ``changes`` adds other fields the transition set.
    """
    before = check_transition(record, to, allowed)
    record.status = to
    if hasattr(record, "updated_at"):
        record.updated_at = utcnow()
    session.flush()
    record_event(
        session,
        actor=actor,
        organisation_id=record.organisation_id,
        action=f"status:{to}",
        entity_type=record.entity_type,
        entity_id=record.id,
        changes={"status": {"old": before, "new": to}, **(changes or {})},
        reason=reason,
    )


def party_trail(session: Session, record: Any) -> list[AuditEvent]:
    """The audit events of a record the caller has already loaded through its scope.

    A two-party record's events are filed under its owner; the other party may read them
    because it may read the record (the caller proves that by having loaded it).
    """
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.record_type == record.entity_type,
                AuditEvent.record_id == record.id,
            )
            .order_by(AuditEvent.seq),
            execution_options={UNSCOPED: True},
        )
    )
