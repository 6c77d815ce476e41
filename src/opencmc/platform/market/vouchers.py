"""Vouchers: the operator's decision on an application, and the draws accepted orders make.

Money is whole won. A voucher's ``drawn`` and a programme's ``committed`` change only by
guarded SQL updates (``... WHERE drawn + :amount <= cap``), so no interleaving of draws can
take either past its ceiling or below zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from opencmc.knowledge import Modality
from opencmc.platform import validation as check
from opencmc.platform.audit import record_event
from opencmc.platform.db import UNSCOPED
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market.support_programmes import (
    get_programme,
    lock_in_order,
    require_operator,
    require_runner,
    whole_number,
)
from opencmc.platform.market.workflow import Transitions, check_transition, transition
from opencmc.platform.models import Order, SupportProgramme, Voucher, VoucherDraw, utcnow
from opencmc.platform.notices import notify
from opencmc.platform.uow import UnitOfWork

VOUCHER_TRANSITIONS: Transitions = {
    "applied": frozenset({"approved", "rejected"}),
    "approved": frozenset(),
    "rejected": frozenset(),
}
#: how often a draw that lost a race to a concurrent one re-reads and tries again
DRAW_ATTEMPTS = 5


def get_voucher(session: Session, voucher_id: int) -> Voucher:
    voucher = session.get(Voucher, voucher_id)
    if voucher is None:
        raise NotFound(f"no voucher {voucher_id}")
    return voucher


def list_vouchers(
    session: Session, *, usable: bool = False
) -> list[tuple[Voucher, SupportProgramme]]:
    """The caller's vouchers (a sponsor) or those it runs (an operator), with programmes.

    ``usable``: only approved vouchers with money left in open programmes, the ones an
    order may draw on.
    """
    query = select(Voucher, SupportProgramme).join(
        SupportProgramme, SupportProgramme.id == Voucher.programme_id
    )
    if usable:
        query = query.where(
            Voucher.status == "approved",
            Voucher.drawn < Voucher.cap,
            SupportProgramme.status == "open",
        )
    rows = session.execute(query.order_by(Voucher.applied_at.desc(), Voucher.id))
    return [(voucher, programme) for voucher, programme in rows]


def list_draws(session: Session, voucher: Voucher) -> list[VoucherDraw]:
    """A voucher the caller has loaded: its draws, newest first, released ones too."""
    query = select(VoucherDraw).where(VoucherDraw.voucher_id == voucher.id)
    return list(session.scalars(query.order_by(VoucherDraw.id.desc())))


def approve_voucher(
    uow: UnitOfWork, voucher_id: int, *, cap: Any = None, reason: str = ""
) -> Voucher:
    """Approve an application with its cap: the programme's per-company cap, or less."""
    voucher = get_voucher(uow.session, voucher_id)
    programme = get_programme(uow.session, voucher.programme_id)
    actor = require_operator(uow, "approve vouchers")
    require_runner(actor, programme, "decide its applications")
    check_transition(voucher, "approved", VOUCHER_TRANSITIONS)
    if programme.status != "open":
        raise Conflict(
            f"support programme {programme.id} is {programme.status}: applications are "
            "decided while it is open",
            field="status",
        )
    granted = whole_number(cap, "cap", minimum=1, required=False) or programme.per_company_cap
    if granted > programme.per_company_cap:
        raise InvalidInput(
            f"cap: {granted} is more than the programme's per-company cap "
            f"({programme.per_company_cap})",
            field="cap",
        )
    why = check.text(reason, "reason", max_length=2000, required=False)
    voucher.cap, voucher.decided_at, voucher.decided_by_id = granted, utcnow(), actor.user_id
    voucher.status_reason = why
    transition(
        uow.session,
        actor,
        voucher,
        "approved",
        VOUCHER_TRANSITIONS,
        reason=why,
        changes={"cap": {"old": 0, "new": granted}},
    )
    _tell_sponsor(uow.session, voucher, programme, "approved")
    return voucher


def reject_voucher(uow: UnitOfWork, voucher_id: int, *, reason: str) -> Voucher:
    """Refuse an application; the reason is what the sponsor reads."""
    voucher = get_voucher(uow.session, voucher_id)
    programme = get_programme(uow.session, voucher.programme_id)
    actor = require_operator(uow, "reject vouchers")
    require_runner(actor, programme, "decide its applications")
    check_transition(voucher, "rejected", VOUCHER_TRANSITIONS)
    why = check.reason(reason)
    voucher.decided_at, voucher.decided_by_id, voucher.status_reason = (
        utcnow(),
        actor.user_id,
        why,
    )
    transition(uow.session, actor, voucher, "rejected", VOUCHER_TRANSITIONS, reason=why)
    _tell_sponsor(uow.session, voucher, programme, "rejected")
    return voucher


