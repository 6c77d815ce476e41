"""The program's roadmap and readiness page: the plan, its Gantt chart, what is done and
missing, what is not needed yet, and the form to record progress with evidence."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from opencmc.knowledge import STATUSES
from opencmc.platform import files, readiness
from opencmc.platform.errors import Conflict, InvalidInput
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.gantt import gantt_svg
from opencmc.web.auth import CurrentPageUow
from opencmc.web.state import app_state
from opencmc.web.templating import flash, render

router = APIRouter()


@router.get("/programs/{program_id}/roadmap")
def roadmap_page(request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    found = readiness.program_readiness(uow.session, program_id)
    statuses = {k: v.status for k, v in found.readiness.by_activity.items()}
    evidence = {
        activity: files.attachments_for(uow.session, record)
        for activity, record in found.records.items()
    }
    return render(
        request,
        "programs/roadmap.html",
        {
            "program": found.program,
            "roadmap": found.roadmap,
            "readiness": found.readiness,
            "records": found.records,
            "evidence": evidence,
            "statuses": STATUSES,
            "gantt": gantt_svg(found.roadmap.gantt(), statuses),
            "trail": readiness.readiness_trail(uow.session, found.program),
        },
    )


@router.post("/programs/{program_id}/activities/{activity_id}")
async def record_status(
    request: Request, program_id: int, activity_id: str, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    version = str(form.get("version", "")).strip()
    upload = form.get("file")
    try:
        record = readiness.set_activity_status(
            uow,
            program_id,
            activity_id,
            status=str(form.get("status", "")),
            note=str(form.get("note", "")),
            evidence_link=str(form.get("evidence_link", "")),
            version=int(version) if version.isdigit() else None,
            reason=str(form.get("reason", "")),
        )
        if isinstance(upload, UploadFile) and upload.filename:
            state = app_state(request)
            files.attach(uow, record, state.store, upload.file, upload.filename,
                         max_bytes=state.settings.max_upload_bytes)  # fmt: skip
    except (InvalidInput, Conflict) as error:  # a missing or foreign record stays a 404
        flash(request, f"Not recorded: {error.message}")
        return RedirectResponse(f"/programs/{program_id}/roadmap#{activity_id}", status_code=303)
    uow.commit()
    flash(request, f"{activity_id}: {record.status.replace('_', ' ')}.")
    return RedirectResponse(f"/programs/{program_id}/roadmap#{activity_id}", status_code=303)
