"""The notifications page and the unread count the navigation loads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from opencmc.platform.market import inbox
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import form_outcome, render

router = APIRouter()


@router.get("/notifications")
def notifications(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    actor = uow.require_actor()
    return render(
        request,
        "notifications.html",
        {"items": inbox.notifications(uow.session, actor, limit=200)},
    )


@router.get("/notifications/count")
def unread(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """The navigation's badge: the number of unread notifications, or nothing."""
    count = inbox.unread_count(uow.session, uow.require_actor())
    return HTMLResponse(f'<span class="count" id="unread">{count}</span>' if count else "")


@router.post("/notifications/read")
async def mark_read(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    ids = [int(v) for v in form.getlist("ids") if str(v).isdigit()] or None
    return form_outcome(
        request,
        uow,
        lambda: inbox.mark_read(uow, ids),
        back="/notifications",
        failed="Not marked",
        success="/notifications",
    )
