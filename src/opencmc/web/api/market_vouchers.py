"""Support programmes, vouchers and the programme office's figures over JSON."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from opencmc.platform.market import kpis, support_programmes, vouchers
from opencmc.platform.models import SupportProgramme, Voucher
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentApiUow

router = APIRouter(prefix="/market", tags=["support programmes and vouchers"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProgrammeIn(_Body):
    title: str
    description: str = ""
    currency: str = "KRW"
    budget: int
    coverage_percent: int
    per_company_cap: int
    eligible_modalities: list[str] = []
    max_employees: int | None = None
    opens_on: date
    closes_on: date


class ProgrammeEdit(_Body):
    reason: str = ""
    title: str | None = None
    description: str | None = None
    currency: str | None = None
    budget: int | None = None
    coverage_percent: int | None = None
    per_company_cap: int | None = None
    eligible_modalities: list[str] | None = None
    max_employees: int | None = None
    opens_on: date | None = None
    closes_on: date | None = None


class Reason(_Body):
    reason: str = ""


class ApplicationIn(_Body):
    employees: int
    modalities: list[str]
    statement: str = ""


class ApproveIn(_Body):
    cap: int | None = None
    reason: str = ""


def programme_out(programme: SupportProgramme) -> dict[str, Any]:
    return {
        "id": programme.id,
        "title": programme.title,
        "description": programme.description,
        "status": programme.status,
        "currency": programme.currency,
        **support_programmes.programme_figures(programme),
        "coverage_percent": programme.coverage_percent,
        "per_company_cap": programme.per_company_cap,
        "eligible_modalities": programme.eligible_modalities,
        "max_employees": programme.max_employees,
        "opens_on": programme.opens_on.isoformat(),
        "closes_on": programme.closes_on.isoformat(),
    }


def voucher_out(voucher: Voucher, sponsor: str | None = None) -> dict[str, Any]:
    out = {
        "id": voucher.id,
        "programme_id": voucher.programme_id,
        "organisation_id": voucher.organisation_id,
        "employees": voucher.employees,
        "modalities": voucher.modalities,
        "statement": voucher.statement,
        "status": voucher.status,
        "status_reason": voucher.status_reason,
        "cap": voucher.cap,
        "drawn": voucher.drawn,
        "remaining": voucher.remaining,
        "applied_at": voucher.applied_at.isoformat(),
        "decided_at": voucher.decided_at.isoformat() if voucher.decided_at else None,
    }
    if sponsor is not None:
        out["sponsor"] = sponsor
    return out


@router.get("/programmes")
def list_programmes(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """Every open or closed programme; an operator also sees its drafts."""
    return [programme_out(p) for p in support_programmes.list_programmes(uow.session)]


@router.post("/programmes", status_code=201)
def create_programme(body: ProgrammeIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    programme = support_programmes.create_programme(uow, body.model_dump())
    uow.commit()
    return programme_out(programme)


@router.get("/programmes/{programme_id}")
def get_programme(programme_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return programme_out(support_programmes.get_programme(uow.session, programme_id))


@router.patch("/programmes/{programme_id}")
def edit_programme(
    programme_id: int, body: ProgrammeEdit, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """Edit a draft; only the fields given change."""
    changes = body.model_dump(exclude_unset=True, exclude={"reason"})
    programme = support_programmes.update_programme(uow, programme_id, changes, reason=body.reason)
    uow.commit()
    return programme_out(programme)


@router.post("/programmes/{programme_id}/open")
def open_programme(programme_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    programme = support_programmes.open_programme(uow, programme_id)
    uow.commit()
    return programme_out(programme)


@router.post("/programmes/{programme_id}/close")
def close_programme(
    programme_id: int, body: Reason, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    programme = support_programmes.close_programme(uow, programme_id, body.reason)
    uow.commit()
    return programme_out(programme)


@router.get("/programmes/{programme_id}/applications")
def list_applications(programme_id: int, uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """The applications, for the operator running the programme."""
    rows = support_programmes.list_applications(uow.session, uow.require_actor(), programme_id)
    return [voucher_out(v, sponsor) for v, sponsor in rows]


@router.post("/programmes/{programme_id}/applications", status_code=201)
def apply(
    programme_id: int, body: ApplicationIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    voucher = support_programmes.apply(uow, programme_id, body.model_dump())
    uow.commit()
    return voucher_out(voucher)


@router.get("/vouchers")
def list_vouchers(usable: bool = False, uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """A sponsor's vouchers, or the ones an operator runs; ``usable``: those an order may
    draw on now."""
    return [
        {**voucher_out(v), "programme": {"title": p.title, "coverage_percent": p.coverage_percent}}
        for v, p in vouchers.list_vouchers(uow.session, usable=usable)
    ]


@router.get("/vouchers/{voucher_id}")
def get_voucher(voucher_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    voucher = vouchers.get_voucher(uow.session, voucher_id)
    draws = [
        {
            "order_id": d.order_id,
            "amount": d.amount,
            "created_at": d.created_at.isoformat(),
            "released_at": d.released_at.isoformat() if d.released_at else None,
        }
        for d in vouchers.list_draws(uow.session, voucher)
    ]
    return {**voucher_out(voucher), "draws": draws}


@router.post("/vouchers/{voucher_id}/approve")
def approve(voucher_id: int, body: ApproveIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Approve with a cap (the programme's per-company cap when not given)."""
    voucher = vouchers.approve_voucher(uow, voucher_id, cap=body.cap, reason=body.reason)
    uow.commit()
    return voucher_out(voucher)


@router.post("/vouchers/{voucher_id}/reject")
def reject(voucher_id: int, body: Reason, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    voucher = vouchers.reject_voucher(uow, voucher_id, reason=body.reason)
    uow.commit()
    return voucher_out(voucher)


@router.get("/kpis")
def dashboard(uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """The programme office's figures; counts and sums only, no sponsor's data."""
    return kpis.operator_dashboard(uow.session, uow.require_actor())
