"""A provider's evidence for its qualification (certificates, audit reports) with their
expiry, the expiry flags and notifications, and the list of providers with their standing.

Documents are the provider's own records; every operator may read them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import files
from opencmc.platform import validation as check
from opencmc.platform.audit import record_creation, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market.qualification import (
    _date,
    _plain,
    ensure_profile,
    get_profile,
    standing,
    today_utc,
)
from opencmc.platform.models import (
    Attachment,
    Organisation,
    ProviderProfile,
    QualificationDocument,
    utcnow,
)
from opencmc.platform.notices import notify
from opencmc.platform.records import register_record_kind
from opencmc.platform.uow import UnitOfWork

DOCUMENT_KINDS: dict[str, str] = {
    "gmp_certificate": "GMP certificate",
    "glp_certificate": "GLP certificate",
    "iso_certificate": "ISO certificate",
    "audit_report": "Audit report",
    "other": "Other evidence",
}
EXPIRY_WINDOW_DAYS = 60


# --- documents ----------------------------------------------------------------------------


def get_document(session: Session, document_id: int) -> QualificationDocument:
    """A document the caller may see: its provider's own, or any for an operator."""
    document = session.get(QualificationDocument, document_id)
    if document is None:
        raise NotFound(f"no qualification document {document_id}")
    return document


register_record_kind("qualification-documents", get_document)


def documents_of(
    session: Session, organisation_id: int, *, include_archived: bool = False
) -> list[QualificationDocument]:
    """The provider's documents the caller may see (none for a sponsor)."""
    query = select(QualificationDocument).where(
        QualificationDocument.organisation_id == organisation_id
    )
    if not include_archived:
        query = query.where(QualificationDocument.archived_at.is_(None))
    order = (QualificationDocument.expires_on, QualificationDocument.id)
    return list(session.scalars(query.order_by(*order)))


def add_document(uow: UnitOfWork, data: dict[str, Any]) -> QualificationDocument:
    """A provider files evidence: title, kind, issuer, issue and expiry dates, and
    optionally a file it has stored (``attachment_id``)."""
    actor = uow.require_actor()
    actor.require("write", "add qualification documents")
    if actor.organisation_kind != "provider":
        raise PermissionDenied("only a provider organisation files qualification documents")
    known = {"title", "kind", "issuer", "issued_on", "expires_on", "attachment_id"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of a document", field=unknown[0])
    kind = data.get("kind")
    if kind not in DOCUMENT_KINDS:
        raise InvalidInput(
            f"kind: expected one of {', '.join(DOCUMENT_KINDS)}, got {kind!r}", field="kind"
        )
    fields: dict[str, Any] = {
        "title": check.text(data.get("title"), "title", max_length=200),
        "kind": kind,
        "issuer": check.text(data.get("issuer"), "issuer", max_length=200, required=False),
        "issued_on": _date(data.get("issued_on"), "issued_on", required=False),
        "expires_on": _date(data.get("expires_on"), "expires_on", required=False),
        "attachment_id": data.get("attachment_id") or None,
    }
    if fields["issued_on"] and fields["expires_on"] and fields["expires_on"] < fields["issued_on"]:
        raise InvalidInput(
            f"expires_on: {fields['expires_on']} is before issued_on {fields['issued_on']}",
            field="expires_on",
        )
    if fields["attachment_id"] is not None:
        attachment = uow.session.get(Attachment, fields["attachment_id"])
        if attachment is None or attachment.organisation_id != actor.organisation_id:
            raise InvalidInput(
                f"attachment_id: no file {fields['attachment_id']} of yours",
                field="attachment_id",
            )
    ensure_profile(uow, actor.organisation_id)
    document = QualificationDocument(
        organisation_id=actor.organisation_id, created_by_id=actor.user_id, **fields
    )
    record_creation(uow.session, actor, document, {k: _plain(v) for k, v in fields.items()})
    return document


def attach_document_file(
    uow: UnitOfWork,
    document_id: int,
    store: files.BlobStore,
    stream: BinaryIO,
    filename: str,
    *,
    max_bytes: int,
) -> Attachment:
    """Store the file of a document (the certificate itself) and point the document at it."""
    document = get_document(uow.session, document_id)
    attachment = files.attach(uow, document, store, stream, filename, max_bytes=max_bytes)
    document.attachment_id = attachment.id
    uow.session.flush()
    return attachment


def archive_document(uow: UnitOfWork, document_id: int, *, reason: str) -> QualificationDocument:
    """Retire a superseded document: kept with its trail, no longer flagged or listed."""
    actor = uow.require_actor()
    actor.require("write", "archive qualification documents")
    document = get_document(uow.session, document_id)
    if document.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the provider that filed the document may archive it")
    if document.archived_at is not None:
        raise Conflict(f"qualification document {document_id} is archived already")
    why = check.reason(reason)
    document.archived_at = utcnow()
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=document.organisation_id,
        action="archive",
        entity_type=document.entity_type,
        entity_id=document.id,
        changes={"archived": {"old": False, "new": True}},
        reason=why,
    )
    return document


