"""The catalogue and provider qualification over JSON: search and publish offerings,
providers' profiles and evidence, the operator's qualify and suspend, expiry flags."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from opencmc.platform.actor import Actor
from opencmc.platform.market import catalogue, evidence, qualification
from opencmc.platform.models import Offering, ProviderProfile, QualificationDocument
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentApiUow
from opencmc.web.state import app_state

router = APIRouter(prefix="/market", tags=["marketplace catalogue"])


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OfferingIn(_Body):
    title: str
    category: str
    description: str = ""
    modalities: list[str]
    stages: list[str]
    compliance: str = "none"
    capacity: str = ""
    lead_time_weeks: int
    price_min: int
    price_max: int
    currency: str = "KRW"
    deliverables: str = ""
    activity_ids: list[str] = []


class OfferingPatch(_Body):
    version: int
    reason: str
    title: str | None = None
    category: str | None = None
    description: str | None = None
    modalities: list[str] | None = None
    stages: list[str] | None = None
    compliance: str | None = None
    capacity: str | None = None
    lead_time_weeks: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    currency: str | None = None
    deliverables: str | None = None
    activity_ids: list[str] | None = None


class Move(_Body):
    version: int | None = None
    reason: str = ""


class ProfilePatch(_Body):
    version: int
    reason: str
    summary: str | None = None
    location: str | None = None
    website: str | None = None
    contact_email: str | None = None


class DocumentIn(_Body):
    title: str
    kind: str
    issuer: str = ""
    issued_on: str | None = None
    expires_on: str | None = None
    attachment_id: int | None = None


class Reason(_Body):
    reason: str


class QualifyIn(_Body):
    qualified_until: str
    audit_outcome: str
    reason: str
    version: int | None = None


class SuspendIn(_Body):
    reason: str
    version: int | None = None


def offering_out(session: Session, offering: Offering) -> dict[str, Any]:
    provider = qualification.provider_organisation(session, offering.organisation_id)
    standing = qualification.standing(qualification.get_profile(session, provider.id))
    return {
        "id": offering.id,
        "status": offering.status,
        "version": offering.version,
        **{field: getattr(offering, field) for field in Offering.EDITABLE},
        "category_label": catalogue.CATEGORIES.get(offering.category, offering.category),
        "provider": {"organisation_id": provider.id, "name": provider.name},
        "qualification": standing,
        "orderable": offering.status == "published" and standing == "qualified",
        "updated_at": offering.updated_at.isoformat(),
    }


def document_out(document: QualificationDocument) -> dict[str, Any]:
    return {
        "id": document.id,
        "organisation_id": document.organisation_id,
        "title": document.title,
        "kind": document.kind,
        "issuer": document.issuer,
        "issued_on": document.issued_on.isoformat() if document.issued_on else None,
        "expires_on": document.expires_on.isoformat() if document.expires_on else None,
        "attachment_id": document.attachment_id,
        "archived": document.archived_at is not None,
    }


def _sees_evidence(actor: Actor, organisation_id: int) -> bool:
    return actor.is_operator or actor.organisation_id == organisation_id


def profile_out(
    session: Session, actor: Actor, organisation_id: int, *, detail: bool = True
) -> dict[str, Any]:
    organisation = qualification.provider_organisation(session, organisation_id)
    profile = qualification.get_profile(session, organisation_id) or ProviderProfile(
        organisation_id=organisation_id, status="applied", version=1
    )
    out: dict[str, Any] = {
        "organisation_id": organisation.id,
        "name": organisation.name,
        "standing": qualification.standing(profile),
        "status": profile.status or "applied",
        "qualified_until": profile.qualified_until.isoformat() if profile.qualified_until else None,
        "version": profile.version,
        **{field: getattr(profile, field) or "" for field in qualification.PROFILE_FIELDS},
    }
    if not detail:
        return out
    out["offerings"] = [
        offering_out(session, o) for o in catalogue.offerings_of(session, organisation_id)
    ]
    if _sees_evidence(actor, organisation_id):
        out["audit_outcome"] = profile.audit_outcome or ""
        out["status_reason"] = profile.status_reason or ""
        out["documents"] = [
            document_out(d) for d in evidence.documents_of(session, organisation_id)
        ]
    return out


@router.get("/categories")
def categories(uow: UnitOfWork = CurrentApiUow) -> dict[str, dict[str, str]]:
    """The service categories, compliance values and document kinds, value -> label."""
    return {
        "categories": catalogue.CATEGORIES,
        "compliance": catalogue.COMPLIANCE,
        "document_kinds": evidence.DOCUMENT_KINDS,
    }


@router.get("/offerings")
def search_offerings(
    uow: UnitOfWork = CurrentApiUow,
    text: str | None = None,
    modality: str | None = None,
    stage: str | None = None,
    category: str | None = None,
    compliance: str | None = None,
    max_lead_time_weeks: int | None = Query(None, ge=0),
    orderable_only: bool = False,
    include_instant: bool = True,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """The catalogue: matching instant services, then published offerings."""
    entries = catalogue.search(
        uow.session,
        text=text,
        modality=modality,
        stage=stage,
        category=category,
        compliance=compliance,
        max_lead_time_weeks=max_lead_time_weeks,
        orderable_only=orderable_only,
        include_instant=include_instant,
        limit=limit,
        offset=offset,
    )
    return {"items": [e.to_dict() for e in entries], "limit": limit, "offset": offset}


@router.post("/offerings", status_code=201)
def create_offering(body: OfferingIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    offering = catalogue.create_offering(uow, body.model_dump())
    uow.commit()
    return offering_out(uow.session, offering)


@router.get("/offerings/mine")
def my_offerings(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """The caller's own offerings in every state (none for a sponsor or the operator)."""
    actor = uow.require_actor()
    if actor.organisation_kind != "provider":
        return []
    mine = catalogue.offerings_of(uow.session, actor.organisation_id)
    return [offering_out(uow.session, o) for o in mine]


