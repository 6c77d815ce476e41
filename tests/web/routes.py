"""Every route of the app, walked from its routers, for the tests that must cover them all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI

# served to everyone by design
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/docs"),
    ("GET", "/api/openapi.json"),
    ("GET", "/docs/oauth2-redirect"),
}


def _walk(router: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in router.routes:
        if hasattr(route, "original_router"):  # an included router (newer FastAPI)
            yield from _walk(route.original_router, prefix + route.include_context.prefix)
        elif hasattr(route, "methods") and route.methods:
            for method in sorted(route.methods - {"HEAD"}):
                yield method, prefix + route.path


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every endpoint, excluding static files."""
    return sorted(set(_walk(app.router)))
