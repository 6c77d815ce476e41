"""The account page (API tokens), the organisation's members, and background jobs."""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from opencmc.jobs.runner import get_job, list_jobs
from opencmc.platform import accounts, members
from opencmc.platform.errors import DomainError
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.state import app_state
from opencmc.web.templating import flash, render

router = APIRouter()


@router.get("/account")
def account(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    tokens = accounts.list_tokens(uow.session, uow.require_actor())
    new_token = request.session.pop("new_token", None)
    return render(request, "account.html", {"tokens": tokens, "new_token": new_token})


@router.post("/account/tokens")
def create_token(
    request: Request, name: str = Form(""), uow: UnitOfWork = CurrentPageUow
) -> Response:
    _token, plain = accounts.create_token(uow, name)
    uow.commit()
    # shown once, on the next page view, then gone from the session
    request.session["new_token"] = plain
    return RedirectResponse("/account", status_code=303)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    token = accounts.revoke_token(uow, token_id)
    uow.commit()
    flash(request, f"Token {token.name} revoked.")
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password")
def change_password(
    request: Request,
    current_password: str = Form(...),
    new_password: str = Form(...),
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    try:
        accounts.change_password(uow, current_password, new_password)
    except DomainError as error:
        flash(request, f"Password not changed: {error.message}")
        return RedirectResponse("/account", status_code=303)
    uow.commit()
    flash(request, "Password changed.")
    return RedirectResponse("/account", status_code=303)


@router.get("/members")
def member_list(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "members.html", {"members": accounts.list_members(uow.session)})


@router.post("/members/add")
def member_add(
    request: Request,
    email: str = Form(...),
    full_name: str = Form(...),
    role: str = Form(...),
    password: str = Form(...),
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    try:
        members.add_member(uow, email=email, full_name=full_name, role=role, password=password)
    except DomainError as error:
        flash(request, f"Not added: {error.message}")
        return RedirectResponse("/members", status_code=303)
    uow.commit()
    flash(request, f"{email} added as {role}.")
    return RedirectResponse("/members", status_code=303)


@router.post("/members/{user_id}/role")
def member_role(
    request: Request,
    user_id: int,
    role: str = Form(...),
    reason: str = Form(""),
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    members.change_role(uow, user_id, role, reason)
    uow.commit()
    flash(request, f"Role changed to {role}.")
    return RedirectResponse("/members", status_code=303)


@router.post("/members/{user_id}/revoke")
def member_revoke(
    request: Request, user_id: int, reason: str = Form(""), uow: UnitOfWork = CurrentPageUow
) -> Response:
    members.revoke_member(uow, user_id, reason)
    uow.commit()
    flash(request, "Access revoked.")
    return RedirectResponse("/members", status_code=303)


@router.get("/jobs")
def jobs(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "jobs.html", {"jobs": list_jobs(uow.session)})


@router.post("/jobs")
def submit_job(
    request: Request, kind: str = Form(...), uow: UnitOfWork = CurrentPageUow
) -> Response:
    job = app_state(request).runner.submit(uow.require_actor(), kind)
    flash(request, f"Job {job.id} ({kind}) submitted.")
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_detail(request: Request, job_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    job = get_job(uow.session, job_id)
    cancelling = app_state(request).runner.is_cancelling(job)
    return render(request, "job.html", {"job": job, "cancelling": cancelling})


# a path on this site: a slash, then only letters, digits, '/', '-' and '_' ("//host" is not)
_SITE_PATH = re.compile(r"/(?!/)[A-Za-z0-9/_-]*")


@router.post("/jobs/{job_id}/cancel")
def cancel_job(
    request: Request, job_id: int, next: str = Form(""), uow: UnitOfWork = CurrentPageUow
) -> Response:
    job = app_state(request).runner.cancel(uow, job_id)
    uow.commit()
    uow.session.refresh(job)
    if job.status == "cancelled":
        flash(request, f"Job {job_id} cancelled.")
    else:
        flash(request, f"Job {job_id} stops at its next step.")
    # back to the page the form was on (the job's own tool page), never off the site
    back = next if _SITE_PATH.fullmatch(next) else f"/jobs/{job_id}"
    return RedirectResponse(back, status_code=303)
