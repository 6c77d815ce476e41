"""A program's progress on each roadmap activity: status, note and evidence."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opencmc.platform.models.base import Base, OrgScoped, Versioned, utcnow


class ActivityStatus(OrgScoped, Versioned, Base):
    """One roadmap activity of one program; created on its first change, never deleted.

    Evidence files attach to this record through the attachment store; ``evidence_link``
    points at a record in OpenCMC or a document elsewhere.
    """

    __tablename__ = "activity_statuses"
    __table_args__ = (UniqueConstraint("program_id", "activity_id"),)
    entity_type = "activity_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    activity_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20), default="not_started")
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_link: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    EDITABLE = ("status", "note", "evidence_link")

    def signable_content(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in ("activity_id", "program_id", *self.EDITABLE)}
