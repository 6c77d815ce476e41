"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from opencmc.platform.accounts import authenticate
from opencmc.platform.errors import AuthenticationFailed, Throttled
from opencmc.platform.uow import UnitOfWork
from opencmc.web.state import app_state
from opencmc.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # only paths on this site: never an absolute URL an attacker could plant
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    email: str = Form(...),
    password: str = Form(...),
    next: str = Form("/"),
) -> Response:
    state = app_state(request)
    client = request.client.host if request.client else "unknown"
    with UnitOfWork(state.factory, None) as uow:
        try:
            actor = authenticate(uow, email, password, client, state.login_policy)
        except (AuthenticationFailed, Throttled) as error:
            return render(
                request,
                "login.html",
                {"error": error.message, "email": email, "next": _safe_next(next)},
                status_code=error.status_code,
            )
    csrf = request.session.get("csrf")
    request.session.clear()  # a fresh session at login: no fixation
    request.session.update({"uid": actor.user_id, "org": actor.organisation_id, "csrf": csrf})
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
