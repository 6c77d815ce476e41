"""The job runner: an inline thread pool by default; the executor is a seam for Dask later.

A job kind is a function ``(session_factory, params, progress) -> dict`` registered with
:func:`job_kind`. The runner records status, progress, result and error on the Job row.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform.actor import Actor
from opencmc.platform.db import SYSTEM, open_session
from opencmc.platform.errors import DomainError, InvalidInput, NotFound
from opencmc.platform.models import Job, utcnow
from opencmc.platform.uow import UnitOfWork

log = logging.getLogger("opencmc.jobs")

Progress = Callable[[float], None]
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
        self.futures[job.id] = self.executor.submit(self._run, job.id, actor)
        return job

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

    def _run(self, job_id: int, actor: Actor) -> None:
        session = open_session(self.factory, SYSTEM)
        try:
            job = session.get(Job, job_id)
            if job is None:
                return
            kind, params = job.kind, dict(job.params)
        finally:
            session.close()
        self._update(job_id, status="running", started_at=utcnow())
        try:
            result = _KINDS[kind](
                self.factory, actor, params, lambda p: self._update(job_id, progress=p)
            )
        except DomainError as error:
            self._update(job_id, status="failed", error=error.message, finished_at=utcnow())
        except Exception:
            log.exception("job %s (%s) failed", job_id, kind)
            self._update(
                job_id,
                status="failed",
                error=traceback.format_exc(limit=3),
                finished_at=utcnow(),
            )
        else:
            self._update(
                job_id, status="succeeded", progress=1.0, result=result, finished_at=utcnow()
            )


def list_jobs(session: Session, limit: int = 50) -> list[Job]:
    return list(session.scalars(select(Job).order_by(Job.id.desc()).limit(limit)))


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job
