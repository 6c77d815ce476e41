"""The audit trail, electronic signatures and shares: the records that make data trustworthy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opencmc.platform.models.base import Base, OrgScoped, utcnow


class AuditEvent(OrgScoped, Base):
    """Append-only and hash-chained: ``hash = SHA-256(canonical content + prev_hash)``."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id"),)
    entity_type = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column("entity_type", String(40))
    record_id: Mapped[int] = mapped_column("entity_id")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Signature(OrgScoped, Base):
    """A re-authenticated statement with a meaning, bound to the hash of what was signed."""

    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_entity", "entity_type", "entity_id"),)
    entity_type = "signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column("entity_type", String(40))
    record_id: Mapped[int] = mapped_column("entity_id")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user_name: Mapped[str] = mapped_column(String(200))
    user_email: Mapped[str] = mapped_column(String(254))
    meaning: Mapped[str] = mapped_column(String(20))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    record_version: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(Text, default="")


class Share(OrgScoped, Base):
    """The only way a record crosses organisations: a grant, for a purpose, until it ends."""

    __tablename__ = "shares"
    __table_args__ = (
        Index("ix_shares_lookup", "grantee_organisation_id", "entity_type", "entity_id"),
    )
    entity_type = "share"

    id: Mapped[int] = mapped_column(primary_key=True)
    grantee_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    record_type: Mapped[str] = mapped_column("entity_type", String(40))
    record_id: Mapped[int] = mapped_column("entity_id")
    access: Mapped[str] = mapped_column(String(10), default="read")
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    #: the order the share serves, if any: closing the order ends it
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), default=None, index=True)
