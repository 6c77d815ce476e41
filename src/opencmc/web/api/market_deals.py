"""Requests, quotes, orders, milestones, deliverables and packages over JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Form, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from opencmc.platform.market import deliverables, orders, packages
from opencmc.platform.market import requests as deals
from opencmc.platform.market.workflow import party_trail
from opencmc.platform.models import (
    Deliverable,
    Milestone,
    Order,
    Organisation,
    Quote,
    RequestRecipient,
    ServiceRequest,
)
from opencmc.platform.quality import stability as studies
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentApiUow
from opencmc.web.state import app_state

router = APIRouter(prefix="/market", tags=["marketplace: requests and orders"])


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provider_organisation_id: int | None = None
    offering_id: int | None = None


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    program_id: int
    title: str
    scope: str
    category: str
    recipients: list[RecipientIn]
    candidate_id: int | None = None
    activity_id: str | None = None
    materials: str = ""
    desired_start: date | None = None
    desired_end: date | None = None


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line_items: list[dict[str, Any]]
    lead_time_weeks: int
    valid_until: date
    milestones: list[dict[str, Any]] | None = None
    notes: str = ""
    currency: str = "KRW"


class SharedRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(description="record kind as in the URL, e.g. batches, specifications")
    id: int


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    share: list[SharedRecord] = []
    voucher_id: int | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = ""


class DeliverableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    kind: str
    rows: list[dict[str, Any]]
    study_id: int | None = None
    milestone_id: int | None = None
    note: str = ""


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accept: bool
    reason: str = ""


class PackageLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    activity_id: str
    offering_ids: list[int]
    scope: str = ""


class PackageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    lines: list[PackageLineIn]
    start: date | None = None


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _org_name(uow: UnitOfWork, organisation_id: int) -> str:
    organisation = uow.session.get(Organisation, organisation_id)
    return organisation.name if organisation else str(organisation_id)


def quote_out(quote: Quote) -> dict[str, Any]:
    return {
        "id": quote.id,
        "request_id": quote.request_id,
        "recipient_id": quote.recipient_id,
        "provider_organisation_id": quote.organisation_id,
        "line_items": quote.line_items,
        "total": quote.total,
        "currency": quote.currency,
        "lead_time_weeks": quote.lead_time_weeks,
        "valid_until": quote.valid_until.isoformat(),
        "milestones": quote.milestones,
        "notes": quote.notes,
        "status": quote.status,
        "status_reason": quote.status_reason,
        "version": quote.version,
    }


def recipient_out(uow: UnitOfWork, recipient: RequestRecipient) -> dict[str, Any]:
    return {
        "id": recipient.id,
        "request_id": recipient.request_id,
        "provider_organisation_id": recipient.provider_organisation_id,
        "provider": _org_name(uow, recipient.provider_organisation_id),
        "offering_id": recipient.offering_id,
        "status": recipient.status,
        "status_reason": recipient.status_reason,
        "summary": recipient.summary,
        "terms_acknowledged_at": _iso(recipient.nda_acknowledged_at),
        "terms_version": recipient.nda_terms_version,
    }


def request_out(uow: UnitOfWork, request: ServiceRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "program_id": request.program_id,
        "candidate_id": request.candidate_id,
        "package_id": request.package_id,
        "activity_id": request.activity_id,
        "category": request.category,
        "title": request.title,
        "scope": request.scope,
        "materials": request.materials,
        "desired_start": _iso(request.desired_start),
        "desired_end": _iso(request.desired_end),
        "program_summary": request.program_summary,
        "status": request.status,
        "recipients": [recipient_out(uow, r) for r in deals.recipients_of(uow.session, request)],
        "quotes": [quote_out(q) for q in deals.quotes_of(uow.session, request)],
    }


def milestone_out(milestone: Milestone) -> dict[str, Any]:
    return {
        "id": milestone.id,
        "position": milestone.position,
        "title": milestone.title,
        "due_on": milestone.due_on.isoformat(),
        "status": milestone.status,
        "note": milestone.note,
        "completed_at": _iso(milestone.completed_at),
    }


def deliverable_out(deliverable: Deliverable) -> dict[str, Any]:
    return {
        "id": deliverable.id,
        "order_id": deliverable.order_id,
        "milestone_id": deliverable.milestone_id,
        "title": deliverable.title,
        "kind": deliverable.kind,
        "rows": len(deliverable.payload.get("rows") or []),
        "study_id": deliverable.payload.get("study_id"),
        "attachment_id": deliverable.attachment_id,
        "note": deliverable.note,
        "status": deliverable.status,
        "review_reason": deliverable.review_reason,
        "outcome": deliverable.outcome,
        "submitted_at": deliverable.submitted_at.isoformat(),
    }


def order_out(uow: UnitOfWork, order: Order) -> dict[str, Any]:
    session = uow.session
    return {
        "id": order.id,
        "request_id": order.request_id,
        "quote_id": order.quote_id,
        "program_id": order.program_id,
        "provider_organisation_id": order.provider_organisation_id,
        "provider": _org_name(uow, order.provider_organisation_id),
        "sponsor": _org_name(uow, order.organisation_id),
        "title": order.title,
        "activity_ids": order.activity_ids,
        "total": order.total,
        "currency": order.currency,
        "voucher_id": order.voucher_id,
        "voucher_amount": order.voucher_amount,
        "copay_amount": order.copay_amount,
        "status": order.status,
        "status_reason": order.status_reason,
        "accepted_at": order.accepted_at.isoformat(),
        "delivered_at": _iso(order.delivered_at),
        "closed_at": _iso(order.closed_at),
        "milestones": [milestone_out(m) for m in orders.milestones_of(session, order)],
        "deliverables": [deliverable_out(d) for d in orders.deliverables_of(session, order)],
        "shares": [
            {
                "record_type": s.record_type,
                "record_id": s.record_id,
                "live": s.revoked_at is None,
            }
            for s in orders.shares_of(session, order)
        ],
        "studies": [
            {
                "id": study.id,
                "title": study.title,
                "calendar": [
                    {
                        "batch": e.batch_number,
                        "condition": e.pull.condition,
                        "months": e.pull.months,
                        "due_on": e.pull.due_on.isoformat(),
                        "state": e.state,
                    }
                    for e in studies.pull_calendar(session, study)
                ],
            }
            for study in orders.shared_studies(session, order)
        ],
        "trail": [
            {
                "at": e.occurred_at.isoformat(),
                "who": e.user_email,
                "action": e.action,
                "reason": e.reason,
            }
            for e in party_trail(session, order)
        ],
    }


@router.post("/requests", status_code=201)
def send_request(body: RequestIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    data = body.model_dump()
    data["recipients"] = [
        {k: v for k, v in r.items() if v is not None} for r in data.pop("recipients")
    ]
    request = deals.send_request(uow, **data)
    uow.commit()
    return request_out(uow, request)


@router.get("/requests")
def list_requests(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """A sponsor's requests; a provider uses the inbox instead."""
    return [request_out(uow, r) for r in deals.list_requests(uow.session)]


