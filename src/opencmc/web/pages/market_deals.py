"""Marketplace pages for requests, quotes, orders, deliverables and packages: the sponsor
asks and accepts, the provider acknowledges, quotes and delivers, both follow the order."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from opencmc.platform import files
from opencmc.platform.errors import Conflict, InvalidInput
from opencmc.platform.market import catalogue, deliverables, orders, packages, vouchers
from opencmc.platform.market import requests as deals
from opencmc.platform.models import Organisation
from opencmc.platform.programs import get_program, list_candidates, list_programs
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.web.api.market_deals import order_out, request_out
from opencmc.web.auth import CurrentPageUow
from opencmc.web.state import app_state
from opencmc.web.templating import form_outcome, render

router = APIRouter()


def _semicolon_rows(text: str, names: tuple[str, ...], field: str) -> list[dict[str, Any]]:
    """Lines of ``a; b; c`` as dicts, for the quote form's line items and milestones."""
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != len(names):
            raise InvalidInput(
                f"{field}: line {number} needs {len(names)} parts separated by ';' "
                f"({'; '.join(names)}), got {len(parts)}",
                field=field,
            )
        rows.append(dict(zip(names, parts, strict=True)))
    return rows


def _int_or_none(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


async def _with_reason(
    request: Request, uow: UnitOfWork, call: Any, back: str, what: str, did: str
) -> Response:
    """A form whose one field is the reason: run ``call(reason)``, stay on ``back``."""
    form = await request.form()
    why = str(form.get("reason", ""))
    return form_outcome(
        request,
        uow,
        lambda: call(why),
        back=back,
        failed=f"{what} not {did}",
        success=back,
        done=f"{what} {did}",
    )


# --- sponsor: requests ---------------------------------------------------------------------


@router.get("/market/requests")
def request_list(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(
        request,
        "market/requests/list.html",
        {"requests": deals.list_requests(uow.session)},
    )


@router.get("/market/requests/new")
def request_form(
    request: Request,
    offering_id: int | None = None,
    program_id: int | None = None,
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    offering = catalogue.get_offering(uow.session, offering_id) if offering_id else None
    programs, _total = list_programs(uow.session, limit=200)
    actor = uow.require_actor()
    candidates = {
        p.id: list_candidates(uow.session, p)
        for p in programs
        if p.organisation_id == actor.organisation_id
    }
    return render(
        request,
        "market/requests/form.html",
        {
            "offering": offering,
            "programs": programs,
            "candidates": candidates,
            "program_id": program_id,
            "categories": catalogue.CATEGORIES,
        },
    )


@router.post("/market/requests")
async def send_request(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    offering_ids = [int(v) for v in form.getlist("offering_ids") if str(v).isdigit()]
    back = "/market/requests/new" + (f"?offering_id={offering_ids[0]}" if offering_ids else "")
    return form_outcome(
        request,
        uow,
        lambda: deals.send_request(
            uow,
            program_id=_int_or_none(form.get("program_id")) or 0,
            title=str(form.get("title", "")),
            scope=str(form.get("scope", "")),
            category=str(form.get("category", "")),
            recipients=[{"offering_id": i} for i in offering_ids],
            candidate_id=_int_or_none(form.get("candidate_id")),
            materials=str(form.get("materials", "")),
            desired_start=str(form.get("desired_start", "")) or None,
            desired_end=str(form.get("desired_end", "")) or None,
        ),
        back=back,
        failed="Request not sent",
        success=lambda made: f"/market/requests/{made.id}",
        done="Request sent",
    )


@router.get("/market/requests/{request_id}")
def request_detail(request: Request, request_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    found = deals.get_request(uow.session, request_id)
    actor = uow.require_actor()
    mine = found.organisation_id == actor.organisation_id
    usable = vouchers.list_vouchers(uow.session, usable=True) if mine else []
    modality = get_program(uow.session, found.program_id).modality if mine else ""
    splits: dict[tuple[int, int], Any] = {}
    for quote in deals.quotes_of(uow.session, found) if mine else []:
        for voucher, _programme in usable:
            try:
                splits[(quote.id, voucher.id)] = vouchers.split_for(
                    uow.session,
                    voucher.id,
                    total=quote.total,
                    currency=quote.currency,
                    modality=modality,
                )
            except (InvalidInput, Conflict) as refused:
                splits[(quote.id, voucher.id)] = refused.message
    return render(
        request,
        "market/requests/detail.html",
        {
            "req": request_out(uow, found),
            "mine": mine,
            "shareable": orders.shareable_records(uow.session, found.program_id) if mine else [],
            "vouchers": usable,
            "splits": splits,
            "attachments": files.attachments_for(uow.session, found),
            "order": orders.order_for_request(uow.session, found.id),
        },
    )


@router.get("/service-requests/{request_id}")
def request_record(request: Request, request_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    """Where the generic record routes (attachments) send a request: its page for the
    sponsor, the inbox copy for a provider that has acknowledged the terms."""
    found = deals.get_request(uow.session, request_id)
    actor = uow.require_actor()
    if found.organisation_id == actor.organisation_id:
        return RedirectResponse(f"/market/requests/{found.id}", status_code=303)
    mine = [r for r in deals.recipients_of(uow.session, found)
            if r.provider_organisation_id == actor.organisation_id]  # fmt: skip
    return RedirectResponse(f"/market/inbox/{mine[0].id}", status_code=303)


@router.post("/market/requests/{request_id}/withdraw")
async def withdraw_request(
    request: Request, request_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    back = f"/market/requests/{request_id}"
    return await _with_reason(
        request,
        uow,
        lambda why: deals.withdraw_request(uow, request_id, why),
        back,
        "Request",
        "withdrawn",
    )


@router.post("/market/quotes/{quote_id}/reject")
async def reject_quote(
    request: Request, quote_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    quote = deals.get_quote(uow.session, quote_id)
    back = f"/market/requests/{quote.request_id}"
    return await _with_reason(
        request, uow, lambda why: deals.reject_quote(uow, quote_id, why), back, "Quote", "rejected"
    )


@router.post("/market/quotes/{quote_id}/accept")
async def accept_quote(
    request: Request, quote_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    quote = deals.get_quote(uow.session, quote_id)
    shared = []
    for value in form.getlist("share"):
        kind, _, record_id = str(value).partition(":")
        if record_id.isdigit():
            shared.append((kind, int(record_id)))
    return form_outcome(
        request,
        uow,
        lambda: orders.accept_quote(
            uow, quote_id, share=shared, voucher_id=_int_or_none(form.get("voucher_id"))
        ),
        back=f"/market/requests/{quote.request_id}",
        failed="Quote not accepted",
        success=lambda order: f"/market/orders/{order.id}",
        done="Order placed",
    )


# --- provider: inbox and quotes ---------------------------------------------------------


@router.get("/market/inbox")
def inbox_list(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    actor = uow.require_actor()
    return render(
        request,
        "market/inbox/list.html",
        {"items": deals.inbox(uow.session, actor.organisation_id)},
    )


@router.get("/market/inbox/{recipient_id}")
def inbox_item(request: Request, recipient_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    recipient = deals.get_recipient(uow.session, recipient_id)
    detail, attachments = None, []
    if recipient.nda_acknowledged_at is not None:
        opened = deals.get_request(uow.session, recipient.request_id)
        detail = request_out(uow, opened)
        attachments = files.attachments_for(uow.session, opened)
    return render(
        request,
        "market/inbox/detail.html",
        {
            "recipient": recipient,
            "detail": detail,
            "attachments": attachments,
            "terms": deals.CONFIDENTIALITY_TERMS,
            "terms_version": deals.TERMS_VERSION,
            "order": orders.order_for_request(uow.session, recipient.request_id),
        },
    )


@router.post("/market/inbox/{recipient_id}/acknowledge")
async def acknowledge(
    request: Request, recipient_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    back = f"/market/inbox/{recipient_id}"
    return form_outcome(
        request,
        uow,
        lambda: deals.acknowledge_terms(uow, recipient_id),
        back=back,
        failed="Terms not acknowledged",
        success=back,
        done="Confidentiality terms acknowledged",
    )


@router.post("/market/inbox/{recipient_id}/decline")
async def decline(
    request: Request, recipient_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    back = f"/market/inbox/{recipient_id}"
    return await _with_reason(
        request,
        uow,
        lambda why: deals.decline_request(uow, recipient_id, why),
        back,
        "Request",
        "declined",
    )


@router.post("/market/inbox/{recipient_id}/quotes")
async def submit_quote(
    request: Request, recipient_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    deals.get_recipient(uow.session, recipient_id)
    back = f"/market/inbox/{recipient_id}"

    def quote() -> Any:
        lead = str(form.get("lead_time_weeks", "")).strip()
        if not lead.isdigit():
            raise InvalidInput("lead_time_weeks: whole weeks", field="lead_time_weeks")
        return deals.submit_quote(
            uow,
            recipient_id,
            line_items=_semicolon_rows(
                str(form.get("line_items", "")),
                ("description", "quantity", "unit_price"),
                "line_items",
            ),
            lead_time_weeks=int(lead),
            valid_until=str(form.get("valid_until", "")),
            milestones=_semicolon_rows(
                str(form.get("milestones", "")), ("title", "weeks"), "milestones"
            ),
            notes=str(form.get("notes", "")),
        )

    return form_outcome(
        request, uow, quote, back=back, failed="Quote not sent", success=back, done="Quote sent"
    )


@router.post("/market/quotes/{quote_id}/withdraw")
async def withdraw_quote(
    request: Request, quote_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    quote = deals.get_quote(uow.session, quote_id)
    back = f"/market/inbox/{quote.recipient_id}"
    return await _with_reason(
        request,
        uow,
        lambda why: deals.withdraw_quote(uow, quote_id, why),
        back,
        "Quote",
        "withdrawn",
    )


# --- both parties: orders -----------------------------------------------------------------


@router.get("/market/orders")
def order_list(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "market/orders/list.html", {"orders": orders.list_orders(uow.session)})


@router.get("/market/orders/{order_id}")
def order_detail(request: Request, order_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    order = orders.get_order(uow.session, order_id)
    actor = uow.require_actor()
    sponsor = order.organisation_id == actor.organisation_id
    out = order_out(uow, order)
    return render(
        request,
        "market/orders/detail.html",
        {
            "order": out,
            "sponsor": sponsor,
            "provider": order.provider_organisation_id == actor.organisation_id,
            "kinds": deliverables.KINDS,
            "shared_studies": [study["id"] for study in out["studies"]],
            "shareable": orders.shareable_records(uow.session, order.program_id) if sponsor else [],
        },
    )


def _order_action(
    request: Request, uow: UnitOfWork, order_id: int, action: Any, did: str
) -> Response:
    back = f"/market/orders/{order_id}"
    return form_outcome(
        request, uow, action, back=back, failed=f"Not {did}", success=back, done=f"Order {did}"
    )


@router.post("/market/orders/{order_id}/close")
async def close_order(
    request: Request, order_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    orders.get_order(uow.session, order_id)
    back = f"/market/orders/{order_id}"
    return await _with_reason(
        request, uow, lambda why: orders.close_order(uow, order_id, why), back, "Order", "closed"
    )


@router.post("/market/orders/{order_id}/cancel")
async def cancel_order(
    request: Request, order_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    orders.get_order(uow.session, order_id)
    back = f"/market/orders/{order_id}"
    return await _with_reason(
        request,
        uow,
        lambda why: orders.cancel_order(uow, order_id, why),
        back,
        "Order",
        "cancelled",
    )


@router.post("/market/orders/{order_id}/shares")
async def share(request: Request, order_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    order = orders.get_order(uow.session, order_id)
    kind, _, record_id = str(form.get("record", "")).partition(":")
    return _order_action(
        request,
        uow,
        order_id,
        lambda: orders.share_with_order(
            uow, order, kind, int(record_id) if record_id.isdigit() else 0
        ),
        "shared",
    )


@router.post("/market/milestones/{milestone_id}/complete")
async def complete_milestone(
    request: Request, milestone_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    order_id = _int_or_none(form.get("order_id"))
    back = f"/market/orders/{order_id}" if order_id else "/market/orders"
    return form_outcome(
        request,
        uow,
        lambda: orders.complete_milestone(uow, milestone_id, str(form.get("note", ""))),
        back=back,
        failed="Milestone not completed",
        success=back,
        done="Milestone done",
    )


@router.post("/market/orders/{order_id}/deliverables")
async def deliver(request: Request, order_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    orders.get_order(uow.session, order_id)
    state = app_state(request)
    upload = form.get("file")
    kind = str(form.get("kind", "document"))

    def submit() -> Any:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("file: choose the file to deliver", field="file")
        common = {
            "title": str(form.get("title", "")),
            "kind": kind,
            "milestone_id": _int_or_none(form.get("milestone_id")),
            "note": str(form.get("note", "")),
        }
        if kind == "document":
            return deliverables.submit_deliverable(
                uow,
                order_id,
                file=(upload.file, upload.filename),
                store=state.store,
                max_bytes=state.settings.max_upload_bytes,
                **common,
            )
        table = read_table(upload.file.read(), upload.filename)
        payload: dict[str, Any] = {
            "rows": table.astype(object).where(table.notna(), "").to_dict(orient="records")
        }
        study_id = _int_or_none(form.get("study_id"))
        if study_id is not None:
            payload["study_id"] = study_id
        return deliverables.submit_deliverable(uow, order_id, payload=payload, **common)

    return _order_action(request, uow, order_id, submit, "delivered to")


@router.post("/market/deliverables/{deliverable_id}/review")
async def review(
    request: Request, deliverable_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    found = deliverables.get_deliverable(uow.session, deliverable_id)
    back = f"/market/orders/{found.order_id}#deliverable-{found.id}"
    accept = str(form.get("decision", "")) == "accept"
    return form_outcome(
        request,
        uow,
        lambda: deliverables.review_deliverable(
            uow, deliverable_id, accept=accept, reason=str(form.get("reason", ""))
        ),
        back=back,
        failed="Review not recorded",
        success=back,
        done="Deliverable accepted" if accept else "Deliverable rejected",
    )


# --- sponsor: the one-stop package --------------------------------------------------------


@router.get("/programs/{program_id}/package")
def package_proposal(
    request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    program = get_program(uow.session, program_id)
    proposal = packages.propose_package(uow.session, program_id)
    return render(
        request,
        "market/packages/proposal.html",
        {
            "program": program,
            "proposal": proposal,
            "providers": catalogue_provider_names(uow, proposal),
            "packages": packages.packages_of(uow.session, program_id),
            "candidates": list_candidates(uow.session, program),
            "today": date.today().isoformat(),
        },
    )


def catalogue_provider_names(uow: UnitOfWork, proposal: dict[str, Any]) -> dict[int, str]:
    ids = {o["provider_organisation_id"] for line in proposal["lines"] for o in line["offerings"]}
    return {i: (uow.session.get(Organisation, i).name) for i in ids}  # type: ignore[union-attr]


@router.post("/programs/{program_id}/package")
async def send_package(
    request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    lines = []
    for activity_id in form.getlist("activity_ids"):
        offering_ids = [
            int(v) for v in form.getlist(f"offerings_{activity_id}") if str(v).isdigit()
        ]
        lines.append(
            {
                "activity_id": str(activity_id),
                "offering_ids": offering_ids,
                "scope": str(form.get(f"scope_{activity_id}", "")),
            }
        )
    return form_outcome(
        request,
        uow,
        lambda: packages.send_package(
            uow, program_id, title=str(form.get("title", "")), lines=lines
        ),
        back=f"/programs/{program_id}/package",
        failed="Package not sent",
        success=lambda package: f"/market/packages/{package.id}",
        done="Package sent: every request went out at once",
    )


@router.get("/market/packages/{package_id}")
def package_detail(request: Request, package_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    view = packages.package_view(uow.session, package_id)
    return render(
        request,
        "market/packages/detail.html",
        {"package": view, "program": get_program(uow.session, view["program_id"])},
    )
