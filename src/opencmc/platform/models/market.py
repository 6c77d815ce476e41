"""The marketplace: offerings, provider qualification, requests, quotes, orders,
milestones, deliverables, packages, support programmes, vouchers and notifications.

Most of these records have two parties. The owner (``organisation_id``) is the one
whose data it is; ``also_visible_to`` names, as SQL, who else may read it. The scoping
in ``opencmc.platform.db`` applies that rule, so no handler decides visibility.
Money is stored as whole units of its currency (won), never as floats.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from opencmc.platform.models.accounts import Organisation
from opencmc.platform.models.base import Archivable, Base, OrgScoped, Versioned, utcnow


def _is_operator(organisation_id: int) -> Any:
    return exists().where(Organisation.id == organisation_id, Organisation.kind == "operator")


class ProviderProfile(Versioned, Base):
    """A provider's public face and the operator's qualification status for it."""

    __tablename__ = "provider_profiles"
    entity_type = "provider_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    #: applied, qualified, suspended
    status: Mapped[str] = mapped_column(String(20), default="applied")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    audit_outcome: Mapped[str] = mapped_column(Text, default="")
    qualified_until: Mapped[date | None] = mapped_column(default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class QualificationDocument(OrgScoped, Base):
    """Evidence for a qualification (a GMP certificate, an audit report), with its expiry.

    The provider owns it; every operator may read it.
    """

    __tablename__ = "qualification_documents"
    entity_type = "qualification_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    issued_on: Mapped[date | None] = mapped_column(default=None)
    expires_on: Mapped[date | None] = mapped_column(default=None)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return _is_operator(organisation_id)


class Offering(OrgScoped, Versioned, Archivable, Base):
    """A service a provider publishes; published offerings are visible to everyone."""

    __tablename__ = "offerings"
    entity_type = "offering"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(60), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    modalities: Mapped[list[str]] = mapped_column(JSON, default=list)
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: none, glp, gmp
    compliance: Mapped[str] = mapped_column(String(10), default="none")
    capacity: Mapped[str] = mapped_column(String(200), default="")
    lead_time_weeks: Mapped[int] = mapped_column()
    price_min: Mapped[int] = mapped_column(BigInteger)
    price_max: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="KRW")
    deliverables: Mapped[str] = mapped_column(Text, default="")
    activity_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: draft, published, withdrawn
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    EDITABLE = (
        "title",
        "category",
        "description",
        "modalities",
        "stages",
        "compliance",
        "capacity",
        "lead_time_weeks",
        "price_min",
        "price_max",
        "currency",
        "deliverables",
        "activity_ids",
    )

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.status == "published"


class ServiceRequest(OrgScoped, Versioned, Base):
    """A sponsor's request for a service, sent to one or more providers.

    A provider reads it only after acknowledging the confidentiality terms; before that
    it sees the recipient record's summary alone.
    """

    __tablename__ = "service_requests"
    entity_type = "service_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"), default=None)
    package_id: Mapped[int | None] = mapped_column(
        ForeignKey("service_packages.id"), default=None, index=True
    )
    activity_id: Mapped[str | None] = mapped_column(String(80), default=None)
    category: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(Text)
    materials: Mapped[str] = mapped_column(Text, default="")
    desired_start: Mapped[date | None] = mapped_column(default=None)
    desired_end: Mapped[date | None] = mapped_column(default=None)
    #: what a provider sees after the confidentiality terms: program and candidate names
    program_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: open, ordered, withdrawn
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        acknowledged = select(RequestRecipient.request_id).where(
            RequestRecipient.provider_organisation_id == organisation_id,
            RequestRecipient.nda_acknowledged_at.is_not(None),
        )
        return cls.id.in_(acknowledged)


class RequestRecipient(OrgScoped, Versioned, Base):
    """One provider a request went to, and where that provider stands with it."""

    __tablename__ = "request_recipients"
    __table_args__ = (UniqueConstraint("request_id", "provider_organisation_id"),)
    entity_type = "request_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    provider_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    offering_id: Mapped[int | None] = mapped_column(ForeignKey("offerings.id"), default=None)
    #: sent, acknowledged, quoted, declined, accepted, not_selected, withdrawn
    status: Mapped[str] = mapped_column(String(20), default="sent")
    #: the non-confidential summary a provider sees before the confidentiality terms
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nda_acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    nda_acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    nda_terms_version: Mapped[str] = mapped_column(String(20), default="")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.provider_organisation_id == organisation_id


class Quote(OrgScoped, Versioned, Base):
    """A provider's answer to a request; seen by the provider and the requesting sponsor."""

    __tablename__ = "quotes"
    entity_type = "quote"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("request_recipients.id"), index=True)
    sponsor_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="KRW")
    lead_time_weeks: Mapped[int] = mapped_column()
    valid_until: Mapped[date] = mapped_column()
    #: the milestones the order will carry: title and weeks after acceptance
    milestones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    #: submitted, accepted, rejected, withdrawn
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.sponsor_organisation_id == organisation_id


