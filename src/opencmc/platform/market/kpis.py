"""The programme office's figures: how the marketplace moves and where voucher money goes.

Only counts, durations and sums leave the database: no query here selects a request's
scope, a program's name, a sequence, a specification or a result. The queries span every
organisation (``UNSCOPED``), so they run only after the caller is shown to be an operator.
"""

from __future__ import annotations

from datetime import date
from statistics import median
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from opencmc.platform.actor import Actor
from opencmc.platform.db import UNSCOPED
from opencmc.platform.errors import PermissionDenied
from opencmc.platform.models import (
    Milestone,
    Order,
    Organisation,
    Program,
    Quote,
    ServiceRequest,
    SupportProgramme,
    VoucherDraw,
    utcnow,
)

_DAY_SECONDS = 86400.0


def _rows(session: Session, query: Select[Any]) -> list[Any]:
    return list(session.execute(query, execution_options={UNSCOPED: True}).all())


def _by_status(session: Session, status: Any) -> dict[str, int]:
    return {s: int(n) for s, n in _rows(session, select(status, func.count()).group_by(status))}


def _median_days(pairs: list[Any]) -> dict[str, Any]:
    days = [(end - start).total_seconds() / _DAY_SECONDS for start, end in pairs if end]
    return {"median_days": round(median(days), 1) if days else None, "count": len(days)}


def operator_dashboard(
    session: Session, actor: Actor, *, today: date | None = None
) -> dict[str, Any]:
    """Requests and orders by status, lead times, on-time milestones and voucher spend.

    On time: a milestone done on or before its due date, over the milestones done and those
    pending past their due date (``today``, UTC, by default). Voucher spend counts the
    draws on this operator's vouchers that were not released.
    """
    if not actor.is_operator:
        raise PermissionDenied("only the programme office reads the marketplace's figures")
    today = today or utcnow().date()

    first_quote = (
        select(Quote.request_id, func.min(Quote.created_at).label("at"))
        .group_by(Quote.request_id)
        .subquery()
    )
    to_quote = _rows(
        session,
        select(ServiceRequest.created_at, first_quote.c.at).join(
            first_quote, first_quote.c.request_id == ServiceRequest.id
        ),
    )
    to_delivery = _rows(
        session,
        select(Order.accepted_at, Order.delivered_at).where(Order.delivered_at.is_not(None)),
    )

    done = Milestone.status == "done"
    on_time = and_(done, func.date(Milestone.completed_at) <= Milestone.due_on)
    overdue = and_(Milestone.status == "pending", Milestone.due_on < today)
    counted = _rows(
        session,
        select(
            func.count(case((on_time, 1))),
            func.count(case((done, 1))),
            func.count(case((overdue, 1))),
        ).where(or_(done, overdue)),
    )[0]
    timely, finished, late_open = (int(n) for n in counted)
    judged = finished + late_open

    unreleased = and_(
        VoucherDraw.released_at.is_(None),
        VoucherDraw.operator_organisation_id == actor.organisation_id,
    )
    spent = func.sum(VoucherDraw.amount)
    by_modality = _rows(
        session,
        select(Program.modality, Order.currency, spent, func.count())
        .join(Order, Order.id == VoucherDraw.order_id)
        .join(Program, Program.id == Order.program_id)
        .where(unreleased)
        .group_by(Program.modality, Order.currency)
        .order_by(spent.desc()),
    )
    by_provider = _rows(
        session,
        select(Organisation.name, Order.currency, spent, func.count())
        .join(Order, Order.id == VoucherDraw.order_id)
        .join(Organisation, Organisation.id == Order.provider_organisation_id)
        .where(unreleased)
        .group_by(Organisation.name, Order.currency)
        .order_by(spent.desc()),
    )
    value = func.sum(Order.total)
    orders_by_provider = _rows(
        session,
        select(Organisation.name, Order.currency, func.count(), value)
        .join(Organisation, Organisation.id == Order.provider_organisation_id)
        .group_by(Organisation.name, Order.currency)
        .order_by(func.count().desc(), Organisation.name),
    )
    programmes = _rows(
        session,
        select(
            SupportProgramme.id,
            SupportProgramme.title,
            SupportProgramme.status,
            SupportProgramme.currency,
            SupportProgramme.budget,
            SupportProgramme.committed,
        )
        .where(SupportProgramme.organisation_id == actor.organisation_id)
        .order_by(SupportProgramme.id),
    )
    return {
        "as_of": today.isoformat(),
        "requests_by_status": _by_status(session, ServiceRequest.status),
        "orders_by_status": _by_status(session, Order.status),
        "request_to_first_quote": _median_days(to_quote),
        "acceptance_to_delivery": _median_days(to_delivery),
        "milestones": {
            "on_time": timely,
            "late": finished - timely,
            "overdue": late_open,
            "on_time_rate": round(timely / judged, 3) if judged else None,
        },
        "voucher_spend_by_modality": [
            {"modality": m, "currency": c, "amount": int(a), "draws": int(n)}
            for m, c, a, n in by_modality
        ],
        "voucher_spend_by_provider": [
            {"provider": p, "currency": c, "amount": int(a), "draws": int(n)}
            for p, c, a, n in by_provider
        ],
        "orders_by_provider": [
            {"provider": p, "currency": c, "orders": int(n), "value": int(v)}
            for p, c, n, v in orders_by_provider
        ],
        "programmes": [
            {
                "id": i,
                "title": t,
                "status": s,
                "currency": c,
                "budget": int(b),
                "committed": int(k),
                "remaining": int(b) - int(k),
            }
            for i, t, s, c, b, k in programmes
        ],
    }
