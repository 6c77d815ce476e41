"""The job runner: an inline thread pool by default; the executor is a seam for Dask later.

A job kind is a function ``(session_factory, actor, params, progress) -> dict``
registered with :func:`job_kind`. The runner records status, progress, result and error
on the Job row.

Cancelling is cooperative: a queued job is dropped before it starts; a running one stops
at its next progress report (``progress(p)`` raises :class:`JobCancelled`), and a kind
that can wait long between reports calls ``progress.check()`` meanwhile. A job that is
not running in this process (another server process, or one that ended without saying
so) is marked cancelled in its row at once, and if it does run elsewhere it sees that
row within seconds and stops; a final status is written only over ``queued`` or
``running``, so a cancelled job stays cancelled.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform.actor import Actor
from opencmc.platform.db import SYSTEM, open_session
from opencmc.platform.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from opencmc.platform.models import Job, utcnow
from opencmc.platform.uow import UnitOfWork

log = logging.getLogger("opencmc.jobs")

LIVE = ("queued", "running")


class JobCancelled(Exception):
    """Raised inside a job whose cancellation was asked for."""


class Progress:
    """What a job calls to report progress (0..1); it raises :class:`JobCancelled` once
    the job is to stop. ``check()`` only asks.

    A stop is asked for in this process (an event, seen at once) or by another one (the
    job's row says ``cancelled``, read at most every ``every`` seconds).
    """

    def __init__(
        self,
        report: Callable[[float], None],
        cancelled: threading.Event,
        still_wanted: Callable[[], bool],
        every: float = 2.0,
    ) -> None:
        self._report = report
        self._cancelled = cancelled
        self._still_wanted = still_wanted
        self._every = every
        self._asked = time.monotonic()

    def check(self) -> None:
        if self._cancelled.is_set():
            raise JobCancelled
        now = time.monotonic()
        if now - self._asked >= self._every:
            self._asked = now
            if not self._still_wanted():
                raise JobCancelled

    def __call__(self, fraction: float) -> None:
        self.check()
        self._report(fraction)


JobFunction = Callable[[sessionmaker[Session], Actor, dict[str, Any], Progress], dict[str, Any]]

_KINDS: dict[str, JobFunction] = {}


def job_kind(name: str) -> Callable[[JobFunction], JobFunction]:
    """Register a function as a job kind."""

    def register(function: JobFunction) -> JobFunction:
        _KINDS[name] = function
        return function

    return register


def registered_kinds() -> list[str]:
    from opencmc.jobs import design_jobs, kinds  # noqa: F401  (registers the built-in kinds)

    return sorted(_KINDS)


class JobRunner:
    """Submit jobs and run them on ``executor`` (a thread pool unless given)."""

    def __init__(
        self, factory: sessionmaker[Session], executor: Executor | None = None, workers: int = 2
    ) -> None:
        self.factory = factory
        self.executor = executor or ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix="opencmc-job"
        )
        self.futures: dict[int, Future[None]] = {}
        self.cancels: dict[int, threading.Event] = {}
        self.cancelled_by: dict[int, str] = {}

    def submit(self, actor: Actor, kind: str, params: dict[str, Any] | None = None) -> Job:
        kinds = registered_kinds()
        if kind not in kinds:
            raise InvalidInput(f"kind: expected one of {', '.join(kinds)}, got {kind!r}")
        with UnitOfWork(self.factory, actor) as uow:
            job = Job(
                organisation_id=actor.organisation_id,
                user_id=actor.user_id,
                kind=kind,
                params=params or {},
            )
            uow.session.add(job)
            uow.commit()
        self.cancels[job.id] = threading.Event()
        self.futures[job.id] = self.executor.submit(self._run, job.id, actor)
        return job

    def cancel(self, uow: UnitOfWork, job_id: int) -> Job:
        """Stop a queued or running job: its submitter or an admin of its organisation.

        A job that has not started, or is not running in this process, is cancelled in
        the caller's transaction (commit it); a running one is asked to stop and ends as
        ``cancelled`` at its next progress report.
        """
        actor = uow.require_actor()
        job = get_job(uow.session, job_id)
        if job.user_id != actor.user_id and actor.role != "admin":
            raise PermissionDenied("only the person who submitted a job, or an admin, cancels it")
        if job.status not in LIVE:
            raise Conflict(
                f"job {job_id} is {job.status}: only a queued or running job can be cancelled"
            )
        note = f"cancelled by {actor.email}"
        event = self.cancels.get(job_id)
        future = self.futures.get(job_id)
        if event is not None and future is not None and not future.done():
            self.cancelled_by[job_id] = note
            event.set()
            if not future.cancel():
                log.info("job %s: %s; it stops at its next step", job_id, note)
                return job
            self.cancels.pop(job_id, None)  # it never started: nothing will ask again
            self.cancelled_by.pop(job_id, None)
        uow.session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status.in_(LIVE))
            .values(status="cancelled", error=note, finished_at=utcnow())
        )
        return job

    def is_cancelling(self, job: Job) -> bool:
        """A stop was asked for and the running job has not reached its next step yet."""
        return job.status in LIVE and job.id in self.cancelled_by

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        future = self.futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=False)

    def _update(self, job_id: int, **values: Any) -> None:
        session = open_session(self.factory, SYSTEM)
        try:
            job = session.get(Job, job_id)
            if job is not None:
                for key, value in values.items():
                    setattr(job, key, value)
                session.commit()
        finally:
            session.close()

    def _status(self, job_id: int) -> str | None:
        session = open_session(self.factory, SYSTEM)
        try:
            return session.scalar(select(Job.status).where(Job.id == job_id))
        finally:
            session.close()

    def _finish(self, job_id: int, **values: Any) -> None:
        """Write a final status, unless the job already has one (a cancelled job that
        finished its last step anyway stays cancelled)."""
        session = open_session(self.factory, SYSTEM)
        try:
            session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(LIVE))
                .values(finished_at=utcnow(), **values)
            )
            session.commit()
        finally:
            session.close()

    def _run(self, job_id: int, actor: Actor) -> None:
        session = open_session(self.factory, SYSTEM)
        try:
            job = session.get(Job, job_id)
            if job is None:
                return
            kind, params = job.kind, dict(job.params)
        finally:
            session.close()
        cancelled = self.cancels.setdefault(job_id, threading.Event())
        self._update(job_id, status="running", started_at=utcnow())
        progress = Progress(
            lambda p: self._update(job_id, progress=p),
            cancelled,
            lambda: self._status(job_id) in LIVE,
        )
        try:
            progress.check()
            result = _KINDS[kind](self.factory, actor, params, progress)
        except JobCancelled:
            note = self.cancelled_by.pop(job_id, "cancelled")
            self._finish(job_id, status="cancelled", error=f"{note} while it ran")
        except DomainError as error:
            self._finish(job_id, status="failed", error=error.message)
        except Exception:
            log.exception("job %s (%s) failed", job_id, kind)
            self._finish(job_id, status="failed", error=traceback.format_exc(limit=3))
        else:
            self._finish(job_id, status="succeeded", progress=1.0, result=result)
        finally:
            self.cancels.pop(job_id, None)
            self.cancelled_by.pop(job_id, None)


def list_jobs(session: Session, limit: int = 50) -> list[Job]:
    return list(session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)))


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job
