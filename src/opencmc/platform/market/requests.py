"""Requests and quotes: a sponsor asks one or more providers; each provider acknowledges
the confidentiality terms, then quotes or declines; the sponsor rejects or accepts.

Accepting a quote turns it into an order (``opencmc.platform.market.orders``).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import validation as check
from opencmc.platform.audit import record_creation
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import catalogue, qualification
from opencmc.platform.market.workflow import transition
from opencmc.platform.models import (
    Organisation,
    Quote,
    RequestRecipient,
    ServiceRequest,
    utcnow,
)
from opencmc.platform.notices import notify
from opencmc.platform.programs import get_candidate, get_program
from opencmc.platform.uow import UnitOfWork

#: the confidentiality terms a provider acknowledges before it reads a request's detail
TERMS_VERSION = "CDA-2026-1"
CONFIDENTIALITY_TERMS = (
    "The provider keeps confidential everything the sponsor discloses through this request "
    "and any order that follows (program, candidate, materials, records shared with it), uses "
    "it only to quote for and perform the requested service, discloses it only to its staff "
    "who need it for that purpose and who are bound by the same duty, and returns or destroys "
    "it when the sponsor asks or the order closes, keeping only what its own quality system "
    "must archive. The duty lasts five years from acknowledgement."
)

REQUEST_STATES = {
    "open": frozenset({"ordered", "withdrawn"}),
}
RECIPIENT_STATES = {
    "sent": frozenset({"acknowledged", "declined", "withdrawn", "not_selected"}),
    "acknowledged": frozenset({"quoted", "declined", "withdrawn", "not_selected"}),
    "quoted": frozenset({"acknowledged", "accepted", "not_selected", "withdrawn"}),
}
QUOTE_STATES = {
    "submitted": frozenset({"accepted", "rejected", "withdrawn"}),
}
#: the milestones an order carries when the quote names none: title, share of lead time
DEFAULT_MILESTONES = (
    ("Protocol approved", 0.1),
    ("Samples received", 0.2),
    ("Testing done", 0.85),
    ("Report delivered", 1.0),
)


def request_link(request: ServiceRequest) -> str:
    return f"/market/requests/{request.id}"


def recipient_link(recipient: RequestRecipient) -> str:
    return f"/market/inbox/{recipient.id}"


def _optional_date(value: object, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field) from None


def _provider(session: Session, organisation_id: int) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind != "provider":
        raise InvalidInput(
            f"providers: organisation {organisation_id} is not a provider", field="providers"
        )
    return organisation


def send_request(
    uow: UnitOfWork,
    *,
    program_id: int,
    title: str,
    scope: str,
    category: str,
    recipients: list[dict[str, Any]],
    candidate_id: int | None = None,
    activity_id: str | None = None,
    materials: str = "",
    desired_start: object = None,
    desired_end: object = None,
    package_id: int | None = None,
) -> ServiceRequest:
    """Send a request to one or more qualified providers.

    ``recipients``: ``{"provider_organisation_id": id}`` or ``{"offering_id": id}`` each.
    The providers see a summary until they acknowledge the confidentiality terms.
    """
    actor = uow.require_actor()
    actor.require("write", "request services")
    if not actor.is_sponsor:
        raise PermissionDenied("only a sponsor organisation requests services")
    session = uow.session
    program = get_program(session, program_id)
    if program.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the program's owner requests services for it")
    if program.archived_at is not None:
        raise Conflict(f"program {program.id} is archived")
    candidate = None
    if candidate_id is not None:
        candidate = get_candidate(session, candidate_id)
        if candidate.program_id != program.id:
            raise InvalidInput(
                f"candidate_id: candidate {candidate_id} is not in program {program.id}",
                field="candidate_id",
            )
    if category not in catalogue.CATEGORIES:
        raise InvalidInput(f"category: {category!r} is not a service category", field="category")
    start = _optional_date(desired_start, "desired_start")
    end = _optional_date(desired_end, "desired_end")
    if start and end and end < start:
        raise InvalidInput("desired_end: must not come before desired_start", field="desired_end")
    if not recipients:
        raise InvalidInput("providers: choose at least one provider", field="providers")
    chosen: dict[int, int | None] = {}
    for entry in recipients:
        offering_id = entry.get("offering_id")
        if offering_id is not None:
            offering = catalogue.get_offering(session, int(offering_id))
            if offering.status != "published":
                raise Conflict(f"offering {offering.id} is not published")
            provider_id = offering.organisation_id
        else:
            provider_id = int(entry.get("provider_organisation_id") or 0)
        _provider(session, provider_id)
        qualification.require_orderable(session, provider_id)
        if provider_id in chosen:
            raise InvalidInput(
                f"providers: organisation {provider_id} is named twice", field="providers"
            )
        chosen[provider_id] = int(offering_id) if offering_id is not None else None
    request = ServiceRequest(
        organisation_id=program.organisation_id,
        program_id=program.id,
        candidate_id=candidate.id if candidate else None,
        package_id=package_id,
        activity_id=activity_id or None,
        category=category,
        title=check.text(title, "title", max_length=200),
        scope=check.text(scope, "scope", max_length=20000),
        materials=check.text(materials, "materials", max_length=20000, required=False),
        desired_start=start,
        desired_end=end,
        program_summary={
            "program": program.name,
            "candidate": f"{candidate.name} {candidate.code}".strip() if candidate else "",
        },
        created_by_id=actor.user_id,
    )
    record_creation(
        session,
        actor,
        request,
        {
            "title": request.title,
            "category": category,
            "program_id": program.id,
            "providers": sorted(chosen),
        },
    )
    summary = {
        "sponsor": actor.organisation_name,
        "title": request.title,
        "category": category,
        "modality": program.modality,
        "stage": program.current_stage,
        "desired_start": start.isoformat() if start else None,
        "desired_end": end.isoformat() if end else None,
    }
    for provider_id, offering_id in chosen.items():
        recipient = RequestRecipient(
            organisation_id=request.organisation_id,
            request_id=request.id,
            provider_organisation_id=provider_id,
            offering_id=offering_id,
            summary=summary,
        )
        session.add(recipient)
        session.flush()
        notify(
            session,
            provider_id,
            kind="request",
            title=f"New request from {actor.organisation_name}: {request.title}",
            link=recipient_link(recipient),
            record=recipient,
        )
    return request


def get_request(session: Session, request_id: int) -> ServiceRequest:
    request = session.get(ServiceRequest, request_id)
    if request is None:
        raise NotFound(f"no request {request_id}")
    return request


def get_recipient(session: Session, recipient_id: int) -> RequestRecipient:
    recipient = session.get(RequestRecipient, recipient_id)
    if recipient is None:
        raise NotFound(f"no request {recipient_id} in your inbox")
    return recipient


def recipients_of(session: Session, request: ServiceRequest) -> list[RequestRecipient]:
    return list(
        session.scalars(
            select(RequestRecipient)
            .where(RequestRecipient.request_id == request.id)
            .order_by(RequestRecipient.id)
        )
    )


def quotes_of(session: Session, request: ServiceRequest) -> list[Quote]:
    """The quotes the caller may see: a sponsor all of them, a provider its own."""
    return list(
        session.scalars(select(Quote).where(Quote.request_id == request.id).order_by(Quote.id))
    )


def list_requests(session: Session) -> list[ServiceRequest]:
    """A sponsor's requests, newest first."""
    return list(session.scalars(select(ServiceRequest).order_by(ServiceRequest.id.desc())))


