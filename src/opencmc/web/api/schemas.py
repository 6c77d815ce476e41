"""Request and response bodies of the JSON API. Unknown fields and wrong types are refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ProgramCreate(Strict):
    name: str = Field(max_length=200)
    modality: str = Field(description="small_molecule, monoclonal_antibody, mrna, ...")
    current_stage: str = Field(description="candidate_optimisation ... marketing_application")
    target_milestone: str
    description: str = ""


class Edit(Strict):
    version: int = Field(description="the version you read; a stale one gets 409")
    reason: str = Field(min_length=1, description="why the record changes (kept in the trail)")


class ProgramUpdate(Edit):
    name: str | None = None
    modality: str | None = None
    current_stage: str | None = None
    target_milestone: str | None = None
    description: str | None = None


class Archive(Edit):
    pass


class CandidateFields(Strict):
    code: str | None = None
    heavy_chain: str | None = None
    light_chain: str | None = None
    protein_sequence: str | None = None
    nucleotide_sequence: str | None = None
    smiles: str | None = None
    construct_description: str | None = None
    notes: str | None = None


class CandidateCreate(CandidateFields):
    name: str = Field(max_length=200)


class CandidateUpdate(CandidateFields, Edit):
    name: str | None = None


class SignRequest(Strict):
    meaning: str = Field(description="authored, reviewed or approved")
    password: str = Field(description="your password again: a signature re-authenticates")
    comment: str = ""


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class MemberCreate(Strict):
    email: str = Field(max_length=254)
    full_name: str = Field(min_length=1, max_length=200)
    role: str = Field(description="admin, scientist, qa or viewer")
    password: str = Field(description="a first password; the member should change it")


class MemberRole(Strict):
    role: str
    reason: str = Field(min_length=1)


class MemberRevoke(Strict):
    reason: str = Field(min_length=1)


class PasswordChange(Strict):
    current_password: str
    new_password: str


class JobCreate(Strict):
    kind: str
    params: dict[str, Any] = Field(default_factory=dict)


class ProgramOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organisation_id: int
    name: str
    modality: str
    current_stage: str
    target_milestone: str
    description: str
    version: int
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProgramPage(BaseModel):
    items: list[ProgramOut]
    total: int
    limit: int
    offset: int


class CandidateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    program_id: int
    organisation_id: int
    name: str
    code: str
    definition_kind: str
    heavy_chain: str | None
    light_chain: str | None
    protein_sequence: str | None
    nucleotide_sequence: str | None
    smiles: str | None
    construct_description: str | None
    notes: str
    version: int
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: datetime
    user_email: str
    organisation_id: int
    action: str
    entity_type: str = Field(validation_alias="record_type")
    entity_id: int = Field(validation_alias="record_id")
    changes: dict[str, Any]
    reason: str
    prev_hash: str
    hash: str


class AttachmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="shown once; store it now")


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    status: str
    progress: float
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    #: a stop was asked for and the job ends at its next step
    cancelling: bool = False
