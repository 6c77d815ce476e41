"""Quality records: materials, specifications and their attributes, batches and their
genealogy, results, and OOS investigations."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opencmc.platform.models.base import Base, OrgScoped, Versioned, utcnow


class Material(OrgScoped, Base):
    """A drug substance, drug product or intermediate of a program."""

    __tablename__ = "materials"
    __table_args__ = (UniqueConstraint("program_id", "name"),)
    entity_type = "material"
    shareable = True

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Specification(OrgScoped, Versioned, Base):
    """A versioned list of attributes with acceptance criteria; effective once approved."""

    __tablename__ = "specifications"
    __table_args__ = (UniqueConstraint("material_id", "number"),)
    entity_type = "specification"
    shareable = True

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    number: Mapped[int] = mapped_column()  # 1, 2, ... per material
    title: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("specifications.id"))
    effective_at: Mapped[datetime | None] = mapped_column(default=None)
    superseded_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    material: Mapped[Material] = relationship()
    attributes: Mapped[list[SpecAttribute]] = relationship(
        back_populates="specification", order_by="SpecAttribute.position"
    )

    def signable_content(self) -> dict[str, Any]:
        return {
            "material_id": self.material_id,
            "number": self.number,
            "title": self.title,
            "stage": self.stage,
            "attributes": [a.content() for a in self.attributes],
        }


class SpecAttribute(OrgScoped, Base):
    """One test of a specification and its acceptance criterion."""

    __tablename__ = "spec_attributes"
    __table_args__ = (UniqueConstraint("specification_id", "name"),)
    entity_type = "spec_attribute"
    shared_through = ("specification_id", "specification")

    id: Mapped[int] = mapped_column(primary_key=True)
    specification_id: Mapped[int] = mapped_column(ForeignKey("specifications.id"), index=True)
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(40))
    test_method: Mapped[str] = mapped_column(String(200), default="")
    criterion_type: Mapped[str] = mapped_column(String(20))  # limits|conforms|text|report
    lower: Mapped[float | None] = mapped_column(default=None)
    upper: Mapped[float | None] = mapped_column(default=None)
    lower_inclusive: Mapped[bool] = mapped_column(default=True)
    upper_inclusive: Mapped[bool] = mapped_column(default=True)
    unit: Mapped[str] = mapped_column(String(40), default="")
    decimals: Mapped[int | None] = mapped_column(default=None)
    requirement: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True)

    specification: Mapped[Specification] = relationship(back_populates="attributes")

    FIELDS = ("name", "category", "test_method", "criterion_type", "lower", "upper",
              "lower_inclusive", "upper_inclusive", "unit", "decimals", "requirement",
              "required")  # fmt: skip

    def content(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.FIELDS}


class Batch(OrgScoped, Versioned, Base):
    """A manufactured quantity (lot) of a material."""

    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("organisation_id", "number"),)
    entity_type = "batch"
    shareable = True

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))
    process_version: Mapped[str] = mapped_column(String(60), default="")
    scale: Mapped[str] = mapped_column(String(60), default="")
    site: Mapped[str] = mapped_column(String(200), default="")
    manufactured_on: Mapped[date | None] = mapped_column(Date, default=None)
    purpose: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="under_test")
    released_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    material: Mapped[Material] = relationship()

    def signable_content(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "material_id": self.material_id,
            "process_version": self.process_version,
            "purpose": self.purpose,
            "status": self.status,
        }


class BatchInput(OrgScoped, Base):
    """Genealogy: a drug-substance (or intermediate) batch that went into another batch."""

    __tablename__ = "batch_inputs"
    __table_args__ = (UniqueConstraint("batch_id", "input_batch_id"),)
    entity_type = "batch_input"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    input_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))


class Result(OrgScoped, Base):
    """A reportable value for one attribute of a batch, evaluated against the specification
    version effective when it was recorded; invalidated (never deleted) after an OOS finds
    a laboratory error."""

    __tablename__ = "results"
    entity_type = "result"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("spec_attributes.id"))
    replicates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    reportable_value: Mapped[float | None] = mapped_column(default=None)
    reported_text: Mapped[str] = mapped_column(Text, default="")
    rounded: Mapped[str] = mapped_column(String(60), default="")
    conforms: Mapped[bool | None] = mapped_column(default=None)
    unit: Mapped[str] = mapped_column(String(40), default="")
    method: Mapped[str] = mapped_column(String(200), default="")
    analyst: Mapped[str] = mapped_column(String(200), default="")
    instrument: Mapped[str] = mapped_column(String(200), default="")
    tested_on: Mapped[date | None] = mapped_column(Date, default=None)
    invalidated_at: Mapped[datetime | None] = mapped_column(default=None)
    invalidation_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    attribute: Mapped[SpecAttribute] = relationship()


class OosInvestigation(OrgScoped, Versioned, Base):
    """Opened by an out-of-specification result; must close before the batch is released."""

    __tablename__ = "oos_investigations"
    entity_type = "oos_investigation"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("results.id"))
    status: Mapped[str] = mapped_column(String(20), default="phase_1")
    phase1_findings: Mapped[str] = mapped_column(Text, default="")
    phase2_findings: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(String(30), default="")
    conclusion_text: Mapped[str] = mapped_column(Text, default="")
    capa_reference: Mapped[str] = mapped_column(String(100), default="")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    result: Mapped[Result] = relationship()

    def signable_content(self) -> dict[str, Any]:
        fields = ("status", "phase1_findings", "phase2_findings", "conclusion",
                  "conclusion_text", "capa_reference")  # fmt: skip
        return {f: getattr(self, f) for f in fields}