def inbox(session: Session, provider_organisation_id: int) -> list[RequestRecipient]:
    """The requests addressed to a provider, newest first."""
    return list(
        session.scalars(
            select(RequestRecipient)
            .where(RequestRecipient.provider_organisation_id == provider_organisation_id)
            .order_by(RequestRecipient.id.desc())
        )
    )


def _as_provider(uow: UnitOfWork, recipient_id: int, doing: str) -> RequestRecipient:
    actor = uow.require_actor()
    recipient = get_recipient(uow.session, recipient_id)
    if recipient.provider_organisation_id != actor.organisation_id:
        raise PermissionDenied(f"only the provider the request went to may {doing}")
    actor.require("write", doing)
    return recipient


def acknowledge_terms(uow: UnitOfWork, recipient_id: int) -> RequestRecipient:
    """The provider accepts the confidentiality terms; the request's detail opens to it."""
    recipient = _as_provider(uow, recipient_id, "acknowledge the confidentiality terms")
    actor = uow.require_actor()
    recipient.nda_acknowledged_at = utcnow()
    recipient.nda_acknowledged_by_id = actor.user_id
    recipient.nda_terms_version = TERMS_VERSION
    transition(
        uow.session,
        actor,
        recipient,
        "acknowledged",
        RECIPIENT_STATES,
        reason=f"confidentiality terms {TERMS_VERSION} acknowledged by {actor.email}",
        changes={"terms": {"old": None, "new": TERMS_VERSION}},
    )
    return recipient


