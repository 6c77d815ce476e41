"""Programs and their candidates: a sponsor's development efforts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opencmc.platform.models.base import Archivable, Base, OrgScoped, Versioned, utcnow


class Program(OrgScoped, Versioned, Archivable, Base):
    __tablename__ = "programs"
    entity_type = "program"
    shareable = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    modality: Mapped[str] = mapped_column(String(40))
    current_stage: Mapped[str] = mapped_column(String(40))
    target_milestone: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    candidates: Mapped[list[Candidate]] = relationship(
        back_populates="program", order_by="Candidate.id"
    )

    #: the fields an edit may change and a signature covers
    EDITABLE = ("name", "modality", "current_stage", "target_milestone", "description")

    def signable_content(self) -> dict[str, Any]:
        content: dict[str, Any] = {f: getattr(self, f) for f in self.EDITABLE}
        content["archived"] = self.is_archived
        return content


class Candidate(OrgScoped, Versioned, Archivable, Base):
    """A molecule or construct of a program; exactly one kind of definition is filled."""

    __tablename__ = "candidates"
    entity_type = "candidate"
    shareable = True

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(60), default="")
    heavy_chain: Mapped[str | None] = mapped_column(Text, default=None)
    light_chain: Mapped[str | None] = mapped_column(Text, default=None)
    protein_sequence: Mapped[str | None] = mapped_column(Text, default=None)
    nucleotide_sequence: Mapped[str | None] = mapped_column(Text, default=None)
    smiles: Mapped[str | None] = mapped_column(Text, default=None)
    construct_description: Mapped[str | None] = mapped_column(Text, default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    program: Mapped[Program] = relationship(back_populates="candidates")

    EDITABLE = (
        "name",
        "code",
        "heavy_chain",
        "light_chain",
        "protein_sequence",
        "nucleotide_sequence",
        "smiles",
        "construct_description",
        "notes",
    )

    @property
    def definition_kind(self) -> str:
        if self.heavy_chain or self.light_chain:
            return "antibody_chains"
        if self.protein_sequence:
            return "protein_sequence"
        if self.nucleotide_sequence:
            return "nucleotide_sequence"
        if self.smiles:
            return "smiles"
        return "construct"

    def signable_content(self) -> dict[str, Any]:
        content: dict[str, Any] = {f: getattr(self, f) for f in self.EDITABLE}
        content["program_id"] = self.program_id
        content["archived"] = self.is_archived
        return content


class Assessment(OrgScoped, Base):
    """The saved result of an engine run on a candidate, with the engine's version and
    inputs, so that it can be reproduced. Never changed once saved."""

    __tablename__ = "assessments"
    entity_type = "assessment"
    shareable = True

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    engine: Mapped[str] = mapped_column(String(60))
    engine_version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
