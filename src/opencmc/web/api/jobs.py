"""Background jobs over JSON: submit, list, status, result and cancel."""

from __future__ import annotations

from fastapi import APIRouter, Request

from opencmc.jobs.runner import JobRunner, get_job, list_jobs
from opencmc.platform.models import Job
from opencmc.platform.uow import UnitOfWork
from opencmc.web.api.schemas import JobCreate, JobOut
from opencmc.web.auth import CurrentApiUow
from opencmc.web.state import app_state

router = APIRouter(tags=["jobs"])


@router.get("/jobs", response_model=list[JobOut])
def jobs(uow: UnitOfWork = CurrentApiUow) -> list[JobOut]:
    return [JobOut.model_validate(j) for j in list_jobs(uow.session)]


@router.post("/jobs", response_model=JobOut, status_code=202)
def submit_job(body: JobCreate, request: Request, uow: UnitOfWork = CurrentApiUow) -> JobOut:
    job = app_state(request).runner.submit(uow.require_actor(), body.kind, body.params)
    return JobOut.model_validate(job)


def _out(job: Job, runner: JobRunner) -> JobOut:
    out = JobOut.model_validate(job)
    out.cancelling = runner.is_cancelling(job)
    return out


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: int, request: Request, uow: UnitOfWork = CurrentApiUow) -> JobOut:
    return _out(get_job(uow.session, job_id), app_state(request).runner)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: int, request: Request, uow: UnitOfWork = CurrentApiUow) -> JobOut:
    """Stop a queued or running job (its submitter, or an admin). A queued job is
    cancelled at once; a running one shows ``cancelling`` and ends as ``cancelled`` at its
    next step. A job that has finished cannot be cancelled (409)."""
    runner = app_state(request).runner
    job = runner.cancel(uow, job_id)
    uow.commit()
    uow.session.refresh(job)
    return _out(job, runner)
