"""Background jobs over JSON: submit, list, status and result."""

from __future__ import annotations

from fastapi import APIRouter, Request

from opencmc.jobs.runner import get_job, list_jobs
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


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: int, uow: UnitOfWork = CurrentApiUow) -> JobOut:
    return JobOut.model_validate(get_job(uow.session, job_id))
