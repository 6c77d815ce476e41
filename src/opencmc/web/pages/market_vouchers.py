"""Support programme pages: the operator's rounds and applications, a sponsor's application
and vouchers, and the programme office's dashboard."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from opencmc.platform import audit
from opencmc.platform.market import kpis, support_programmes, vouchers
from opencmc.platform.market.workflow import party_trail
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import form_outcome, render

router = APIRouter()


def _programme_form(form: FormData) -> dict[str, Any]:
    """The programme fields a form sent; the workflow checks each and names the one at fault."""
    data: dict[str, Any] = {
        field: str(form.get(field, ""))
        for field in support_programmes.PROGRAMME_FIELDS
        if field != "eligible_modalities" and field in form
    }
    data["eligible_modalities"] = [str(v) for v in form.getlist("eligible_modalities")]
    return data


@router.get("/market/programmes")
def programmes_page(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    programmes = support_programmes.list_programmes(uow.session)
    return render(request, "market/vouchers/programmes.html", {"programmes": programmes})


@router.post("/market/programmes")
async def create_programme(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    return form_outcome(
        request,
        uow,
        lambda: support_programmes.create_programme(uow, _programme_form(form)),
        back="/market/programmes",
        failed="Programme not created",
        success=lambda p: f"/market/programmes/{p.id}",
        done="Draft programme created: open it when its terms are final.",
    )


@router.get("/market/programmes/{programme_id}")
def programme_page(
    request: Request, programme_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    actor = uow.require_actor()
    programme = support_programmes.get_programme(uow.session, programme_id)
    runs_it = actor.is_operator and programme.organisation_id == actor.organisation_id
    context: dict[str, Any] = {
        "programme": programme,
        "runs_it": runs_it,
        "applications": [],
        "mine": None,
        "trail": [],
    }
    if runs_it:
        context["applications"] = support_programmes.list_applications(
            uow.session, actor, programme.id
        )
        context["trail"] = audit.trail(uow.session, "support_programme", programme.id)
    elif actor.is_sponsor:
        context["mine"] = next(
            (v for v, p in vouchers.list_vouchers(uow.session) if p.id == programme.id), None
        )
    return render(request, "market/vouchers/programme.html", context)


@router.post("/market/programmes/{programme_id}/edit")
async def edit_programme(
    request: Request, programme_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    here = f"/market/programmes/{programme_id}"
    return form_outcome(
        request,
        uow,
        lambda: support_programmes.update_programme(
            uow, programme_id, _programme_form(form), reason=str(form.get("reason", ""))
        ),
        back=here,
        failed="Not saved",
        success=here,
        done="Programme saved.",
    )


@router.post("/market/programmes/{programme_id}/open")
def open_programme(
    request: Request, programme_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    here = f"/market/programmes/{programme_id}"
    return form_outcome(
        request,
        uow,
        lambda: support_programmes.open_programme(uow, programme_id),
        back=here,
        failed="Not opened",
        success=here,
        done="Programme open: every organisation sees it now.",
    )


@router.post("/market/programmes/{programme_id}/close")
async def close_programme(
    request: Request, programme_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    here = f"/market/programmes/{programme_id}"
    return form_outcome(
        request,
        uow,
        lambda: support_programmes.close_programme(uow, programme_id, str(form.get("reason", ""))),
        back=here,
        failed="Not closed",
        success=here,
        done="Programme closed.",
    )


@router.post("/market/programmes/{programme_id}/apply")
async def apply(request: Request, programme_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    data = {
        "employees": str(form.get("employees", "")),
        "modalities": [str(v) for v in form.getlist("modalities")],
        "statement": str(form.get("statement", "")),
    }
    here = f"/market/programmes/{programme_id}"
    return form_outcome(
        request,
        uow,
        lambda: support_programmes.apply(uow, programme_id, data),
        back=here,
        failed="Application not sent",
        success=here,
        done="Application sent to the programme office.",
    )


@router.get("/market/vouchers")
def vouchers_page(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    rows = [
        (voucher, programme, vouchers.list_draws(uow.session, voucher))
        for voucher, programme in vouchers.list_vouchers(uow.session)
    ]
    return render(request, "market/vouchers/vouchers.html", {"rows": rows})


@router.get("/market/vouchers/{voucher_id}")
def voucher_page(request: Request, voucher_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    voucher = vouchers.get_voucher(uow.session, voucher_id)
    context = {
        "voucher": voucher,
        "programme": support_programmes.get_programme(uow.session, voucher.programme_id),
        "draws": vouchers.list_draws(uow.session, voucher),
        "trail": party_trail(uow.session, voucher),
    }
    return render(request, "market/vouchers/voucher.html", context)


def _decision(uow: UnitOfWork, voucher_id: int) -> str:
    """Where a decision form returns: the programme's page (a missing voucher is a 404)."""
    return f"/market/programmes/{vouchers.get_voucher(uow.session, voucher_id).programme_id}"


@router.post("/market/vouchers/{voucher_id}/approve")
async def approve(request: Request, voucher_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    back = _decision(uow, voucher_id)
    return form_outcome(
        request,
        uow,
        lambda: vouchers.approve_voucher(
            uow, voucher_id, cap=str(form.get("cap", "")), reason=str(form.get("reason", ""))
        ),
        back=back,
        failed="Not approved",
        success=back,
        done=lambda v: f"Voucher {v.id} approved with a cap of {v.cap:,}.",
    )


@router.post("/market/vouchers/{voucher_id}/reject")
async def reject(request: Request, voucher_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    back = _decision(uow, voucher_id)
    return form_outcome(
        request,
        uow,
        lambda: vouchers.reject_voucher(uow, voucher_id, reason=str(form.get("reason", ""))),
        back=back,
        failed="Not rejected",
        success=back,
        done=lambda v: f"Application {v.id} rejected.",
    )


@router.get("/market/kpis")
def kpis_page(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    figures = kpis.operator_dashboard(uow.session, uow.require_actor())
    return render(request, "market/kpis.html", {"figures": figures})
