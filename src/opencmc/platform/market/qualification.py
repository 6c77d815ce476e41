"""Provider qualification: the provider's public profile and the operator's decision
(qualified, suspended); the evidence behind it is in ``opencmc.platform.market.evidence``.

A provider is orderable while its profile is qualified and the qualification has not
passed its end date. Suspension stops new orders; running orders carry on. The profile is
public (not owned by one organisation's scope), so its audit events are filed under the
provider's organisation; documents are the provider's and every operator may read them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from opencmc.platform import validation as check
from opencmc.platform.actor import Actor
from opencmc.platform.audit import diff, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market.workflow import Transitions, check_transition, transition
from opencmc.platform.models import (
    Organisation,
    ProviderProfile,
    utcnow,
)
from opencmc.platform.notices import notify
from opencmc.platform.uow import UnitOfWork

#: applied -> qualified <-> suspended; qualifying a qualified provider renews it
QUALIFICATION: Transitions = {
    "applied": frozenset({"qualified"}),
    "qualified": frozenset({"qualified", "suspended"}),
    "suspended": frozenset({"qualified"}),
}
PROFILE_FIELDS = ("summary", "location", "website", "contact_email")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def today_utc() -> date:
    return datetime.now(UTC).date()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _date(value: object, field: str, *, required: bool) -> date | None:
    if value is None or value == "":
        if required:
            raise InvalidInput(f"{field}: give a date (YYYY-MM-DD)", field=field)
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(f"{field}: {value!r} is not a date (YYYY-MM-DD)", field=field) from None


# --- profiles and standing ----------------------------------------------------------------


def provider_organisation(session: Session, organisation_id: int) -> Organisation:
    """The provider organisation with this id; NotFound for any other organisation."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None or organisation.kind != "provider":
        raise NotFound(f"no provider {organisation_id}")
    return organisation


def get_profile(session: Session, organisation_id: int) -> ProviderProfile | None:
    """The provider's profile, or None while it has none (its standing is then applied)."""
    query = select(ProviderProfile).where(ProviderProfile.organisation_id == organisation_id)
    return session.scalars(query).first()


def ensure_profile(uow: UnitOfWork, organisation_id: int) -> ProviderProfile:
    """The provider's profile, created (status applied, audited) on first use."""
    provider_organisation(uow.session, organisation_id)
    profile = get_profile(uow.session, organisation_id)
    if profile is not None:
        return profile
    profile = ProviderProfile(organisation_id=organisation_id, status="applied")
    uow.session.add(profile)
    try:
        uow.session.flush()
    except IntegrityError:
        raise Conflict(
            f"the profile of provider {organisation_id} was created at the same time; retry",
            field="organisation_id",
        ) from None
    record_event(
        uow.session,
        actor=uow.actor,
        organisation_id=organisation_id,
        action="create",
        entity_type=profile.entity_type,
        entity_id=profile.id,
        changes={"status": {"old": None, "new": "applied"}},
    )
    return profile


def standing(profile: ProviderProfile | None, today: date | None = None) -> str:
    """applied, qualified, suspended, or expired (qualified, but past qualified_until)."""
    if profile is None:
        return "applied"
    until = profile.qualified_until
    if profile.status == "qualified" and until is not None and until < (today or today_utc()):
        return "expired"
    return profile.status


def current_clause(today: date) -> Any:
    """SQL: the provider profile is qualified and its qualification has not ended."""
    return and_(
        ProviderProfile.status == "qualified",
        or_(ProviderProfile.qualified_until.is_(None), ProviderProfile.qualified_until >= today),
    )


def is_orderable(
    session: Session, provider_organisation_id: int, *, today: date | None = None
) -> bool:
    """Whether the provider's offerings may be ordered today."""
    return standing(get_profile(session, provider_organisation_id), today) == "qualified"


def require_orderable(
    session: Session, provider_organisation_id: int, *, today: date | None = None
) -> None:
    """Conflict unless the provider is qualified and its qualification is current."""
    organisation = provider_organisation(session, provider_organisation_id)
    profile = get_profile(session, provider_organisation_id)
    state = standing(profile, today)
    if state == "qualified":
        return
    if state == "expired" and profile is not None:
        state = f"qualified only until {profile.qualified_until}"
    raise Conflict(
        f"provider {organisation.name} is {state}: its offerings cannot be ordered",
        field="provider_organisation_id",
    )


def _profile_fields(data: dict[str, Any], current: ProviderProfile) -> dict[str, Any]:
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of a provider profile", field=unknown[0])
    merged = {f: getattr(current, f) for f in PROFILE_FIELDS} | data
    fields = {
        "summary": check.text(merged["summary"], "summary", max_length=20000, required=False),
        "location": check.text(merged["location"], "location", max_length=200, required=False),
        "website": check.text(merged["website"], "website", max_length=300, required=False),
        "contact_email": check.text(
            merged["contact_email"], "contact_email", max_length=254, required=False
        ),
    }
    if fields["website"] and not re.match(r"^https?://[^\s/]+\.\S+$", fields["website"]):
        raise InvalidInput(
            f"website: expected an address starting with https://, got {fields['website']!r}",
            field="website",
        )
    if fields["contact_email"] and not _EMAIL.match(fields["contact_email"]):
        raise InvalidInput(
            f"contact_email: {fields['contact_email']!r} is not an e-mail address",
            field="contact_email",
        )
    return fields