@router.get("/offerings/{offering_id}")
def get_offering(offering_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return offering_out(uow.session, catalogue.get_offering(uow.session, offering_id))


@router.patch("/offerings/{offering_id}")
def update_offering(
    offering_id: int, body: OfferingPatch, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version", "reason"})
    offering = catalogue.update_offering(
        uow, offering_id, changes, version=body.version, reason=body.reason
    )
    uow.commit()
    return offering_out(uow.session, offering)


@router.post("/offerings/{offering_id}/publish")
def publish_offering(
    offering_id: int, body: Move, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    offering = catalogue.publish_offering(
        uow, offering_id, version=body.version, reason=body.reason
    )
    uow.commit()
    return offering_out(uow.session, offering)


@router.post("/offerings/{offering_id}/withdraw")
def withdraw_offering(
    offering_id: int, body: Move, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    offering = catalogue.withdraw_offering(
        uow, offering_id, version=body.version, reason=body.reason
    )
    uow.commit()
    return offering_out(uow.session, offering)


@router.get("/providers")
def list_providers(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """Every provider with its qualification standing (public)."""
    actor = uow.require_actor()
    return [
        profile_out(uow.session, actor, p.organisation.id, detail=False)
        for p in evidence.providers(uow.session)
    ]


@router.get("/providers/{organisation_id}")
def get_provider(organisation_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """A provider's profile and offerings; its evidence only for itself and operators."""
    return profile_out(uow.session, uow.require_actor(), organisation_id)


@router.patch("/providers/{organisation_id}")
def update_profile(
    organisation_id: int, body: ProfilePatch, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True, exclude={"version", "reason"})
    qualification.update_profile(
        uow, organisation_id, changes, version=body.version, reason=body.reason
    )
    uow.commit()
    return profile_out(uow.session, uow.require_actor(), organisation_id)


@router.get("/providers/{organisation_id}/documents")
def provider_documents(
    organisation_id: int, uow: UnitOfWork = CurrentApiUow
) -> list[dict[str, Any]]:
    """The provider's current evidence: for itself and operators; empty for anyone else."""
    qualification.provider_organisation(uow.session, organisation_id)
    return [document_out(d) for d in evidence.documents_of(uow.session, organisation_id)]


@router.post("/providers/{organisation_id}/qualify")
def qualify_provider(
    organisation_id: int, body: QualifyIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    qualification.qualify(uow, organisation_id, **body.model_dump())
    uow.commit()
    return profile_out(uow.session, uow.require_actor(), organisation_id)


@router.post("/providers/{organisation_id}/suspend")
def suspend_provider(
    organisation_id: int, body: SuspendIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    qualification.suspend(uow, organisation_id, reason=body.reason, version=body.version)
    uow.commit()
    return profile_out(uow.session, uow.require_actor(), organisation_id)


@router.post("/documents", status_code=201)
def add_document(body: DocumentIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    document = evidence.add_document(uow, body.model_dump())
    uow.commit()
    return document_out(document)


@router.get("/documents/{document_id}")
def get_document(document_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return document_out(evidence.get_document(uow.session, document_id))


@router.post("/documents/{document_id}/file", status_code=201)
def upload_document_file(
    document_id: int, file: UploadFile, request: Request, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """The document's file (the certificate itself); the document points at it."""
    state = app_state(request)
    evidence.attach_document_file(
        uow,
        document_id,
        state.store,
        file.file,
        file.filename or "",
        max_bytes=state.settings.max_upload_bytes,
    )
    uow.commit()
    return document_out(evidence.get_document(uow.session, document_id))


@router.post("/documents/{document_id}/archive")
def archive_document(
    document_id: int, body: Reason, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    document = evidence.archive_document(uow, document_id, reason=body.reason)
    uow.commit()
    return document_out(document)


@router.get("/expiring")
def expiring(
    uow: UnitOfWork = CurrentApiUow, within_days: int = Query(60, ge=0, le=3650)
) -> list[dict[str, Any]]:
    """Documents and qualifications that end within the window or have ended."""
    return [f.to_dict() for f in evidence.expiring(uow.session, within_days=within_days)]
