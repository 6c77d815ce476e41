"""The dashboard: what the signed-in user's organisation has and did lately."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from opencmc.jobs.runner import list_jobs
from opencmc.platform import audit
from opencmc.platform.programs import list_programs
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import render

router = APIRouter()


@router.get("/")
def dashboard(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    programs, total = list_programs(uow.session, limit=10)
    return render(
        request,
        "dashboard.html",
        {
            "programs": programs,
            "program_total": total,
            "events": audit.organisation_trail(uow.session, limit=10),
            "jobs": list_jobs(uow.session, limit=5),
        },
    )