def _tell_sponsor(
    session: Session, voucher: Voucher, programme: SupportProgramme, outcome: str
) -> None:
    notify(
        session,
        voucher.organisation_id,
        kind="voucher_decision",
        title=f"Your application to {programme.title} was {outcome}",
        link="/market/vouchers",
        record=voucher,
    )


# --- draws ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """What a voucher would pay of an order's price now, and what the sponsor co-pays."""

    voucher_amount: int
    copay: int
    voucher_remaining: int
    programme_remaining: int


def _remaining(session: Session, voucher_id: int, programme_id: int) -> tuple[int, int]:
    """Fresh from the database (not the session's copies), across organisations."""
    left = session.execute(
        select(Voucher.cap - Voucher.drawn, SupportProgramme.budget - SupportProgramme.committed)
        .join(SupportProgramme, SupportProgramme.id == Voucher.programme_id)
        .where(Voucher.id == voucher_id, SupportProgramme.id == programme_id),
        execution_options={UNSCOPED: True},
    ).one()
    return int(left[0]), int(left[1])


def _usable(
    session: Session, voucher_id: int, *, total: int, currency: str, modality: str
) -> tuple[Voucher, SupportProgramme]:
    voucher = get_voucher(session, voucher_id)
    programme = get_programme(session, voucher.programme_id)
    if voucher.status != "approved":
        raise Conflict(f"voucher {voucher.id} is {voucher.status}, not approved", field="voucher")
    if programme.status != "open":
        raise Conflict(
            f"support programme {programme.id} is {programme.status}: its vouchers pay only "
            "while it is open",
            field="voucher",
        )
    check.choice(modality, "modality", Modality)
    eligible = programme.eligible_modalities
    if eligible and modality not in eligible:
        raise Conflict(
            f"modality: {modality} is not covered by support programme {programme.id} "
            f"({', '.join(eligible)})",
            field="modality",
        )
    if currency != programme.currency:
        raise Conflict(
            f"currency: the order is in {currency}, support programme {programme.id} pays "
            f"in {programme.currency}",
            field="currency",
        )
    if total < 0:
        raise InvalidInput(f"total: must not be negative, got {total}", field="total")
    return voucher, programme


