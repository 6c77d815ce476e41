"""Knowing, without asking the database, that nothing a cached read depends on has changed.

A process-wide *generation* counts the committed changes to the tables listed in
:data:`WATCHED_TABLES`. Two things advance it:

* this process's own commits: a session that inserted, updated or deleted rows of a
  watched table advances it in ``after_commit``, i.e. once the change is visible to
  every later transaction, so a client reads its own writes at once;
* other processes' commits (another server worker, the command line, a migration), which
  PostgreSQL announces: statement triggers on the watched tables call ``pg_notify`` on
  the :data:`CHANNEL` channel, and the notification is delivered only when (and only if)
  the writing transaction commits. :class:`ChangeListener` holds one connection that
  listens and advances the generation for each notification.

A reader notes the generation before it reads and keeps what it read only while the
generation is unchanged. Advancing after the commit is what makes this safe: a read that
began before the change's commit ended carries an older generation, so it cannot outlive
the change. Whatever the listener misses while it is disconnected is covered by
:attr:`ChangeListener.live` being false until it has listened again (and by one more
advance when it reconnects).

SQLite has no notifications: nothing is listened to there, and readers must not rely on
the generation across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

log = logging.getLogger("opencmc.changes")

#: The channel the watched tables' triggers notify on.
CHANNEL = "opencmc_changes"

#: The tables whose changes cached reads depend on: who may call (tokens, users,
#: memberships, organisations), what they see (programs, and the shares that open
#: records to other organisations). Migration 0006 puts the notifying triggers on them.
WATCHED_TABLES = frozenset(
    {"api_tokens", "users", "memberships", "organisations", "programs", "shares"}
)


class Generation:
    """A counter of committed changes to the watched tables, safe across threads."""

    def __init__(self) -> None:
        self._value = 0
        self._lock = threading.Lock()

    @property
    def value(self) -> int:
        return self._value

    def advance(self) -> int:
        with self._lock:
            self._value += 1
            return self._value


#: The process's generation.
generation = Generation()

_TOUCHED = "opencmc_touched_watched"


@event.listens_for(Session, "after_flush")
def _note_flushed_tables(session: Session, _flush: UOWTransaction) -> None:
    # the lists still hold the pre-flush state here: what was written
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table in WATCHED_TABLES:
            session.info[_TOUCHED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_statement_tables(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED_TABLES:
        state.session.info[_TOUCHED] = True


@event.listens_for(Session, "after_commit")
def _advance_after_commit(session: Session) -> None:
    if session.info.pop(_TOUCHED, False):
        generation.advance()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def libpq_url(database_url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq understands it (no ``+driver``)."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class ChangeListener:
    """Listens on :data:`CHANNEL` and advances :data:`generation` for each notification.

    :attr:`live` is true only while the listening connection is up: after every
    ``heartbeat_seconds`` without a notification the connection is asked to answer, and
    one that does not is dropped. A lost connection is retried with back-off, and the
    generation advances on every reconnection because notifications sent meanwhile are
    lost.
    """

    def __init__(
        self, database_url: str, *, retry_seconds: float = 1.0, heartbeat_seconds: float = 5.0
    ) -> None:
        self.url = libpq_url(database_url)
        self.retry_seconds = retry_seconds
        self.heartbeat_seconds = heartbeat_seconds
        self.live = False
        self.notifications = 0
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self, timeout: float = 5.0) -> None:
        """Start listening; wait up to ``timeout`` seconds for the first connection."""
        self._task = asyncio.create_task(self._run(), name="opencmc-change-listener")
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            log.warning("change listener not connected yet; cached reads stay off until it is")

    async def stop(self) -> None:
        self.live = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task  # stopping: nothing left to report
            self._task = None

    async def _run(self) -> None:
        import psycopg

        delay = self.retry_seconds
        while True:
            try:
                connection: Any = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=5
                )
                async with connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    generation.advance()  # whatever happened while nobody listened
                    self.live = True
                    self._ready.set()
                    delay = self.retry_seconds
                    while True:
                        async for _note in connection.notifies(timeout=self.heartbeat_seconds):
                            generation.advance()
                            self.notifications += 1
                        # a quiet spell: make sure the connection is really there, so
                        # that a silently dead one is not trusted for long
                        await asyncio.wait_for(connection.execute("SELECT 1"), timeout=5)
            except asyncio.CancelledError:
                self.live = False
                raise
            except Exception as error:  # the database went away: stop trusting, retry
                if self.live:
                    log.warning("change listener lost its connection: %s", error)
                self.live = False
                generation.advance()
            self.live = False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)
