"""What every regulated record has: its audit trail, signatures and attachments; and the
organisation's whole trail, readable and exportable."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from opencmc.platform import audit, files, signatures
from opencmc.platform.models import AuditEvent
from opencmc.platform.records import load_record
from opencmc.platform.uow import UnitOfWork
from opencmc.web.api.schemas import AttachmentOut, AuditEventOut, SignRequest
from opencmc.web.auth import CurrentApiUow
from opencmc.web.state import app_state

router = APIRouter(tags=["records"])


@router.get("/audit", response_model=list[AuditEventOut])
def organisation_trail(
    uow: UnitOfWork = CurrentApiUow,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    entity_type: str | None = None,
) -> list[AuditEventOut]:
    events = audit.organisation_trail(
        uow.session, limit=limit, offset=offset, entity_type=entity_type
    )
    return [AuditEventOut.model_validate(e) for e in events]


@router.get("/audit/export.csv", response_class=StreamingResponse)
def export_trail(uow: UnitOfWork = CurrentApiUow) -> StreamingResponse:
    events = list(uow.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    return StreamingResponse(
        audit.export_csv(events),
        media_type="text/csv",
        headers={"content-disposition": 'attachment; filename="audit-trail.csv"'},
    )


@router.get("/{kind}/{record_id}/audit", response_model=list[AuditEventOut])
def record_trail(kind: str, record_id: int, uow: UnitOfWork = CurrentApiUow) -> list[AuditEventOut]:
    record = load_record(uow.session, kind, record_id)
    events = audit.trail(uow.session, record.entity_type, record.id)
    return [AuditEventOut.model_validate(e) for e in events]


@router.get("/{kind}/{record_id}/signatures")
def record_signatures(
    kind: str, record_id: int, uow: UnitOfWork = CurrentApiUow
) -> list[dict[str, Any]]:
    record = load_record(uow.session, kind, record_id)
    return [s.to_dict() for s in signatures.signatures_for(uow.session, record)]


@router.post("/{kind}/{record_id}/signatures", status_code=201)
def sign_record(
    kind: str, record_id: int, body: SignRequest, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    record = load_record(uow.session, kind, record_id)
    signature = signatures.sign(
        uow, record, meaning=body.meaning, password=body.password, comment=body.comment
    )
    uow.commit()
    return signatures.SignatureStatus(signature, True).to_dict()


@router.get("/{kind}/{record_id}/attachments", response_model=list[AttachmentOut])
def record_attachments(
    kind: str, record_id: int, uow: UnitOfWork = CurrentApiUow
) -> list[AttachmentOut]:
    record = load_record(uow.session, kind, record_id)
    return [AttachmentOut.model_validate(a) for a in files.attachments_for(uow.session, record)]


@router.post("/{kind}/{record_id}/attachments", response_model=AttachmentOut, status_code=201)
def upload_attachment(
    kind: str, record_id: int, file: UploadFile, request: Request, uow: UnitOfWork = CurrentApiUow
) -> AttachmentOut:
    state = app_state(request)
    record = load_record(uow.session, kind, record_id)
    attachment = files.attach(
        uow,
        record,
        state.store,
        file.file,
        file.filename or "",
        max_bytes=state.settings.max_upload_bytes,
    )
    uow.commit()
    return AttachmentOut.model_validate(attachment)


@router.get("/{kind}/{record_id}/attachments/{attachment_id}")
def download_attachment(
    kind: str,
    record_id: int,
    attachment_id: int,
    request: Request,
    uow: UnitOfWork = CurrentApiUow,
) -> StreamingResponse:
    state = app_state(request)
    record = load_record(uow.session, kind, record_id)
    attachment = files.get_attachment(uow.session, record, attachment_id)
    handle = state.store.open(attachment.sha256)
    return StreamingResponse(
        iter(lambda: handle.read(64 * 1024), b""),
        media_type=attachment.media_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "x-content-sha256": attachment.sha256,
        },
    )
