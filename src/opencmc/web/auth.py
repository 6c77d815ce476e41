"""Who is calling: bearer tokens and session cookies, CSRF, and the per-request unit of work."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from opencmc.platform.accounts import TokenGrant, actor_for, token_grant, user_by_id
from opencmc.platform.actor import Actor
from opencmc.platform.errors import AuthenticationFailed, PermissionDenied
from opencmc.platform.shares import next_share_end
from opencmc.platform.uow import UnitOfWork
from opencmc.web.read_cache import HOLDS_UNTIL
from opencmc.web.state import app_state

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """A page needs a signed-in user: the handler redirects to the login page."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def _csrf_matches(request: Request, presented: str | None) -> bool:
    expected = request.session.get("csrf")
    return bool(expected and presented and hmac.compare_digest(str(expected), presented))


def _session_actor(request: Request, session: Session) -> Actor | None:
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    user = user_by_id(session, user_id)
    if user is None or not user.is_active:
        request.session.clear()
        return None
    try:
        return actor_for(session, user, request.session.get("org"))
    except AuthenticationFailed:
        request.session.clear()
        return None


def _bearer_grant(session: Session, header: str) -> TokenGrant:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("use 'Authorization: Bearer <API token>'")
    return token_grant(session, token.strip())


def _say_how_long_it_holds(request: Request, session: Session, grant: TokenGrant) -> None:
    """For a read the cache may keep: until when the caller's grant and scope hold."""
    state = request.scope.get("state")
    if state is None or HOLDS_UNTIL not in state:
        return
    holds_until = grant.holds_until
    share_end = next_share_end(session, grant.actor.organisation_id)
    if share_end is not None:
        holds_until = min(holds_until, share_end)
    state[HOLDS_UNTIL] = holds_until


def api_uow(request: Request) -> Iterator[UnitOfWork]:
    """The API's unit of work for the caller: bearer token, or session cookie plus CSRF."""
    state = app_state(request)
    with UnitOfWork(state.factory, None) as uow:
        header = request.headers.get("authorization")
        if header:
            grant = _bearer_grant(uow.session, header)
            _say_how_long_it_holds(request, uow.session, grant)
            actor = grant.actor
        else:
            found = _session_actor(request, uow.session)
            if found is None:
                raise AuthenticationFailed("sign in, or send 'Authorization: Bearer <API token>'")
            if request.method not in SAFE_METHODS and not _csrf_matches(
                request, request.headers.get(CSRF_HEADER)
            ):
                raise PermissionDenied(
                    "a cookie-authenticated change needs the X-CSRF-Token header"
                )
            actor = found
        uow.bind(actor)
        yield uow


def page_uow(request: Request) -> Iterator[UnitOfWork]:
    """The pages' unit of work: the signed-in user, or a redirect to the login page."""
    state = app_state(request)
    with UnitOfWork(state.factory, None) as uow:
        actor = _session_actor(request, uow.session)
        if actor is None:
            raise LoginRequired
        uow.bind(actor)
        request.state.actor = actor
        yield uow


async def check_csrf(request: Request) -> None:
    """Every page form that changes something carries the session's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    if "uid" not in request.session and request.url.path != "/login":
        raise LoginRequired  # anonymous: to the login page, not a CSRF complaint
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not _csrf_matches(request, presented):
        raise PermissionDenied("the form expired or did not come from this site; reload it")


CurrentApiUow = Depends(api_uow)
CurrentPageUow = Depends(page_uow)