# --- providers and expiry -----------------------------------------------------------------


@dataclass(frozen=True)
class ExpiryFlag:
    """A document or a qualification that ends within the window, or has ended."""

    kind: str  # document or qualification
    record_id: int
    provider_organisation_id: int
    provider_name: str
    title: str
    expires_on: date
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "expires_on": self.expires_on.isoformat(), "expired": self.expired}


def _viewer(session: Session) -> tuple[bool, int | None]:
    """(sees every provider's standing, own organisation) for the session's scope."""
    scope = session.info.get("scope")
    if scope is None or scope.system:
        return scope is not None, None
    organisation = session.get(Organisation, scope.organisation_id)
    return organisation is not None and organisation.kind == "operator", scope.organisation_id


def expiring(
    session: Session, *, within_days: int = EXPIRY_WINDOW_DAYS, today: date | None = None
) -> list[ExpiryFlag]:
    """Documents and qualifications ending within ``within_days`` or already ended, soonest
    first: every provider's for an operator, its own for a provider, none for a sponsor."""
    if isinstance(within_days, bool) or not isinstance(within_days, int):
        raise InvalidInput(
            f"within_days: expected a whole number, got {within_days!r}", field="within_days"
        )
    if not 0 <= within_days <= 3650:
        raise InvalidInput(
            f"within_days: must be between 0 and 3650, got {within_days}", field="within_days"
        )
    today = today or today_utc()
    horizon = today + timedelta(days=within_days)
    sees_all, own = _viewer(session)
    names = {
        row.id: row.name for row in session.execute(select(Organisation.id, Organisation.name))
    }
    flags: list[ExpiryFlag] = []
    documents = select(QualificationDocument).where(
        QualificationDocument.archived_at.is_(None),
        QualificationDocument.expires_on.is_not(None),
        QualificationDocument.expires_on <= horizon,
    )
    for d in session.scalars(documents):
        assert d.expires_on is not None
        days = (d.expires_on - today).days
        flags.append(
            ExpiryFlag(
                "document",
                d.id,
                d.organisation_id,
                names[d.organisation_id],
                f"{DOCUMENT_KINDS[d.kind]}: {d.title}",
                d.expires_on,
                days,
            )
        )
    if sees_all or own is not None:
        profiles = select(ProviderProfile).where(
            ProviderProfile.status == "qualified",
            ProviderProfile.qualified_until.is_not(None),
            ProviderProfile.qualified_until <= horizon,
        )
        if not sees_all:
            profiles = profiles.where(ProviderProfile.organisation_id == own)
        for p in session.scalars(profiles):
            assert p.qualified_until is not None
            days = (p.qualified_until - today).days
            flags.append(
                ExpiryFlag(
                    "qualification",
                    p.id,
                    p.organisation_id,
                    names[p.organisation_id],
                    "Qualification",
                    p.qualified_until,
                    days,
                )
            )
    return sorted(flags, key=lambda f: (f.expires_on, f.kind, f.record_id))


def flag_expiring(uow: UnitOfWork, today: date | None = None) -> int:
    """Tell each provider and every operator organisation, once, that a document or a
    qualification expires within 60 days, and once more when it has expired.

    Run by the periodic sweep; returns how many notifications it created."""
    operators = list(
        uow.session.scalars(select(Organisation.id).where(Organisation.kind == "operator"))
    )
    created = 0
    for flag in expiring(uow.session, today=today):
        state = "expired" if flag.expired else "expiring"
        if flag.kind == "document":
            key = f"qualdoc:{flag.record_id}:{state}"
        else:
            key = f"qualification:{flag.provider_organisation_id}:{flag.expires_on}:{state}"
        when = f"expired on {flag.expires_on}" if flag.expired else f"expires on {flag.expires_on}"
        title = f"{flag.provider_name}: {flag.title} {when}"
        for recipient in [flag.provider_organisation_id, *operators]:
            link = (
                f"/market/providers/{recipient}"
                if recipient == flag.provider_organisation_id
                else "/market/qualification"
            )
            note = notify(
                uow.session,
                recipient,
                kind=f"qualification_{state}",
                title=title,
                link=link,
                dedupe_key=f"{key}:{recipient}",
            )
            created += note is not None
    return created


@dataclass(frozen=True)
class ProviderStanding:
    """A provider as the qualification page lists it."""

    organisation: Organisation
    profile: ProviderProfile | None
    standing: str
    documents: list[QualificationDocument]


def providers(session: Session, *, today: date | None = None) -> list[ProviderStanding]:
    """Every provider organisation with its standing and the documents the caller may see."""
    organisations = session.scalars(
        select(Organisation).where(Organisation.kind == "provider").order_by(Organisation.name)
    )
    listed = []
    for organisation in organisations:
        profile = get_profile(session, organisation.id)
        documents = documents_of(session, organisation.id)
        listed.append(ProviderStanding(organisation, profile, standing(profile, today), documents))
    return listed
