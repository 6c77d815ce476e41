"""Cached authenticated reads: a repeated API read answered without the database.

Integrations and dashboards poll the same listings with the same token many times a
second. For the paths in :data:`CACHEABLE_PATHS`, a ``GET`` with a bearer token is
answered from memory when the very same request (token, path and query) was answered
before and nothing it depends on can have changed since:

* the process's change generation (:mod:`opencmc.platform.changes`) is the one noted
  before that earlier answer read the database: no committed change to a watched table
  since, in this process or (through PostgreSQL's notifications) any other;
* the listener of those notifications is connected (otherwise nothing is cached);
* the token's grant still holds (it has not expired and its last use is not due to be
  written again) and no share that opened records to the caller has ended by its date.

Anything else goes to the application, which answers as always; a ``200`` answer is
then kept if the generation did not move while it was made. Only the JSON body and the
application's own headers are kept; the outer middleware adds the security headers, the
request id and the access log line to every answer, cached or not.

A change committed by another process is seen once its notification arrives, which is
normally well under a millisecond after the commit; until then that process's readers
may get the answer from just before it. A change made through this process is seen at
once. ``OPENCMC_READ_CACHE=false`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opencmc.platform.changes import ChangeListener, generation

#: The reads that may be cached, and why each is safe: what they show depends only on
#: the watched tables (see ``opencmc.platform.changes.WATCHED_TABLES``).
CACHEABLE_PATHS: dict[str, frozenset[str]] = {
    # the program listing: programs, and shares that open programs to the caller
    "/api/v1/programs": frozenset({"programs", "shares"}),
}

#: The key, in the ASGI scope's state, through which the application says an answer may
#: be kept and until when: the middleware puts ``None`` there, authentication replaces
#: it with the time the caller's grant and scope stop holding.
HOLDS_UNTIL = "opencmc.read_cache.holds_until"


@dataclass(frozen=True)
class _Entry:
    generation: int
    expires: float  # seconds since the epoch
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


class ReadCache:
    """The kept answers of one application, and whether keeping them is safe now."""

    def __init__(self, *, max_bytes: int = 64 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.listener: ChangeListener | None = None
        self.entries: dict[tuple[str, str, bytes], _Entry] = {}
        self.size = 0  # bytes of the kept bodies
        self.hits = 0
        self.misses = 0

    @property
    def live(self) -> bool:
        return self.listener is not None and self.listener.live

    def keep(self, key: tuple[str, str, bytes], entry: _Entry) -> None:
        """Keep an answer, forgetting the oldest ones while the bodies exceed the budget."""
        if len(entry.body) > self.max_bytes:
            return
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body)
        while self.entries and self.size + len(entry.body) > self.max_bytes:
            oldest = self.entries.pop(next(iter(self.entries)))
            self.size -= len(oldest.body)
        self.entries[key] = entry
        self.size += len(entry.body)


def _bearer(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    for name, value in headers:
        if name == b"authorization":
            if value[:7].lower() == b"bearer " and len(value) > 7:
                return value[7:].strip()
            return None
    return None


class CachedReads:
    """ASGI middleware serving :data:`CACHEABLE_PATHS` from a :class:`ReadCache`."""

    def __init__(self, app: ASGIApp, cache: ReadCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = self.cache
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] not in CACHEABLE_PATHS
            or not cache.live
        ):
            await self.app(scope, receive, send)
            return
        token = _bearer(scope["headers"])
        if token is None:
            await self.app(scope, receive, send)
            return
        key = (hashlib.sha256(token).hexdigest(), scope["path"], scope["query_string"])
        entry = cache.entries.get(key)
        if (
            entry is not None
            and entry.generation == generation.value
            and time.time() < entry.expires
        ):
            cache.hits += 1
            await send(
                {"type": "http.response.start", "status": 200, "headers": list(entry.headers)}
            )
            await send({"type": "http.response.body", "body": entry.body})
            return
        cache.misses += 1
        await self._answer_and_keep(scope, receive, send, key)

    async def _answer_and_keep(
        self, scope: Scope, receive: Receive, send: Send, key: tuple[str, str, bytes]
    ) -> None:
        started_at = generation.value
        state = scope.setdefault("state", {})
        state[HOLDS_UNTIL] = None
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        complete = False

        async def capture(message: Message) -> None:
            nonlocal complete
            if message["type"] == "http.response.start":
                start["status"] = message["status"]
                start["headers"] = tuple(message.get("headers", ()))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                complete = not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, capture)
        holds_until = state.get(HOLDS_UNTIL)
        if (
            complete
            and start.get("status") == 200
            and isinstance(holds_until, datetime)
            and generation.value == started_at
            and self.cache.live
        ):
            self.cache.keep(
                key, _Entry(started_at, holds_until.timestamp(), start["headers"], b"".join(chunks))
            )
