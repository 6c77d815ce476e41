"""Orders: an accepted quote with dated milestones, the records shared for it, and the
voucher draw that pays part of it. Closing or cancelling an order ends its shares."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.knowledge.loader import load_knowledge
from opencmc.platform import validation as check
from opencmc.platform.audit import record_creation
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import qualification, vouchers
from opencmc.platform.market.requests import (
    QUOTE_STATES,
    RECIPIENT_STATES,
    REQUEST_STATES,
    get_quote,
    get_request,
    quotes_of,
    recipients_of,
)
from opencmc.platform.market.workflow import transition
from opencmc.platform.models import (
    Batch,
    Candidate,
    Deliverable,
    Material,
    Milestone,
    Offering,
    Order,
    RequestRecipient,
    Share,
    Specification,
    StabilityStudy,
    utcnow,
)
from opencmc.platform.notices import notify
from opencmc.platform.programs import get_program
from opencmc.platform.records import load_record, register_record_kind
from opencmc.platform.shares import grant_share, revoke_share
from opencmc.platform.uow import UnitOfWork

ORDER_STATES = {
    "active": frozenset({"delivered", "cancelled"}),
    "delivered": frozenset({"closed", "active"}),
}
MILESTONE_STATES = {"pending": frozenset({"done"})}


def order_link(order: Order) -> str:
    return f"/market/orders/{order.id}"


def get_order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"no order {order_id}")
    return order


def order_for_request(session: Session, request_id: int) -> Order | None:
    """The order a request led to, if the caller may see it."""
    return session.scalar(select(Order).where(Order.request_id == request_id))


def list_orders(session: Session) -> list[Order]:
    """The orders the caller is a party to (as sponsor or as provider), newest first."""
    return list(session.scalars(select(Order).order_by(Order.id.desc())))


def milestones_of(session: Session, order: Order) -> list[Milestone]:
    return list(
        session.scalars(
            select(Milestone).where(Milestone.order_id == order.id).order_by(Milestone.position)
        )
    )


def deliverables_of(session: Session, order: Order) -> list[Deliverable]:
    return list(
        session.scalars(
            select(Deliverable).where(Deliverable.order_id == order.id).order_by(Deliverable.id)
        )
    )


def shares_of(session: Session, order: Order) -> list[Share]:
    return list(session.scalars(select(Share).where(Share.order_id == order.id).order_by(Share.id)))


def shared_studies(session: Session, order: Order) -> list[StabilityStudy]:
    """The stability studies live-shared for this order (their pull calendars are the
    provider's work plan)."""
    ids = [
        s.record_id
        for s in shares_of(session, order)
        if s.record_type == "stability_study" and s.revoked_at is None
    ]
    if not ids:
        return []
    return list(
        session.scalars(
            select(StabilityStudy).where(StabilityStudy.id.in_(ids)).order_by(StabilityStudy.id)
        )
    )


def _activities(session: Session, order_request: Any, recipient: RequestRecipient) -> list[str]:
    if order_request.activity_id:
        return [order_request.activity_id]
    if recipient.offering_id is None:
        return []
    offering = session.get(Offering, recipient.offering_id)
    program = get_program(session, order_request.program_id)
    known = load_knowledge().activities
    return [
        a
        for a in (offering.activity_ids if offering else [])
        if a in known and known[a].applies_to(program.modality)
    ]


def accept_quote(
    uow: UnitOfWork,
    quote_id: int,
    *,
    share: list[tuple[str, int]] | None = None,
    voucher_id: int | None = None,
    today: date | None = None,
) -> Order:
    """The sponsor accepts a quote: the order, its milestones, the shares it chose and the
    voucher draw are made in one transaction, and the other quotes are declined."""
    actor = uow.require_actor()
    actor.require("write", "accept quotes")
    session = uow.session
    quote = get_quote(session, quote_id)
    if quote.sponsor_organisation_id != actor.organisation_id:
        raise PermissionDenied("only the requesting sponsor may accept a quote")
    today = today or date.today()
    if quote.status == "submitted" and quote.valid_until < today:
        raise Conflict(
            f"quote {quote.id} expired on {quote.valid_until.isoformat()}; ask for a new one",
            field="valid_until",
        )
    request = get_request(session, quote.request_id)
    qualification.require_orderable(session, quote.organisation_id)
    recipient = session.get(RequestRecipient, quote.recipient_id)
    assert recipient is not None  # the quote's own recipient is the sponsor's record
    quote.decided_at = utcnow()
    transition(session, actor, quote, "accepted", QUOTE_STATES)
    transition(session, actor, recipient, "accepted", RECIPIENT_STATES)
    transition(session, actor, request, "ordered", REQUEST_STATES)
    for other in quotes_of(session, request):
        if other.id != quote.id and other.status == "submitted":
            other.status_reason = "another provider's quote was accepted"
            other.decided_at = utcnow()
            transition(session, actor, other, "rejected", QUOTE_STATES)
    for other_recipient in recipients_of(session, request):
        if other_recipient.id != recipient.id and other_recipient.status in RECIPIENT_STATES:
            transition(session, actor, other_recipient, "not_selected", RECIPIENT_STATES)
            notify(
                session,
                other_recipient.provider_organisation_id,
                kind="not_selected",
                title=f"Another provider was chosen for: {request.title}",
                link=f"/market/inbox/{other_recipient.id}",
                record=other_recipient,
            )
    order = Order(
        organisation_id=request.organisation_id,
        request_id=request.id,
        quote_id=quote.id,
        provider_organisation_id=quote.organisation_id,
        program_id=request.program_id,
        title=request.title,
        activity_ids=_activities(session, request, recipient),
        total=quote.total,
        currency=quote.currency,
        accepted_by_id=actor.user_id,
    )
    record_creation(
        session,
        actor,
        order,
        {
            "quote_id": quote.id,
            "provider": quote.organisation_id,
            "total": order.total,
            "milestones": [m["title"] for m in quote.milestones],
        },
    )
    for position, planned in enumerate(quote.milestones, start=1):
        session.add(
            Milestone(
                organisation_id=order.organisation_id,
                order_id=order.id,
                provider_organisation_id=order.provider_organisation_id,
                position=position,
                title=planned["title"],
                due_on=today + timedelta(weeks=int(planned["weeks"])),
            )
        )
    session.flush()
    for kind, record_id in share or []:
        share_with_order(uow, order, kind, record_id)
    if voucher_id is not None:
        program = get_program(session, order.program_id)
        vouchers.draw_for_order(uow, voucher_id, order, program.modality)
    notify(
        session,
        order.provider_organisation_id,
        kind="order",
        title=f"Order {order.id} placed by {actor.organisation_name}: {order.title}",
        link=order_link(order),
        record=order,
    )
    return order


def share_with_order(uow: UnitOfWork, order: Order, kind: str, record_id: int) -> Share:
    """Share one of the sponsor's records with the order's provider, for this order only."""
    actor = uow.require_actor()
    if order.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the sponsor shares its records with an order")
    if order.status not in ("active", "delivered"):
        raise Conflict(f"order {order.id} is {order.status}: nothing more is shared for it")
    try:
        record = load_record(uow.session, kind, record_id)
    except NotFound:
        raise InvalidInput(f"share: no {kind} {record_id} to share", field="share") from None
    program_id = (
        record.id if record.entity_type == "program" else getattr(record, "program_id", None)
    )
    if program_id is not None and program_id != order.program_id:
        raise InvalidInput(f"share: {kind} {record_id} belongs to another program", field="share")
    granted = grant_share(
        uow,
        record,
        grantee_organisation_id=order.provider_organisation_id,
        purpose=f"order {order.id}: {order.title}",
    )
    granted.order_id = order.id
    uow.session.flush()
    return granted


def _end_shares(uow: UnitOfWork, order: Order, reason: str) -> int:
    ended = 0
    for live in shares_of(uow.session, order):
        if live.revoked_at is None:
            revoke_share(uow, live.id, reason)
            ended += 1
    return ended


def complete_milestone(uow: UnitOfWork, milestone_id: int, note: str = "") -> Milestone:
    """The provider marks a milestone done; the last one marks the order delivered."""
    actor = uow.require_actor()
    session = uow.session
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound(f"no milestone {milestone_id}")
    if milestone.provider_organisation_id != actor.organisation_id:
        raise PermissionDenied("only the order's provider completes its milestones")
    actor.require("write", "complete milestones")
    order = get_order(session, milestone.order_id)
    if order.status != "active":
        raise Conflict(f"order {order.id} is {order.status}: its milestones are settled")
    milestone.note = check.text(note, "note", max_length=5000, required=False)
    milestone.completed_at = utcnow()
    milestone.completed_by_id = actor.user_id
    late = date.today() > milestone.due_on
    transition(
        session,
        actor,
        milestone,
        "done",
        MILESTONE_STATES,
        reason=milestone.note,
        changes={"on_time": {"old": None, "new": not late}},
    )
    notify(
        session,
        order.organisation_id,
        kind="milestone",
        title=f"Order {order.id}: {milestone.title} done",
        link=order_link(order),
        record=order,
    )
    if all(m.status == "done" for m in milestones_of(session, order)):
        order.delivered_at = utcnow()
        transition(session, actor, order, "delivered", ORDER_STATES, reason="all milestones done")
    return milestone


def close_order(uow: UnitOfWork, order_id: int, reason: str) -> Order:
    """The sponsor closes a delivered order; the provider's access to the records ends."""
    actor = uow.require_actor()
    order = get_order(uow.session, order_id)
    if order.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the sponsor closes an order")
    actor.require("write", "close orders")
    why = check.reason(reason)
    waiting = [d.id for d in deliverables_of(uow.session, order) if d.status == "submitted"]
    if waiting:
        raise Conflict(
            f"order {order.id} has deliverables awaiting review ({', '.join(map(str, waiting))});"
            " accept or reject them first"
        )
    order.closed_at = utcnow()
    order.status_reason = why
    transition(uow.session, actor, order, "closed", ORDER_STATES, reason=why)
    _end_shares(uow, order, f"order {order.id} closed")
    notify(
        uow.session,
        order.provider_organisation_id,
        kind="order_closed",
        title=f"Order {order.id} closed: {order.title}",
        link=order_link(order),
        record=order,
    )
    return order


def cancel_order(uow: UnitOfWork, order_id: int, reason: str) -> Order:
    """The sponsor cancels an active order: the voucher draw is released, shares end."""
    actor = uow.require_actor()
    order = get_order(uow.session, order_id)
    if order.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the sponsor cancels an order")
    actor.require("write", "cancel orders")
    why = check.reason(reason)
    order.closed_at = utcnow()
    order.status_reason = why
    transition(uow.session, actor, order, "cancelled", ORDER_STATES, reason=why)
    if order.voucher_id is not None:
        vouchers.release_for_order(uow, order, why)
    _end_shares(uow, order, f"order {order.id} cancelled")
    notify(
        uow.session,
        order.provider_organisation_id,
        kind="order_cancelled",
        title=f"Order {order.id} cancelled: {why}",
        link=order_link(order),
        record=order,
    )
    return order


def reopen_order(uow: UnitOfWork, order: Order, reason: str) -> None:
    """A rejected deliverable sends a delivered order back to work."""
    actor = uow.require_actor()
    if order.status == "delivered":
        order.delivered_at = None
        transition(uow.session, actor, order, "active", ORDER_STATES, reason=reason)


register_record_kind("orders", get_order)
register_record_kind("service-requests", get_request)


def shareable_records(session: Session, program_id: int) -> list[tuple[str, int, str]]:
    """What a sponsor may share with an order of this program: (kind, id, label) of the
    program, its candidates and its materials' specifications, batches and studies."""
    program = get_program(session, program_id)
    out: list[tuple[str, int, str]] = [("programs", program.id, f"Program {program.name}")]
    out += [
        ("candidates", c.id, f"Candidate {c.name} {c.code}".strip())
        for c in session.scalars(select(Candidate).where(Candidate.program_id == program.id))
    ]
    materials = list(session.scalars(select(Material).where(Material.program_id == program.id)))
    ids = [m.id for m in materials]
    if ids:
        out += [
            ("specifications", s.id, f"Specification {s.title} v{s.number} ({s.status})")
            for s in session.scalars(
                select(Specification).where(Specification.material_id.in_(ids))
            )
        ]
        out += [
            ("batches", b.id, f"Batch {b.number}")
            for b in session.scalars(select(Batch).where(Batch.material_id.in_(ids)))
        ]
        out += [
            ("stability-studies", s.id, f"Stability study {s.title}")
            for s in session.scalars(
                select(StabilityStudy).where(StabilityStudy.material_id.in_(ids))
            )
        ]
    return out