def decline_request(uow: UnitOfWork, recipient_id: int, reason: str) -> RequestRecipient:
    recipient = _as_provider(uow, recipient_id, "decline this request")
    why = check.reason(reason)
    recipient.status_reason = why
    transition(
        uow.session, uow.require_actor(), recipient, "declined", RECIPIENT_STATES, reason=why
    )
    notify(
        uow.session,
        recipient.organisation_id,
        kind="declined",
        title=f"{uow.require_actor().organisation_name} declined: {recipient.summary.get('title')}",
        link=f"/market/requests/{recipient.request_id}",
        record=recipient,
    )
    return recipient


def withdraw_request(uow: UnitOfWork, request_id: int, reason: str) -> ServiceRequest:
    """The sponsor withdraws an open request; every provider still on it is told."""
    actor = uow.require_actor()
    session = uow.session
    request = get_request(session, request_id)
    if request.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the sponsor who sent the request may withdraw it")
    actor.require("write", "withdraw requests")
    why = check.reason(reason)
    transition(session, actor, request, "withdrawn", REQUEST_STATES, reason=why)
    for quote in quotes_of(session, request):
        if quote.status == "submitted":
            quote.status_reason = why
            quote.decided_at = utcnow()
            transition(session, actor, quote, "rejected", QUOTE_STATES, reason=why)
    for recipient in recipients_of(session, request):
        if recipient.status in ("sent", "acknowledged", "quoted"):
            recipient.status_reason = why
            transition(session, actor, recipient, "withdrawn", RECIPIENT_STATES, reason=why)
            notify(
                session,
                recipient.provider_organisation_id,
                kind="withdrawn",
                title=f"Request withdrawn: {request.title}",
                link=recipient_link(recipient),
                record=recipient,
            )
    return request


