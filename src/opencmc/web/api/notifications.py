"""The caller's notifications over JSON: what waits on the organisation or on the user."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from opencmc.platform.market import inbox
from opencmc.platform.models import Notification
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["notifications"])


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = None


def notification_out(note: Notification) -> dict[str, Any]:
    return {
        "id": note.id,
        "kind": note.kind,
        "title": note.title,
        "link": note.link,
        "record_type": note.record_type,
        "record_id": note.record_id,
        "created_at": note.created_at.isoformat(),
        "read": note.read_at is not None,
    }


@router.get("/notifications")
def list_notifications(unread: bool = False, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    actor = uow.require_actor()
    notes = inbox.notifications(uow.session, actor, unread_only=unread)
    return {
        "unread": inbox.unread_count(uow.session, actor),
        "items": [notification_out(n) for n in notes],
    }


@router.post("/notifications/read")
def mark_read(body: ReadIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, int]:
    """Mark the given notifications read, or all of them when no ids are given."""
    changed = inbox.mark_read(uow, body.ids)
    uow.commit()
    return {"marked": changed}
