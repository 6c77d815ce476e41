"""Stability studies: protocol (batches, conditions, time points, tests), the pulls it
schedules, and the results of each pull."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opencmc.platform.models.base import Base, OrgScoped, Versioned, utcnow


class StabilityStudy(OrgScoped, Versioned, Base):
    __tablename__ = "stability_studies"
    entity_type = "stability_study"
    shareable = True

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    conditions: Mapped[list[str]] = mapped_column(JSON)  # condition codes, e.g. "25C/60RH"
    time_points: Mapped[list[float]] = mapped_column(JSON)  # months
    tests: Mapped[list[str]] = mapped_column(JSON)  # attribute names of the specification
    orientation: Mapped[str] = mapped_column(String(40), default="")
    start_date: Mapped[date] = mapped_column(Date)
    batch_ids: Mapped[list[int]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    def signable_content(self) -> dict[str, Any]:
        return {
            f: getattr(self, f)
            for f in ("title", "conditions", "time_points", "tests", "orientation", "batch_ids")
        }


class Pull(OrgScoped, Base):
    """One batch, one condition, one time point: due on a date, pulled (or not)."""

    __tablename__ = "stability_pulls"
    __table_args__ = (UniqueConstraint("study_id", "batch_id", "condition", "months"),)
    entity_type = "stability_pull"
    shared_through = ("study_id", "stability_study")

    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("stability_studies.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    condition: Mapped[str] = mapped_column(String(40))
    months: Mapped[float] = mapped_column()
    due_on: Mapped[date] = mapped_column(Date)
    pulled_on: Mapped[date | None] = mapped_column(Date, default=None)


class StabilityResult(OrgScoped, Base):
    __tablename__ = "stability_results"
    __table_args__ = (UniqueConstraint("pull_id", "attribute"),)
    entity_type = "stability_result"

    id: Mapped[int] = mapped_column(primary_key=True)
    pull_id: Mapped[int] = mapped_column(ForeignKey("stability_pulls.id"), index=True)
    attribute: Mapped[str] = mapped_column(String(200))
    value: Mapped[float] = mapped_column()
    unit: Mapped[str] = mapped_column(String(40), default="")
    out_of_trend: Mapped[bool] = mapped_column(default=False)
    trend_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    pull: Mapped[Pull] = relationship()
