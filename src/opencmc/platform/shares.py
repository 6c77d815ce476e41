"""Shares: the only way a record crosses organisations, granted for a purpose and ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opencmc.platform import validation as check
from opencmc.platform.audit import record_event
from opencmc.platform.db import UNSCOPED, utc_now
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.models import Organisation, Share, utcnow
from opencmc.platform.uow import UnitOfWork


def grant_share(
    uow: UnitOfWork,
    record: Any,
    *,
    grantee_organisation_id: int,
    purpose: str,
    access: str = "read",
    ends_at: datetime | None = None,
) -> Share:
    """Let another organisation read (or, for deliverables, write) one record."""
    actor = uow.require_actor()
    actor.require("write", "share records")
    if record.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the owning organisation shares its records")
    if not getattr(record, "shareable", False):
        raise InvalidInput(f"a {record.entity_type} cannot be shared", field="record")
    if access not in ("read", "write"):
        raise InvalidInput(f"access: expected read or write, got {access!r}", field="access")
    why = check.text(purpose, "purpose", max_length=2000)
    if grantee_organisation_id == actor.organisation_id:
        raise InvalidInput("grantee: a record is shared with another organisation")
    if uow.session.get(Organisation, grantee_organisation_id) is None:
        raise NotFound(f"no organisation {grantee_organisation_id}", field="grantee")
    if ends_at is not None and ends_at <= utcnow():
        raise InvalidInput("ends_at: must be in the future", field="ends_at")
    live = uow.session.scalar(
        select(Share).where(
            Share.grantee_organisation_id == grantee_organisation_id,
            Share.record_type == record.entity_type,
            Share.record_id == record.id,
            Share.revoked_at.is_(None),
        )
    )
    if live is not None and (live.ends_at is None or live.ends_at > utcnow()):
        raise Conflict("this record is shared with that organisation already")
    share = Share(
        organisation_id=record.organisation_id,
        grantee_organisation_id=grantee_organisation_id,
        record_type=record.entity_type,
        record_id=record.id,
        access=access,
        purpose=why,
        created_by_id=actor.user_id,
        ends_at=ends_at,
    )
    uow.session.add(share)
    uow.session.flush()
    granted = {
        "grantee": grantee_organisation_id,
        "access": access,
        "ends_at": ends_at.isoformat() if ends_at else None,
    }
    record_event(
        uow.session,
        actor=actor,
        organisation_id=record.organisation_id,
        action="share",
        entity_type=record.entity_type,
        entity_id=record.id,
        changes={"share": {"old": None, "new": granted}},
        reason=why,
    )
    return share


def revoke_share(uow: UnitOfWork, share_id: int, reason: str) -> Share:
    """End a share now; the grantee loses sight of the record at once."""
    actor = uow.require_actor()
    share = uow.session.get(Share, share_id)
    if share is None or share.organisation_id != actor.organisation_id:
        raise NotFound(f"no share {share_id}")
    actor.require("write", "end shares")
    why = check.reason(reason)
    if share.revoked_at is not None:
        raise Conflict(f"share {share_id} has ended already")
    share.revoked_at = utcnow()
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=share.organisation_id,
        action="unshare",
        entity_type=share.record_type,
        entity_id=share.record_id,
        changes={"share": {"old": {"grantee": share.grantee_organisation_id}, "new": None}},
        reason=why,
    )
    return share


def next_share_end(session: Session, organisation_id: int) -> datetime | None:
    """When the first live share granted to the organisation ends by its date (None if
    none does): until then what the organisation sees changes only by a written change."""
    return session.scalar(
        select(func.min(Share.ends_at)).where(
            Share.grantee_organisation_id == organisation_id,
            Share.revoked_at.is_(None),
            Share.ends_at > utc_now(),
        ),
        execution_options={UNSCOPED: True},  # the grantee is named: no scope to add
    )
