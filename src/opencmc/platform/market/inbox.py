"""Notifications: the organisation's inbox of what waits on it, and the periodic sweep
that raises reminders for milestones coming due or overdue and for expiring
qualifications (each reminder once)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform.actor import Actor
from opencmc.platform.db import UNSCOPED
from opencmc.platform.market import evidence
from opencmc.platform.models import Milestone, Notification, Order, utcnow
from opencmc.platform.notices import notify
from opencmc.platform.uow import UnitOfWork

#: a pending milestone this close to its due date gets a "due soon" reminder
DUE_SOON_DAYS = 7


def _mine(actor: Actor) -> Any:
    return or_(Notification.user_id.is_(None), Notification.user_id == actor.user_id)


def notifications(
    session: Session, actor: Actor, *, unread_only: bool = False, limit: int = 100
) -> list[Notification]:
    """The caller's organisation's notifications (and the caller's own), newest first."""
    query = select(Notification).where(_mine(actor))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread_count(session: Session, actor: Actor) -> int:
    query = select(func.count(Notification.id)).where(_mine(actor), Notification.read_at.is_(None))
    return int(session.scalar(query) or 0)


def mark_read(uow: UnitOfWork, ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all) read; returns how many changed."""
    actor = uow.require_actor()
    statement = (
        update(Notification)
        .where(_mine(actor), Notification.read_at.is_(None))
        .values(read_at=utcnow(), read_by_id=actor.user_id)
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    result = uow.session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def sweep(uow: UnitOfWork, today: date | None = None) -> dict[str, int]:
    """Raise the reminders that are due; safe to run as often as one likes.

    Runs in a system unit of work (it reads every organisation's orders).
    """
    if not uow.is_system:
        raise PermissionError("the reminder sweep runs as the system")
    today = today or date.today()
    session = uow.session
    sent = {"due_soon": 0, "overdue": 0, "qualification": 0}
    pending = session.execute(
        select(Milestone, Order)
        .join(Order, Order.id == Milestone.order_id)
        .where(
            Milestone.status == "pending",
            Order.status == "active",
            Milestone.due_on <= today + timedelta(days=DUE_SOON_DAYS),
        ),
        execution_options={UNSCOPED: True},
    ).all()
    for milestone, order in pending:
        overdue = milestone.due_on < today
        state = "overdue" if overdue else "due_soon"
        parties = (
            (order.provider_organisation_id, order.organisation_id)
            if overdue
            else (order.provider_organisation_id,)
        )
        for party in parties:
            made = notify(
                session,
                party,
                kind=f"milestone_{state}",
                title=(
                    f"Order {order.id}: {milestone.title} "
                    f"{'was due' if overdue else 'is due'} on {milestone.due_on.isoformat()}"
                ),
                link=f"/market/orders/{order.id}",
                record=order,
                dedupe_key=f"milestone:{milestone.id}:{state}:{party}",
            )
            sent[state] += made is not None
    sent["qualification"] = evidence.flag_expiring(uow, today=today)
    return sent


def sweep_reminders(factory: sessionmaker[Session], today: date | None = None) -> dict[str, int]:
    """One sweep in its own system transaction: what the server and the CLI run."""
    with UnitOfWork(factory, None, system=True) as uow:
        sent = sweep(uow, today)
        uow.commit()
    return sent
