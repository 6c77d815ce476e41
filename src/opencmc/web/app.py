"""The application factory: one FastAPI app serving the JSON API and the pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from opencmc import __version__
from opencmc.config import Settings, load_settings
from opencmc.jobs import JobRunner
from opencmc.platform import migrate
from opencmc.platform.accounts import LoginPolicy
from opencmc.platform.changes import ChangeListener
from opencmc.platform.db import create_db_engine, make_session_factory
from opencmc.platform.errors import DomainError, InvalidInput
from opencmc.platform.files import blob_store_from
from opencmc.platform.market.inbox import sweep_reminders
from opencmc.science.stats import StatsInputError
from opencmc.web import api, pages
from opencmc.web.auth import LoginRequired
from opencmc.web.middleware import AccessLogAndHeaders, BodySizeLimit, SessionsForBrowsers
from opencmc.web.read_cache import CachedReads, ReadCache
from opencmc.web.state import AppState
from opencmc.web.templating import render_error

log = logging.getLogger("opencmc.web")


async def _remind_periodically(factory: sessionmaker[Session], interval: float) -> None:
    """Raise the marketplace's reminders now and then every ``interval`` seconds; a
    failed sweep is logged and tried again next time."""
    while True:
        try:
            sent = await run_in_threadpool(sweep_reminders, factory)
            log.info("reminders sent: %s", sent)
        except Exception:  # the server must keep serving whatever a sweep meets
            log.exception("reminder sweep failed")
        await asyncio.sleep(interval)


STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app. The database must be migrated already (``opencmc serve`` does it)."""
    settings = settings or load_settings()
    engine = engine or create_db_engine(settings.database_url)
    factory = make_session_factory(engine)
    state = AppState(
        settings=settings,
        engine=engine,
        factory=factory,
        runner=JobRunner(factory, workers=settings.job_workers),
        store=blob_store_from(settings.file_store, settings.s3_endpoint_url),
        login_policy=LoginPolicy(
            max_failures=settings.login_max_failures,
            lockout=timedelta(seconds=settings.login_lockout_seconds),
        ),
    )

    read_cache = ReadCache()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        reminders = None
        if settings.reminder_interval_seconds > 0:
            reminders = asyncio.create_task(
                _remind_periodically(factory, settings.reminder_interval_seconds)
            )
        if settings.read_cache and engine.dialect.name == "postgresql":
            # cached reads are exact only while the database's notifications are heard
            read_cache.listener = ChangeListener(engine.url.render_as_string(False))
            await read_cache.listener.start()
        yield
        if read_cache.listener is not None:
            await read_cache.listener.stop()
            read_cache.listener = None
        if reminders is not None:
            reminders.cancel()
        state.runner.shutdown()

    app = OpenCMCApp(
        title="OpenCMC",
        version=__version__,
        description="The one-stop CMC platform: programs, candidates, quality records, "
        "audit trail and signatures. Authenticate with 'Authorization: Bearer <API token>' "
        "(create one on your account page).",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    app.state.opencmc = state
    app.state.read_cache = read_cache
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _add_operations(app, state)
    _add_error_handlers(app)
    app.add_middleware(
        SessionsForBrowsers,
        secret_key=settings.secret_key,
        session_cookie="opencmc_session",
        max_age=settings.session_max_age_seconds,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.edge = AccessLogAndHeaders(
        BodySizeLimit(
            CachedReads(app.framework, cache=read_cache),
            limit=settings.max_body_bytes,
            upload_limit=settings.max_upload_bytes,
        )
    )
    return app


class OpenCMCApp(FastAPI):
    """FastAPI with a light edge in front of it.

    The edge (security headers and the access log, the body limit, the read cache) is
    plain ASGI and sees every HTTP request before the framework's own request handling
    does, so that an answer from the read cache costs about what a bare endpoint costs.
    Everything else (sessions, routing, errors) is the framework's, as usual.
    """

    edge: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.edge is not None:
            await self.edge(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def framework(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The framework's own handling of a request: what the edge passes on to."""
        await super().__call__(scope, receive, send)


def _add_operations(app: FastAPI, state: AppState) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        """The process is up."""
        return PlainTextResponse("ok")

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """The database answers and its schema is the one this version expects."""
        try:
            with state.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current = migrate.current(state.engine)
        except Exception as error:  # any failure means not ready; say which
            return JSONResponse({"ready": False, "problem": str(error)[:200]}, status_code=503)
        expected = migrate.head()
        if current != expected:
            return JSONResponse(
                {"ready": False, "problem": f"schema at {current}, expected {expected}"},
                status_code=503,
            )
        return JSONResponse(
            {
                "ready": True,
                "schema": current,
                "version": __version__,
                "read_cache": _read_cache_status(app),
            }
        )


def _read_cache_status(app: FastAPI) -> str:
    """``off`` (SQLite, or turned off), ``listening`` or ``reconnecting`` (nothing is
    answered from memory until the change listener is back)."""
    cache = app.state.read_cache
    if cache.listener is None:
        return "off"
    return "listening" if cache.live else "reconnecting"


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> Response:
        if _wants_html(request):
            return render_error(request, error.status_code, error.message)
        headers = {"www-authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(error.to_dict(), status_code=error.status_code, headers=headers)

    @app.exception_handler(StatsInputError)
    async def engine_input(request: Request, error: StatsInputError) -> Response:
        # an engine refused its input: the user's data, said in the engine's words
        return await domain_error(request, InvalidInput(str(error)))

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _error: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = [_describe(e) for e in error.errors()]
        malformed = any(e.get("type") == "json_invalid" for e in error.errors())
        status = 400 if malformed else 422
        body = {
            "error": "MalformedJSON" if malformed else "InvalidInput",
            "message": "; ".join(p["message"] for p in problems),
            "problems": problems,
        }
        if _wants_html(request):
            return render_error(request, status, body["message"])
        return JSONResponse(body, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if _wants_html(request):
            return render_error(request, error.status_code, str(error.detail))
        return JSONResponse(
            {"error": "HTTPError", "message": str(error.detail)}, status_code=error.status_code
        )


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
    if error.get("type") == "json_invalid":
        position = error.get("ctx", {}).get("error", "")
        return {"location": "body", "message": f"malformed JSON: {position}".strip()}
    message = error.get("msg", "invalid")
    if error.get("type") == "extra_forbidden":
        message = "unknown field"
    return {"location": location or "body", "message": f"{location or 'body'}: {message}"}
