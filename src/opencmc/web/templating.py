"""Jinja2 templates with the translation layer and the context every page needs."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from opencmc import __version__
from opencmc.i18n import negotiate, translations
from opencmc.knowledge import Modality, Stage
from opencmc.web.auth import csrf_token

_locale: ContextVar[str] = ContextVar("opencmc_locale", default="en")


def _gettext(message: str, **variables: Any) -> str:
    text = translations(_locale.get()).gettext(message)
    return text % variables if variables else text


def _ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(_locale.get()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    extensions=["jinja2.ext.i18n"],
)
templates = Jinja2Templates(env=_environment)
templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals.update(
    zip=zip,
    version=__version__,
    modalities=list(Modality),
    stages=list(Stage),
    modality_label=lambda v: Modality(v).label if v in Modality.__members__.values() else v,
    stage_label=lambda v: Stage(v).label if v in Stage.__members__.values() else v,
)


def trail_value(value: Any) -> str:
    """A changed value as people read it: a dash for none, key=value for a mapping."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}={trail_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(trail_value(v) for v in value)
    return str(value)


templates.env.filters["trail_value"] = trail_value


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """Render a page in the caller's language with the user, CSRF token and flash message."""
    _locale.set(negotiate(request.headers.get("accept-language")))
    page_context = {
        "actor": getattr(request.state, "actor", None),
        "csrf_token": csrf_token(request),
        "flash": request.session.pop("flash", None),
        **(context or {}),
    }
    return templates.TemplateResponse(request, name, page_context, status_code=status_code)


def render_error(request: Request, status_code: int, message: str) -> HTMLResponse:
    return render(
        request, "error.html", {"status_code": status_code, "message": message}, status_code
    )


def flash(request: Request, message: str) -> None:
    request.session["flash"] = message


def form_outcome(
    request: Request,
    uow: Any,
    action: Callable[[], Any],
    *,
    back: str,
    failed: str,
    success: str | Callable[[Any], str],
    done: str | Callable[[Any], str] | None = None,
) -> RedirectResponse:
    """Run a form's one workflow call. Refused (bad input, a conflict, a wrong password):
    say why and go ``back`` with nothing written. Accepted: commit, say ``done``, go to
    ``success``. A missing or foreign record is not caught: it stays a 404."""
    from opencmc.platform.errors import AuthenticationFailed, Conflict, InvalidInput

    try:
        value = action()
    except (InvalidInput, Conflict, AuthenticationFailed) as error:
        flash(request, f"{failed}: {error.message}")
        return RedirectResponse(back, status_code=303)
    uow.commit()
    if done is not None:
        flash(request, done(value) if callable(done) else done)
    return RedirectResponse(success(value) if callable(success) else success, status_code=303)
