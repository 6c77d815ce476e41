"""Programs and candidates over JSON."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from opencmc.platform import programs as workflow
from opencmc.platform.uow import UnitOfWork
from opencmc.web.api.schemas import (
    Archive,
    CandidateCreate,
    CandidateOut,
    CandidateUpdate,
    ProgramCreate,
    ProgramOut,
    ProgramPage,
    ProgramUpdate,
)
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["programs"])


@router.get("/programs", response_model=ProgramPage)
def list_programs(
    uow: UnitOfWork = CurrentApiUow,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    include_archived: bool = False,
) -> Response:
    items, total = workflow.list_programs(
        uow.session, include_archived=include_archived, limit=limit, offset=offset
    )
    page = ProgramPage(
        items=[ProgramOut.model_validate(p) for p in items],
        total=total,
        limit=limit,
        offset=offset,
    )
    # serialised once here: the page is built from validated models already
    return Response(page.model_dump_json(), media_type="application/json")


@router.post("/programs", response_model=ProgramOut, status_code=201)
def create_program(body: ProgramCreate, uow: UnitOfWork = CurrentApiUow) -> ProgramOut:
    program = workflow.create_program(uow, body.model_dump())
    uow.commit()
    return ProgramOut.model_validate(program)


@router.get("/programs/{program_id}", response_model=ProgramOut)
def get_program(program_id: int, uow: UnitOfWork = CurrentApiUow) -> ProgramOut:
    return ProgramOut.model_validate(workflow.get_program(uow.session, program_id))


@router.patch("/programs/{program_id}", response_model=ProgramOut)
def update_program(
    program_id: int, body: ProgramUpdate, uow: UnitOfWork = CurrentApiUow
) -> ProgramOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version", "reason"})
    program = workflow.update_program(
        uow, program_id, changes, version=body.version, reason=body.reason
    )
    uow.commit()
    return ProgramOut.model_validate(program)


@router.post("/programs/{program_id}/archive", response_model=ProgramOut)
def archive_program(program_id: int, body: Archive, uow: UnitOfWork = CurrentApiUow) -> ProgramOut:
    program = workflow.archive_program(uow, program_id, version=body.version, reason=body.reason)
    uow.commit()
    return ProgramOut.model_validate(program)


@router.get("/programs/{program_id}/candidates", response_model=list[CandidateOut])
def list_candidates(program_id: int, uow: UnitOfWork = CurrentApiUow) -> list[CandidateOut]:
    program = workflow.get_program(uow.session, program_id)
    return [CandidateOut.model_validate(c) for c in workflow.list_candidates(uow.session, program)]


@router.post("/programs/{program_id}/candidates", response_model=CandidateOut, status_code=201)
def create_candidate(
    program_id: int, body: CandidateCreate, uow: UnitOfWork = CurrentApiUow
) -> CandidateOut:
    candidate = workflow.create_candidate(uow, program_id, body.model_dump(exclude_none=True))
    uow.commit()
    return CandidateOut.model_validate(candidate)


@router.get("/candidates/{candidate_id}", response_model=CandidateOut)
def get_candidate(candidate_id: int, uow: UnitOfWork = CurrentApiUow) -> CandidateOut:
    return CandidateOut.model_validate(workflow.get_candidate(uow.session, candidate_id))


@router.patch("/candidates/{candidate_id}", response_model=CandidateOut)
def update_candidate(
    candidate_id: int, body: CandidateUpdate, uow: UnitOfWork = CurrentApiUow
) -> CandidateOut:
    changes = body.model_dump(exclude_unset=True, exclude={"version", "reason"})
    candidate = workflow.update_candidate(
        uow, candidate_id, changes, version=body.version, reason=body.reason
    )
    uow.commit()
    return CandidateOut.model_validate(candidate)


@router.post("/candidates/{candidate_id}/archive", response_model=CandidateOut)
def archive_candidate(
    candidate_id: int, body: Archive, uow: UnitOfWork = CurrentApiUow
) -> CandidateOut:
    candidate = workflow.archive_candidate(
        uow, candidate_id, version=body.version, reason=body.reason
    )
    uow.commit()
    return CandidateOut.model_validate(candidate)