def _line_items(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    if not items:
        raise InvalidInput("line_items: a quote needs at least one line", field="line_items")
    clean, total = [], 0
    for number, item in enumerate(items, start=1):
        where = f"line_items[{number}]"
        description = check.text(item.get("description"), f"{where}.description", max_length=500)
        try:
            quantity = float(item.get("quantity", 1))
            unit_price = int(item.get("unit_price"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidInput(
                f"{where}: quantity must be a number and unit_price whole won",
                field="line_items",
            ) from None
        if not math.isfinite(quantity) or quantity <= 0:
            raise InvalidInput(f"{where}.quantity: must be above 0", field="line_items")
        if unit_price < 0:
            raise InvalidInput(f"{where}.unit_price: must not be negative", field="line_items")
        amount = math.floor(quantity * unit_price + 0.5)
        clean.append(
            {
                "description": description,
                "quantity": quantity,
                "unit_price": unit_price,
                "amount": amount,
            }
        )
        total += amount
    return clean, total


def _milestones(raw: list[dict[str, Any]] | None, lead_time_weeks: int) -> list[dict[str, Any]]:
    if not raw:
        return [
            {"title": title, "weeks": max(0, round(share * lead_time_weeks))}
            for title, share in DEFAULT_MILESTONES
        ]
    out = []
    for number, item in enumerate(raw, start=1):
        where = f"milestones[{number}]"
        title = check.text(item.get("title"), f"{where}.title", max_length=200)
        try:
            weeks = int(item.get("weeks"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise InvalidInput(f"{where}.weeks: expected whole weeks", field="milestones") from None
        if not 0 <= weeks <= lead_time_weeks:
            raise InvalidInput(
                f"{where}.weeks: must lie within the lead time (0 to {lead_time_weeks})",
                field="milestones",
            )
        out.append({"title": title, "weeks": weeks})
    return sorted(out, key=lambda m: m["weeks"])


def submit_quote(
    uow: UnitOfWork,
    recipient_id: int,
    *,
    line_items: list[dict[str, Any]],
    lead_time_weeks: int,
    valid_until: object,
    milestones: list[dict[str, Any]] | None = None,
    notes: str = "",
    currency: str = "KRW",
) -> Quote:
    """The provider quotes; a new quote replaces its earlier open one."""
    recipient = _as_provider(uow, recipient_id, "quote for this request")
    actor = uow.require_actor()
    session = uow.session
    if recipient.status not in ("acknowledged", "quoted"):
        raise Conflict(
            f"request {recipient.id} is {recipient.status}: acknowledge the confidentiality "
            "terms before quoting"
            if recipient.status == "sent"
            else f"request {recipient.id} is {recipient.status} and takes no quote",
            field="status",
        )
    items, total = _line_items(line_items)
    if not isinstance(lead_time_weeks, int) or not 0 <= lead_time_weeks <= 520:
        raise InvalidInput("lead_time_weeks: whole weeks from 0 to 520", field="lead_time_weeks")
    until = _optional_date(valid_until, "valid_until")
    if until is None or until < date.today():
        raise InvalidInput("valid_until: give a date from today on", field="valid_until")
    if not (isinstance(currency, str) and len(currency) == 3 and currency.isalpha()):
        raise InvalidInput("currency: a three-letter code such as KRW", field="currency")
    plan = _milestones(milestones, lead_time_weeks)
    for earlier in session.scalars(
        select(Quote).where(Quote.recipient_id == recipient.id, Quote.status == "submitted")
    ):
        earlier.status_reason = "replaced by a revised quote"
        transition(session, actor, earlier, "withdrawn", QUOTE_STATES, reason="revised")
    quote = Quote(
        organisation_id=actor.organisation_id,
        request_id=recipient.request_id,
        recipient_id=recipient.id,
        sponsor_organisation_id=recipient.organisation_id,
        line_items=items,
        total=total,
        currency=currency.upper(),
        lead_time_weeks=lead_time_weeks,
        valid_until=until,
        milestones=plan,
        notes=check.text(notes, "notes", max_length=20000, required=False),
        created_by_id=actor.user_id,
    )
    record_creation(
        session,
        actor,
        quote,
        {
            "request_id": quote.request_id,
            "total": total,
            "currency": quote.currency,
            "lead_time_weeks": lead_time_weeks,
            "valid_until": until.isoformat(),
        },
    )
    if recipient.status == "acknowledged":
        transition(session, actor, recipient, "quoted", RECIPIENT_STATES)
    notify(
        session,
        recipient.organisation_id,
        kind="quote",
        title=f"Quote from {actor.organisation_name}: {recipient.summary.get('title')}",
        link=f"/market/requests/{recipient.request_id}",
        record=quote,
    )
    return quote


def get_quote(session: Session, quote_id: int) -> Quote:
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    return quote


def withdraw_quote(uow: UnitOfWork, quote_id: int, reason: str) -> Quote:
    actor = uow.require_actor()
    quote = get_quote(uow.session, quote_id)
    if quote.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the provider who quoted may withdraw the quote")
    actor.require("write", "withdraw quotes")
    why = check.reason(reason)
    quote.status_reason = why
    quote.decided_at = utcnow()
    transition(uow.session, actor, quote, "withdrawn", QUOTE_STATES, reason=why)
    recipient = uow.session.get(RequestRecipient, quote.recipient_id)
    if recipient is not None and recipient.status == "quoted":
        transition(uow.session, actor, recipient, "acknowledged", RECIPIENT_STATES, reason=why)
    return quote


def reject_quote(uow: UnitOfWork, quote_id: int, reason: str) -> Quote:
    actor = uow.require_actor()
    quote = get_quote(uow.session, quote_id)
    if quote.sponsor_organisation_id != actor.organisation_id:
        raise PermissionDenied("only the requesting sponsor may reject a quote")
    actor.require("write", "reject quotes")
    why = check.reason(reason)
    quote.status_reason = why
    quote.decided_at = utcnow()
    transition(uow.session, actor, quote, "rejected", QUOTE_STATES, reason=why)
    recipient = uow.session.get(RequestRecipient, quote.recipient_id)
    if recipient is not None and recipient.status == "quoted":
        transition(uow.session, actor, recipient, "acknowledged", RECIPIENT_STATES, reason=why)
    notify(
        uow.session,
        quote.organisation_id,
        kind="quote_rejected",
        title=f"Quote {quote.id} rejected: {why}",
        link=f"/market/inbox/{quote.recipient_id}",
        record=quote,
    )
    return quote
