"""Electronic signatures: re-authenticated, with a meaning, bound to the signed content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform.accounts import reauthenticate
from opencmc.platform.actor import SIGNATURE_MEANINGS
from opencmc.platform.audit import content_hash, record_event
from opencmc.platform.errors import Conflict, InvalidInput
from opencmc.platform.models import Signature, utcnow
from opencmc.platform.uow import UnitOfWork


class Signable(Protocol):
    id: int
    organisation_id: int
    version: int
    entity_type: str

    def signable_content(self) -> dict[str, Any]: ...


def record_hash(record: Signable) -> str:
    """What a signature binds to: the record's type, id and signable content."""
    return content_hash(
        {"type": record.entity_type, "id": record.id, "content": record.signable_content()}
    )


def sign(
    uow: UnitOfWork, record: Signable, *, meaning: str, password: str, comment: str = ""
) -> Signature:
    """Sign ``record`` as the unit of work's actor after checking their password again."""
    actor = uow.require_actor()
    if not hasattr(record, "signable_content"):
        raise InvalidInput(f"a {record.entity_type} is not signed on its own; sign its record")
    if meaning not in SIGNATURE_MEANINGS:
        allowed = ", ".join(SIGNATURE_MEANINGS)
        raise InvalidInput(f"meaning: expected one of {allowed}, got {meaning!r}", field="meaning")
    actor.require(SIGNATURE_MEANINGS[meaning], f"sign as {meaning}")
    if record.organisation_id != actor.organisation_id:
        raise Conflict("only the owning organisation signs its records")
    if getattr(record, "archived_at", None) is not None:
        raise Conflict("an archived record cannot be signed")
    user = reauthenticate(uow.session, actor, password)
    signature = Signature(
        organisation_id=record.organisation_id,
        record_type=record.entity_type,
        record_id=record.id,
        user_id=user.id,
        user_name=user.full_name,
        user_email=user.email,
        meaning=meaning,
        signed_at=utcnow(),
        content_hash=record_hash(record),
        record_version=record.version,
        comment=comment.strip(),
    )
    uow.session.add(signature)
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=record.organisation_id,
        action=f"sign:{meaning}",
        entity_type=record.entity_type,
        entity_id=record.id,
        changes={
            "signature_id": {"old": None, "new": signature.id},
            "content_hash": {"old": None, "new": signature.content_hash},
            "record_version": {"old": None, "new": record.version},
        },
        reason=comment.strip() or f"signed as {meaning}",
    )
    return signature


@dataclass(frozen=True)
class SignatureStatus:
    signature: Signature
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        s = self.signature
        return {
            "id": s.id,
            "user_name": s.user_name,
            "user_email": s.user_email,
            "meaning": s.meaning,
            "signed_at": s.signed_at.isoformat(),
            "content_hash": s.content_hash,
            "record_version": s.record_version,
            "comment": s.comment,
            "valid": self.valid,
        }


def signatures_for(session: Session, record: Signable) -> list[SignatureStatus]:
    """A record's signatures, each marked valid only while the content is unchanged."""
    if not hasattr(record, "signable_content"):
        return []
    current = record_hash(record)
    found = session.scalars(
        select(Signature)
        .where(Signature.record_type == record.entity_type, Signature.record_id == record.id)
        .order_by(Signature.signed_at)
    )
    return [SignatureStatus(s, s.content_hash == current) for s in found]
