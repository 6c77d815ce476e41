"""Cancelling jobs: queued ones at once, running ones at their next step, and never a
finished one; only the submitter or an admin, and only within the organisation."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import CancelledError
from typing import Any

import pytest
from sqlalchemy import update

from opencmc.jobs import runner as jobs
from opencmc.jobs.runner import JobRunner, get_job
from opencmc.platform.errors import Conflict, NotFound, PermissionDenied
from opencmc.platform.models import Job
from opencmc.platform.uow import UnitOfWork
from tests.conftest import actor_of, email

started = threading.Event()


@pytest.fixture
def runner(factory) -> Iterator[JobRunner]:  # type: ignore[no-untyped-def]
    """A one-worker runner with a job kind that reports progress until told to stop."""

    def slow(_factory: Any, _actor: Any, params: dict[str, Any], progress: Any) -> dict:
        started.set()
        for step in range(params.get("steps", 2000)):
            progress(step / 2000)
            time.sleep(params.get("pause", 0.005))
        return {"done": True}

    jobs._KINDS["test-slow"] = slow
    started.clear()
    job_runner = JobRunner(factory, workers=1)
    yield job_runner
    job_runner.shutdown()
    jobs._KINDS.pop("test-slow")


def status(factory, job_id: int, handle: str = "a.sci") -> Job:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        return get_job(uow.session, job_id)


def cancel(factory, runner: JobRunner, job_id: int, handle: str) -> Job:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        job = runner.cancel(uow, job_id)
        uow.commit()
        return job


def test_a_running_job_stops_at_its_next_step(factory, runner) -> None:  # type: ignore[no-untyped-def]
    job = runner.submit(actor_of(factory, "a.sci"), "test-slow", {"pause": 0.5})
    assert started.wait(10)
    asked = cancel(factory, runner, job.id, "a.sci")
    assert asked.status == "running"  # it stops at its next report, half a second away
    assert runner.is_cancelling(status(factory, job.id))
    runner.wait(job.id, timeout=10)
    ended = status(factory, job.id)
    assert ended.status == "cancelled"
    assert ended.error == f"cancelled by {email('a.sci')} while it ran"
    assert ended.finished_at is not None and ended.result is None
    assert not runner.is_cancelling(ended)


def test_a_queued_job_is_cancelled_before_it_starts(factory, runner) -> None:  # type: ignore[no-untyped-def]
    actor = actor_of(factory, "a.sci")
    busy = runner.submit(actor, "test-slow")
    assert started.wait(10)
    queued = runner.submit(actor, "test-slow", {"steps": 1})
    assert status(factory, queued.id).status == "queued"
    assert cancel(factory, runner, queued.id, "a.admin").status == "cancelled"  # an admin
    assert status(factory, queued.id).error == f"cancelled by {email('a.admin')}"
    cancel(factory, runner, busy.id, "a.sci")
    runner.wait(busy.id, timeout=10)
    with pytest.raises(CancelledError):  # the dropped job never ran
        runner.wait(queued.id, timeout=1)
    assert status(factory, queued.id).started_at is None


def test_who_may_cancel_and_what(factory, runner) -> None:  # type: ignore[no-untyped-def]
    job = runner.submit(actor_of(factory, "a.sci"), "test-slow")
    assert started.wait(10)
    with pytest.raises(PermissionDenied, match="submitted a job, or an admin"):
        cancel(factory, runner, job.id, "a.qa")
    with pytest.raises(NotFound):
        cancel(factory, runner, job.id, "b.admin")  # another organisation's job
    assert status(factory, job.id).status == "running"
    cancel(factory, runner, job.id, "a.sci")
    runner.wait(job.id, timeout=10)
    with pytest.raises(Conflict, match=rf"job {job.id} is cancelled: only a queued or running"):
        cancel(factory, runner, job.id, "a.sci")
    done = runner.submit(actor_of(factory, "a.sci"), "audit-verify")
    runner.wait(done.id, timeout=30)
    with pytest.raises(Conflict, match="is succeeded"):
        cancel(factory, runner, done.id, "a.sci")


def test_a_job_no_process_is_running_is_cancelled_at_once(factory, runner) -> None:  # type: ignore[no-untyped-def]
    # a job left "running" by a server that stopped, or running in another process
    done = runner.submit(actor_of(factory, "a.sci"), "audit-verify")
    runner.wait(done.id, timeout=30)
    with UnitOfWork(factory, None, system=True) as uow:
        uow.session.execute(update(Job).where(Job.id == done.id).values(status="running"))
        uow.commit()
    fresh = JobRunner(factory, workers=1)  # knows nothing of it
    try:
        assert cancel(factory, fresh, done.id, "a.sci").status == "cancelled"
    finally:
        fresh.shutdown()
    assert status(factory, done.id).status == "cancelled"


def test_a_cancelled_job_stays_cancelled_if_it_finishes_anyway(factory, runner) -> None:  # type: ignore[no-untyped-def]
    job = runner.submit(actor_of(factory, "a.sci"), "test-slow", {"steps": 1})
    runner.wait(job.id, timeout=10)
    with UnitOfWork(factory, None, system=True) as uow:
        uow.session.execute(
            update(Job).where(Job.id == job.id).values(status="cancelled", error="by hand")
        )
        uow.commit()
    runner._finish(job.id, status="succeeded", result={"late": True})
    ended = status(factory, job.id)
    assert ended.status == "cancelled" and ended.error == "by hand"


def test_a_job_cancelled_from_another_process_stops_within_seconds(factory, runner) -> None:  # type: ignore[no-untyped-def]
    job = runner.submit(actor_of(factory, "a.sci"), "test-slow", {"steps": 2000})
    assert started.wait(10)
    elsewhere = JobRunner(factory, workers=1)  # the command line, or another server worker
    try:
        assert cancel(factory, elsewhere, job.id, "a.sci").status == "cancelled"
    finally:
        elsewhere.shutdown()
    runner.wait(job.id, timeout=10)  # it read its row at a report and stopped
    ended = status(factory, job.id)
    assert ended.status == "cancelled"
    assert ended.error == f"cancelled by {email('a.sci')}"
    assert ended.progress < 0.5  # 2,000 steps of 5 ms: it did not run to the end