class Order(OrgScoped, Versioned, Base):
    """An accepted quote: the sponsor owns it, the provider fulfils it."""

    __tablename__ = "orders"
    entity_type = "order"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), unique=True)
    provider_organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    activity_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="KRW")
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("vouchers.id"), default=None)
    voucher_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    #: active, delivered, closed, cancelled
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    accepted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def copay_amount(self) -> int:
        return self.total - self.voucher_amount

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.provider_organisation_id == organisation_id


class Milestone(OrgScoped, Versioned, Base):
    """A dated step of an order; the provider marks it done."""

    __tablename__ = "order_milestones"
    entity_type = "milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column()
    #: pending, done
    status: Mapped[str] = mapped_column(String(20), default="pending")
    note: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.provider_organisation_id == organisation_id


class Deliverable(OrgScoped, Versioned, Base):
    """What a provider hands over: structured rows (results, stability time points) or a
    document; the sponsor accepts or rejects it with a reason."""

    __tablename__ = "deliverables"
    entity_type = "deliverable"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("order_milestones.id"), default=None
    )
    title: Mapped[str] = mapped_column(String(200))
    #: results, stability_results, document
    kind: Mapped[str] = mapped_column(String(30))
    #: for structured kinds: the target record and the rows
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    #: submitted, accepted, rejected
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    review_reason: Mapped[str] = mapped_column(Text, default="")
    #: what acceptance created in the sponsor's records, e.g. result ids
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.provider_organisation_id == organisation_id


class ServicePackage(OrgScoped, Versioned, Base):
    """The requests that cover a program's roadmap gaps, followed as one."""

    __tablename__ = "service_packages"
    entity_type = "service_package"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    target_milestone: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class SupportProgramme(OrgScoped, Base):
    """The operator's voucher round: budget, eligibility, coverage and per-company cap.

    ``committed`` changes only by guarded SQL updates, so that no concurrency can take it
    past ``budget``; open and closed programmes are visible to everyone.
    """

    __tablename__ = "support_programmes"
    entity_type = "support_programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3), default="KRW")
    budget: Mapped[int] = mapped_column(BigInteger)
    committed: Mapped[int] = mapped_column(BigInteger, default=0)
    #: the share of an order's price the voucher pays, in percent; the sponsor co-pays
    #: the rest
    coverage_percent: Mapped[int] = mapped_column()
    per_company_cap: Mapped[int] = mapped_column(BigInteger)
    eligible_modalities: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_employees: Mapped[int | None] = mapped_column(default=None)
    opens_on: Mapped[date] = mapped_column()
    closes_on: Mapped[date] = mapped_column()
    #: draft, open, closed
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    @property
    def remaining(self) -> int:
        return self.budget - self.committed

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.status != "draft"


class Voucher(OrgScoped, Base):
    """A sponsor's application to a support programme and, once approved, its allowance.

    ``drawn`` changes only by guarded SQL updates, so it never passes ``cap``.
    """

    __tablename__ = "vouchers"
    __table_args__ = (UniqueConstraint("programme_id", "organisation_id"),)
    entity_type = "voucher"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("support_programmes.id"), index=True)
    operator_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    employees: Mapped[int] = mapped_column()
    modalities: Mapped[list[str]] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text, default="")
    #: applied, approved, rejected
    status: Mapped[str] = mapped_column(String(20), default="applied")
    status_reason: Mapped[str] = mapped_column(Text, default="")
    cap: Mapped[int] = mapped_column(BigInteger, default=0)
    drawn: Mapped[int] = mapped_column(BigInteger, default=0)
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    @property
    def remaining(self) -> int:
        return self.cap - self.drawn

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.operator_organisation_id == organisation_id


class VoucherDraw(OrgScoped, Base):
    """One order's draw on a voucher; released (never deleted) if the order is cancelled."""

    __tablename__ = "voucher_draws"
    entity_type = "voucher_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    voucher_id: Mapped[int] = mapped_column(ForeignKey("vouchers.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    operator_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(default=None)

    @classmethod
    def also_visible_to(cls, organisation_id: int) -> Any:
        return cls.operator_organisation_id == organisation_id


class Notification(OrgScoped, Base):
    """Something waiting on the recipient organisation (or one of its users)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "organisation_id", "read_at"),)
    entity_type = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    link: Mapped[str] = mapped_column(String(300), default="")
    record_type: Mapped[str] = mapped_column("entity_type", String(40), default="")
    record_id: Mapped[int | None] = mapped_column("entity_id", default=None)
    #: the same reminder is sent once: e.g. "milestone:12:overdue"
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