def _check_version(profile: ProviderProfile, expected: int | None, *, required: bool) -> None:
    if expected is None and required:
        raise InvalidInput("version: give the version you edited", field="version")
    if expected is not None and profile.version != expected:
        raise Conflict(
            f"the profile of provider {profile.organisation_id} changed since you read it: "
            f"you saw version {expected}, it is now at version {profile.version}; reload",
            field="version",
        )


def _flush(session: Session, profile: ProviderProfile) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"the profile of provider {profile.organisation_id} was changed by someone else "
            "at the same time",
            field="version",
        ) from None


def update_profile(
    uow: UnitOfWork,
    organisation_id: int,
    data: dict[str, Any],
    *,
    version: int | None,
    reason: str,
) -> ProviderProfile:
    """The provider edits its own public profile: summary, location, website, contact."""
    actor = uow.require_actor()
    actor.require("write", "edit the provider profile")
    provider_organisation(uow.session, organisation_id)
    if actor.organisation_id != organisation_id:
        raise PermissionDenied("only the provider itself may edit its profile")
    why = check.reason(reason)
    profile = ensure_profile(uow, organisation_id)
    _check_version(profile, version, required=True)
    before = {f: getattr(profile, f) for f in PROFILE_FIELDS}
    changes = diff(before, _profile_fields(data, profile))
    if not changes:
        raise InvalidInput("nothing to change: the values are the ones already recorded")
    for key, change in changes.items():
        setattr(profile, key, change["new"])
    profile.updated_at = utcnow()
    _flush(uow.session, profile)
    record_event(
        uow.session,
        actor=actor,
        organisation_id=organisation_id,
        action="update",
        entity_type=profile.entity_type,
        entity_id=profile.id,
        changes=changes,
        reason=why,
    )
    return profile


# --- the operator's decisions -------------------------------------------------------------


def _require_operator(actor: Actor, doing: str) -> None:
    actor.require("write", doing)
    if not actor.is_operator:
        raise PermissionDenied(f"only the programme office may {doing}")


def _decide(
    uow: UnitOfWork,
    organisation_id: int,
    to: str,
    *,
    reason: str,
    version: int | None,
    values: dict[str, Any],
) -> ProviderProfile:
    actor = uow.require_actor()
    _require_operator(actor, "qualify or suspend providers")
    organisation = provider_organisation(uow.session, organisation_id)
    why = check.reason(reason)
    profile = ensure_profile(uow, organisation_id)
    _check_version(profile, version, required=False)
    check_transition(profile, to, QUALIFICATION)
    values = {**values, "status_reason": why}
    changes = diff({k: getattr(profile, k) for k in values}, values)
    for key, value in values.items():
        setattr(profile, key, value)
    profile.reviewed_at = utcnow()
    profile.reviewed_by_id = actor.user_id
    audited = {k: {"old": _plain(c["old"]), "new": _plain(c["new"])} for k, c in changes.items()}
    try:
        transition(uow.session, actor, profile, to, QUALIFICATION, reason=why, changes=audited)
    except StaleDataError:
        raise Conflict(f"the profile of {organisation.name} changed meanwhile; reload") from None
    until = f" until {profile.qualified_until}" if to == "qualified" else ""
    notify(
        uow.session,
        organisation_id,
        kind="qualification",
        title=f"The programme office marked {organisation.name} {to}{until}: {why}",
        link=f"/market/providers/{organisation_id}",
        record=profile,
    )
    return profile


def qualify(
    uow: UnitOfWork,
    organisation_id: int,
    *,
    qualified_until: date | str,
    audit_outcome: str,
    reason: str,
    version: int | None = None,
    today: date | None = None,
) -> ProviderProfile:
    """The operator qualifies (or renews) a provider until a date, with the audit outcome."""
    until = _date(qualified_until, "qualified_until", required=True)
    assert until is not None
    if until <= (today or today_utc()):
        raise InvalidInput(
            f"qualified_until: must be after today, got {until}", field="qualified_until"
        )
    outcome = check.text(audit_outcome, "audit_outcome", max_length=20000)
    values = {"qualified_until": until, "audit_outcome": outcome}
    return _decide(uow, organisation_id, "qualified", reason=reason, version=version, values=values)


def suspend(
    uow: UnitOfWork, organisation_id: int, *, reason: str, version: int | None = None
) -> ProviderProfile:
    """The operator suspends a qualified provider: new orders stop, running ones go on."""
    return _decide(uow, organisation_id, "suspended", reason=reason, version=version, values={})