@router.get("/requests/{request_id}")
def get_request(request_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return request_out(uow, deals.get_request(uow.session, request_id))


@router.post("/requests/{request_id}/withdraw")
def withdraw_request(
    request_id: int, body: ReasonIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    request = deals.withdraw_request(uow, request_id, body.reason)
    uow.commit()
    return request_out(uow, request)


@router.get("/inbox")
def inbox(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """The requests addressed to the caller's organisation (a provider)."""
    actor = uow.require_actor()
    return [recipient_out(uow, r) for r in deals.inbox(uow.session, actor.organisation_id)]


@router.get("/inbox/{recipient_id}")
def inbox_item(recipient_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """One addressed request: its summary, and after the confidentiality terms its
    detail and the caller's own quotes."""
    recipient = deals.get_recipient(uow.session, recipient_id)
    out = recipient_out(uow, recipient)
    out["terms"] = deals.CONFIDENTIALITY_TERMS
    if recipient.nda_acknowledged_at is not None:
        out["request"] = request_out(uow, deals.get_request(uow.session, recipient.request_id))
    return out


@router.post("/inbox/{recipient_id}/acknowledge")
def acknowledge(recipient_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    recipient = deals.acknowledge_terms(uow, recipient_id)
    uow.commit()
    return recipient_out(uow, recipient)


@router.post("/inbox/{recipient_id}/decline")
def decline(recipient_id: int, body: ReasonIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    recipient = deals.decline_request(uow, recipient_id, body.reason)
    uow.commit()
    return recipient_out(uow, recipient)


@router.post("/inbox/{recipient_id}/quotes", status_code=201)
def submit_quote(
    recipient_id: int, body: QuoteIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    quote = deals.submit_quote(uow, recipient_id, **body.model_dump())
    uow.commit()
    return quote_out(quote)


@router.get("/quotes/{quote_id}")
def get_quote(quote_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return quote_out(deals.get_quote(uow.session, quote_id))


@router.post("/quotes/{quote_id}/withdraw")
def withdraw_quote(
    quote_id: int, body: ReasonIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    quote = deals.withdraw_quote(uow, quote_id, body.reason)
    uow.commit()
    return quote_out(quote)


@router.post("/quotes/{quote_id}/reject")
def reject_quote(quote_id: int, body: ReasonIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    quote = deals.reject_quote(uow, quote_id, body.reason)
    uow.commit()
    return quote_out(quote)


@router.post("/quotes/{quote_id}/accept", status_code=201)
def accept_quote(quote_id: int, body: AcceptIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    order = orders.accept_quote(
        uow,
        quote_id,
        share=[(s.kind, s.id) for s in body.share],
        voucher_id=body.voucher_id,
    )
    uow.commit()
    return order_out(uow, order)


@router.get("/orders")
def list_orders(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """The orders the caller's organisation is a party to, as sponsor or provider."""
    return [order_out(uow, o) for o in orders.list_orders(uow.session)]


@router.get("/orders/{order_id}")
def get_order(order_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return order_out(uow, orders.get_order(uow.session, order_id))


@router.post("/orders/{order_id}/shares", status_code=201)
def share(order_id: int, body: SharedRecord, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    order = orders.get_order(uow.session, order_id)
    orders.share_with_order(uow, order, body.kind, body.id)
    uow.commit()
    return order_out(uow, order)


@router.post("/orders/{order_id}/close")
def close_order(order_id: int, body: ReasonIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    order = orders.close_order(uow, order_id, body.reason)
    uow.commit()
    return order_out(uow, order)


@router.post("/orders/{order_id}/cancel")
def cancel_order(order_id: int, body: ReasonIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    order = orders.cancel_order(uow, order_id, body.reason)
    uow.commit()
    return order_out(uow, order)


@router.post("/milestones/{milestone_id}/complete")
def complete_milestone(
    milestone_id: int, body: NoteIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    milestone = orders.complete_milestone(uow, milestone_id, body.note)
    uow.commit()
    return milestone_out(milestone)


@router.post("/orders/{order_id}/deliverables", status_code=201)
def deliver_rows(
    order_id: int, body: DeliverableIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """Structured results: rows checked now against the records shared for the order."""
    payload: dict[str, Any] = {"rows": body.rows}
    if body.study_id is not None:
        payload["study_id"] = body.study_id
    deliverable = deliverables.submit_deliverable(
        uow,
        order_id,
        title=body.title,
        kind=body.kind,
        payload=payload,
        milestone_id=body.milestone_id,
        note=body.note,
    )
    uow.commit()
    return deliverable_out(deliverable)


@router.post("/orders/{order_id}/deliverables/upload", status_code=201)
def deliver_file(
    order_id: int,
    request: Request,
    file: UploadFile,
    title: str = Form(...),
    kind: str = Form("document"),
    study_id: int | None = Form(None),
    milestone_id: int | None = Form(None),
    note: str = Form(""),
    uow: UnitOfWork = CurrentApiUow,
) -> dict[str, Any]:
    """A document, or a CSV/XLSX of results (kind results or stability_results)."""
    state = app_state(request)
    if kind == "document":
        deliverable = deliverables.submit_deliverable(
            uow,
            order_id,
            title=title,
            kind=kind,
            file=(file.file, file.filename or "document"),
            store=state.store,
            max_bytes=state.settings.max_upload_bytes,
            milestone_id=milestone_id,
            note=note,
        )
    else:
        table = read_table(file.file.read(), file.filename or "results.csv")
        rows = table.astype(object).where(table.notna(), "").to_dict(orient="records")
        payload: dict[str, Any] = {"rows": rows}
        if study_id is not None:
            payload["study_id"] = study_id
        deliverable = deliverables.submit_deliverable(
            uow,
            order_id,
            title=title,
            kind=kind,
            payload=payload,
            milestone_id=milestone_id,
            note=note,
        )
    uow.commit()
    return deliverable_out(deliverable)


@router.post("/deliverables/{deliverable_id}/review")
def review(deliverable_id: int, body: ReviewIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    deliverable = deliverables.review_deliverable(
        uow, deliverable_id, accept=body.accept, reason=body.reason
    )
    uow.commit()
    return deliverable_out(deliverable)


@router.get("/programs/{program_id}/package-proposal")
def package_proposal(program_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """The program's roadmap gaps with matching qualified offerings, timeline and cost."""
    return packages.propose_package(uow.session, program_id)


@router.post("/programs/{program_id}/packages", status_code=201)
def send_package(
    program_id: int, body: PackageIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    package = packages.send_package(
        uow,
        program_id,
        title=body.title,
        lines=[line.model_dump() for line in body.lines],
        start=body.start,
    )
    uow.commit()
    return packages.package_view(uow.session, package.id)


@router.get("/packages/{package_id}")
def get_package(package_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return packages.package_view(uow.session, package_id)