def split_for(
    session: Session, voucher_id: int, *, total: int, currency: str, modality: str
) -> Split:
    """What ``voucher_id`` would pay of an order of ``total`` now (nothing is written)."""
    voucher, programme = _usable(
        session, voucher_id, total=total, currency=currency, modality=modality
    )
    voucher_left, programme_left = _remaining(session, voucher.id, programme.id)
    amount = max(0, min(total * programme.coverage_percent // 100, voucher_left, programme_left))
    return Split(amount, total - amount, voucher_left, programme_left)


def _add(session: Session, model: Any, record_id: int, amount: int) -> bool:
    """``amount`` onto ``drawn`` (voucher) or ``committed`` (programme) if it stays within
    ``cap`` or ``budget`` and above zero; False when the guard refused it."""
    used, ceiling = (
        (model.drawn, model.cap) if model is Voucher else (model.committed, model.budget)
    )
    statement = (
        update(model)
        .where(model.id == record_id, used + amount <= ceiling, used + amount >= 0)
        .values({used.key: used + amount})
        .execution_options(synchronize_session=False)
    )
    result: Any = session.execute(statement, execution_options={UNSCOPED: True})
    return bool(result.rowcount == 1)


def draw_for_order(uow: UnitOfWork, voucher_id: int, order: Order, modality: str) -> VoucherDraw:
    """Let an accepted order draw on the sponsor's voucher, in the acceptance's transaction.

    The voucher pays ``coverage_percent`` of the order's total, no more than the voucher
    or the programme has left; the sponsor co-pays the rest. A draw that loses a race to a
    concurrent one re-reads what is left and tries again; nothing ever passes a cap.
    """
    actor = uow.require_actor()
    actor.require("write", "draw on a voucher")
    if actor.organisation_id != order.organisation_id:
        raise PermissionDenied(f"only the sponsor of order {order.id} draws on its voucher")
    if order.status != "active" or order.voucher_id is not None:
        raise Conflict(
            f"order {order.id} is {order.status}"
            + (f" and draws on voucher {order.voucher_id} already" if order.voucher_id else ""),
            field="voucher",
        )
    session = uow.session
    voucher, programme = _usable(
        session, voucher_id, total=order.total, currency=order.currency, modality=modality
    )
    if voucher.organisation_id != order.organisation_id:
        raise PermissionDenied(f"voucher {voucher.id} is not the sponsor's of order {order.id}")
    lock_in_order(session)
    wanted = order.total * programme.coverage_percent // 100
    for _attempt in range(DRAW_ATTEMPTS):
        voucher_left, programme_left = _remaining(session, voucher.id, programme.id)
        amount = min(wanted, voucher_left, programme_left)
        if amount <= 0:
            raise Conflict(
                f"voucher {voucher.id} cannot pay towards order {order.id}: the voucher has "
                f"{voucher_left} {programme.currency} left, the programme "
                f"{programme_left} {programme.currency}",
                field="voucher",
            )
        if _add(session, Voucher, voucher.id, amount):
            if _add(session, SupportProgramme, programme.id, amount):
                break
            _add(session, Voucher, voucher.id, -amount)  # the programme ran short: give back
    else:
        raise Conflict(
            f"voucher {voucher.id}: other orders drew on it at the same time; try again",
            field="voucher",
        )
    session.expire(voucher, ["drawn"])
    session.expire(programme, ["committed"])
    draw = VoucherDraw(
        organisation_id=order.organisation_id,
        voucher_id=voucher.id,
        order_id=order.id,
        operator_organisation_id=voucher.operator_organisation_id,
        amount=amount,
    )
    session.add(draw)
    order.voucher_id, order.voucher_amount = voucher.id, amount
    session.flush()
    after = voucher.drawn  # reloaded: this transaction holds the row, the value is ours
    why = f"order {order.id}: {programme.coverage_percent}% of {order.total} {order.currency}"
    for entity_type, entity_id, changes in (
        ("voucher", voucher.id, {"drawn": {"old": after - amount, "new": after}}),
        ("order", order.id, {"voucher_id": {"old": None, "new": voucher.id},
                             "voucher_amount": {"old": 0, "new": amount}}),
    ):  # fmt: skip
        record_event(
            session,
            actor=actor,
            organisation_id=order.organisation_id,
            action="voucher_draw",
            entity_type=entity_type,
            entity_id=entity_id,
            changes=changes,
            reason=why,
        )
    return draw


def release_for_order(uow: UnitOfWork, order: Order, reason: str) -> VoucherDraw:
    """Give a cancelled order's draw back to its voucher and programme, once."""
    actor = uow.require_actor()
    actor.require("write", "release a voucher draw")
    if actor.organisation_id not in (order.organisation_id, order.provider_organisation_id):
        raise PermissionDenied(f"only a party to order {order.id} releases its voucher draw")
    if order.status != "cancelled":
        raise Conflict(
            f"order {order.id} is {order.status}: only a cancelled order gives its draw back",
            field="status",
        )
    why = check.reason(reason)
    session = uow.session
    lock_in_order(session)
    draw = session.scalar(
        select(VoucherDraw).where(VoucherDraw.order_id == order.id),
        execution_options={UNSCOPED: True},
    )
    if draw is None:
        raise Conflict(f"order {order.id} draws on no voucher", field="voucher")
    stamped: Any = session.execute(
        update(VoucherDraw)
        .where(VoucherDraw.id == draw.id, VoucherDraw.released_at.is_(None))
        .values(released_at=utcnow())
        .execution_options(synchronize_session=False),
        execution_options={UNSCOPED: True},
    )
    if stamped.rowcount != 1:
        session.refresh(draw)
        when = draw.released_at.isoformat() if draw.released_at else "already"
        raise Conflict(
            f"the draw of order {order.id} was released already ({when})", field="voucher"
        )
    programme_id = session.scalar(
        select(Voucher.programme_id).where(Voucher.id == draw.voucher_id),
        execution_options={UNSCOPED: True},
    )
    assert programme_id is not None
    if not (
        _add(session, Voucher, draw.voucher_id, -draw.amount)
        and _add(session, SupportProgramme, programme_id, -draw.amount)
    ):
        raise Conflict(f"voucher {draw.voucher_id} holds less than the draw of order {order.id}")
    session.refresh(draw)
    record_event(
        session,
        actor=actor,
        organisation_id=draw.organisation_id,
        action="voucher_release",
        entity_type="voucher",
        entity_id=draw.voucher_id,
        changes={"released": {"old": None, "new": {"order": order.id, "amount": draw.amount}}},
        reason=why,
    )
    return draw
