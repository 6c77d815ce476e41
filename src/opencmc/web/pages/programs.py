"""Program and candidate pages: list, detail, create, edit with a reason, archive."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from opencmc.platform import audit, files, signatures
from opencmc.platform import programs as workflow
from opencmc.platform.errors import InvalidInput
from opencmc.platform.models import Candidate, Program
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import flash, render

router = APIRouter()


async def _form(request: Request, fields: tuple[str, ...]) -> dict[str, Any]:
    form = await request.form()
    return {f: str(form[f]) for f in fields if f in form}


def _version(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _record_context(uow: UnitOfWork, record: Program | Candidate) -> dict[str, Any]:
    return {
        "trail": audit.trail(uow.session, record.entity_type, record.id),
        "signatures": signatures.signatures_for(uow.session, record),
        "attachments": files.attachments_for(uow.session, record),
    }


@router.get("/programs")
def program_list(
    request: Request, archived: bool = False, uow: UnitOfWork = CurrentPageUow
) -> Response:
    programs, total = workflow.list_programs(uow.session, include_archived=archived, limit=500)
    return render(
        request,
        "programs/list.html",
        {"programs": programs, "total": total, "show_archived": archived},
    )


@router.get("/programs/new")
def program_new(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "programs/form.html", {"program": None, "values": {}})


@router.post("/programs/new")
async def program_create(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    values = await _form(request, Program.EDITABLE)
    try:
        program = workflow.create_program(uow, values)
    except InvalidInput as error:
        context = {"program": None, "values": values, "error": error}
        return render(request, "programs/form.html", context, status_code=422)
    uow.commit()
    flash(request, f"Program {program.name} registered.")
    return RedirectResponse(f"/programs/{program.id}", status_code=303)


@router.get("/programs/{program_id}")
def program_detail(request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    program = workflow.get_program(uow.session, program_id)
    context = {
        "program": program,
        "candidates": workflow.list_candidates(uow.session, program),
        "kind": "programs",
        "record": program,
        **_record_context(uow, program),
    }
    return render(request, "programs/detail.html", context)


@router.get("/programs/{program_id}/edit")
def program_edit(request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    program = workflow.get_program(uow.session, program_id)
    values = {f: getattr(program, f) for f in Program.EDITABLE}
    return render(request, "programs/form.html", {"program": program, "values": values})


@router.post("/programs/{program_id}/edit")
async def program_update(
    request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    values = await _form(request, Program.EDITABLE)
    try:
        program = workflow.update_program(
            uow,
            program_id,
            values,
            version=_version(form.get("version")),
            reason=str(form.get("reason", "")),
        )
    except InvalidInput as error:
        program = workflow.get_program(uow.session, program_id)
        context = {
            "program": program,
            "values": values,
            "reason": form.get("reason", ""),
            "error": error,
        }
        return render(request, "programs/form.html", context, status_code=422)
    uow.commit()
    flash(request, f"Program saved as version {program.version}.")
    return RedirectResponse(f"/programs/{program.id}", status_code=303)


@router.post("/programs/{program_id}/archive")
async def program_archive(
    request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    workflow.archive_program(
        uow, program_id, version=_version(form.get("version")), reason=str(form.get("reason", ""))
    )
    uow.commit()
    flash(request, "Program archived.")
    return RedirectResponse(f"/programs/{program_id}", status_code=303)


@router.get("/programs/{program_id}/candidates/new")
def candidate_new(request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    program = workflow.get_program(uow.session, program_id)
    return render(
        request, "candidates/form.html", {"program": program, "candidate": None, "values": {}}
    )


@router.post("/programs/{program_id}/candidates/new")
async def candidate_create(
    request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    values = await _form(request, Candidate.EDITABLE)
    try:
        candidate = workflow.create_candidate(uow, program_id, values)
    except InvalidInput as error:
        program = workflow.get_program(uow.session, program_id)
        context = {"program": program, "candidate": None, "values": values, "error": error}
        return render(request, "candidates/form.html", context, status_code=422)
    uow.commit()
    flash(request, f"Candidate {candidate.name} added.")
    return RedirectResponse(f"/candidates/{candidate.id}", status_code=303)


@router.get("/candidates/{candidate_id}")
def candidate_detail(
    request: Request, candidate_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    candidate = workflow.get_candidate(uow.session, candidate_id)
    context = {
        "candidate": candidate,
        "program": candidate.program,
        "kind": "candidates",
        "record": candidate,
        **_record_context(uow, candidate),
    }
    return render(request, "candidates/detail.html", context)


@router.get("/candidates/{candidate_id}/edit")
def candidate_edit(
    request: Request, candidate_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    candidate = workflow.get_candidate(uow.session, candidate_id)
    values = {f: getattr(candidate, f) or "" for f in Candidate.EDITABLE}
    context = {"program": candidate.program, "candidate": candidate, "values": values}
    return render(request, "candidates/form.html", context)


@router.post("/candidates/{candidate_id}/edit")
async def candidate_update(
    request: Request, candidate_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    values = await _form(request, Candidate.EDITABLE)
    try:
        candidate = workflow.update_candidate(
            uow,
            candidate_id,
            values,
            version=_version(form.get("version")),
            reason=str(form.get("reason", "")),
        )
    except InvalidInput as error:
        candidate = workflow.get_candidate(uow.session, candidate_id)
        context = {
            "program": candidate.program,
            "candidate": candidate,
            "values": values,
            "reason": form.get("reason", ""),
            "error": error,
        }
        return render(request, "candidates/form.html", context, status_code=422)
    uow.commit()
    flash(request, f"Candidate saved as version {candidate.version}.")
    return RedirectResponse(f"/candidates/{candidate.id}", status_code=303)


@router.post("/candidates/{candidate_id}/archive")
async def candidate_archive(
    request: Request, candidate_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    candidate = workflow.archive_candidate(
        uow,
        candidate_id,
        version=_version(form.get("version")),
        reason=str(form.get("reason", "")),
    )
    uow.commit()
    flash(request, "Candidate archived.")
    return RedirectResponse(f"/candidates/{candidate.id}", status_code=303)
