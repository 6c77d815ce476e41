"""Actions every record page shares: sign, attach a file, download it; the audit trail page."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from opencmc.platform import audit, files, signatures
from opencmc.platform.errors import AuthenticationFailed, DomainError
from opencmc.platform.records import load_record
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.state import app_state
from opencmc.web.templating import flash, render

router = APIRouter()


@router.post("/{kind}/{record_id}/sign")
def sign(
    request: Request,
    kind: str,
    record_id: int,
    meaning: str = Form(...),
    password: str = Form(...),
    comment: str = Form(""),
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    record = load_record(uow.session, kind, record_id)
    try:
        signatures.sign(uow, record, meaning=meaning, password=password, comment=comment)
    except (AuthenticationFailed, DomainError) as error:
        flash(request, f"Not signed: {error.message}")
        return RedirectResponse(f"/{kind}/{record_id}", status_code=303)
    uow.commit()
    flash(request, f"Signed as {meaning}.")
    return RedirectResponse(f"/{kind}/{record_id}", status_code=303)


@router.post("/{kind}/{record_id}/attachments")
def upload(
    request: Request,
    kind: str,
    record_id: int,
    file: UploadFile,
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    state = app_state(request)
    record = load_record(uow.session, kind, record_id)
    files.attach(
        uow,
        record,
        state.store,
        file.file,
        file.filename or "",
        max_bytes=state.settings.max_upload_bytes,
    )
    uow.commit()
    flash(request, f"File {file.filename} attached.")
    return RedirectResponse(f"/{kind}/{record_id}", status_code=303)


@router.get("/{kind}/{record_id}/attachments/{attachment_id}")
def download(
    request: Request,
    kind: str,
    record_id: int,
    attachment_id: int,
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    record = load_record(uow.session, kind, record_id)
    attachment = files.get_attachment(uow.session, record, attachment_id)
    handle = app_state(request).store.open(attachment.sha256)
    return StreamingResponse(
        iter(lambda: handle.read(64 * 1024), b""),
        media_type=attachment.media_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}"
        },
    )


@router.get("/audit")
def audit_page(
    request: Request,
    page: int = 1,
    entity_type: str | None = None,
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    page = max(page, 1)
    events = audit.organisation_trail(
        uow.session, limit=100, offset=(page - 1) * 100, entity_type=entity_type or None
    )
    return render(
        request, "audit.html", {"events": events, "page": page, "entity_type": entity_type or ""}
    )
