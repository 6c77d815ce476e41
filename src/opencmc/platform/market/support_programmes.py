"""Support programmes: the operator's voucher rounds (budget, eligibility, coverage, the
per-company cap) and sponsors' applications to them.

Every change here first takes the audit chain's lock on PostgreSQL (each of these
transactions takes it anyway to write its event), so the rows the marketplace's money
workflows update are always locked in one order: chain, voucher, programme.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from opencmc.knowledge import Modality
from opencmc.platform import validation as check
from opencmc.platform.actor import Actor
from opencmc.platform.audit import _CHAIN_LOCK_KEY, diff, record_creation, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market.workflow import Transitions, check_transition, transition
from opencmc.platform.models import Organisation, SupportProgramme, Voucher, utcnow
from opencmc.platform.notices import notify
from opencmc.platform.uow import UnitOfWork

PROGRAMME_TRANSITIONS: Transitions = {
    "draft": frozenset({"open"}),
    "open": frozenset({"closed"}),
    "closed": frozenset(),
}
PROGRAMME_FIELDS = (
    "title",
    "description",
    "currency",
    "budget",
    "coverage_percent",
    "per_company_cap",
    "eligible_modalities",
    "max_employees",
    "opens_on",
    "closes_on",
)
_MODALITIES = [m.value for m in Modality]


# --- input ---------------------------------------------------------------------------------


def whole_number(value: Any, field: str, *, minimum: int, required: bool = True) -> int | None:
    """A whole number (forms send text) of at least ``minimum``; ``None`` when optional."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{field}: must not be empty", field=field)
        return None
    number: Any = value
    if isinstance(value, str):
        try:
            number = int(value.strip().replace(",", "").replace("_", ""))
        except ValueError:
            number = None
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidInput(f"{field}: expected a whole number, got {value!r}", field=field)
    if number < minimum:
        raise InvalidInput(f"{field}: must be at least {minimum}, got {number}", field=field)
    return number


def _day(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput(
            f"{field}: expected a date (YYYY-MM-DD), got {value!r}", field=field
        ) from None


def _modalities(value: Any, field: str) -> list[str]:
    items = [value] if isinstance(value, str) else list(value or [])
    chosen = {check.choice(v, field, Modality) for v in items if v}
    return [m for m in _MODALITIES if m in chosen]


def _programme_fields(data: dict[str, Any], current: SupportProgramme | None) -> dict[str, Any]:
    unknown = sorted(set(data) - set(PROGRAMME_FIELDS))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of a support programme", field=unknown[0])
    merged = {f: getattr(current, f) for f in PROGRAMME_FIELDS} if current else {}
    merged.update(data)
    currency = check.text(merged.get("currency") or "KRW", "currency", max_length=3).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput(
            f"currency: expected a 3-letter code, got {currency!r}", field="currency"
        )
    fields: dict[str, Any] = {
        "title": check.text(merged.get("title"), "title", max_length=200),
        "description": check.text(
            merged.get("description"), "description", max_length=20000, required=False
        ),
        "currency": currency,
        **{
            f: whole_number(merged.get(f), f, minimum=1)
            for f in ("budget", "coverage_percent", "per_company_cap")
        },
        "eligible_modalities": _modalities(
            merged.get("eligible_modalities"), "eligible_modalities"
        ),
        "max_employees": whole_number(
            merged.get("max_employees"), "max_employees", minimum=1, required=False
        ),
        "opens_on": _day(merged.get("opens_on"), "opens_on"),
        "closes_on": _day(merged.get("closes_on"), "closes_on"),
    }
    if fields["coverage_percent"] > 100:
        raise InvalidInput(
            f"coverage_percent: at most 100, got {fields['coverage_percent']}",
            field="coverage_percent",
        )
    if fields["per_company_cap"] > fields["budget"]:
        raise InvalidInput(
            f"per_company_cap: {fields['per_company_cap']} is more than the budget "
            f"({fields['budget']})",
            field="per_company_cap",
        )
    if fields["closes_on"] <= fields["opens_on"]:
        raise InvalidInput("closes_on: must come after opens_on", field="closes_on")
    return fields


def _trail_values(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in fields.items()}


# --- who may -------------------------------------------------------------------------------


def lock_in_order(session: Session) -> None:
    """Take the audit chain's lock now (PostgreSQL), before updating a programme or voucher
    row: every money workflow then locks chain, voucher, programme in that order."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})


def require_operator(uow: UnitOfWork, doing: str) -> Actor:
    """The acting operator with the right to write; takes the lock order (see above)."""
    actor = uow.require_actor()
    actor.require("write", doing)
    if not actor.is_operator:
        raise PermissionDenied(f"only the programme office (an operator) may {doing}")
    lock_in_order(uow.session)
    return actor


def require_runner(actor: Actor, programme: SupportProgramme, doing: str) -> None:
    """Another operator sees an open programme but does not run it."""
    if programme.organisation_id != actor.organisation_id:
        raise PermissionDenied(f"only the operator running programme {programme.id} may {doing}")


# --- programmes ----------------------------------------------------------------------------


def list_programmes(session: Session) -> list[SupportProgramme]:
    """The programmes the caller sees: every open or closed one, and its own drafts."""
    query = select(SupportProgramme).order_by(SupportProgramme.opens_on.desc(), SupportProgramme.id)
    return list(session.scalars(query))


def get_programme(session: Session, programme_id: int) -> SupportProgramme:
    programme = session.get(SupportProgramme, programme_id)
    if programme is None:
        raise NotFound(f"no support programme {programme_id}")
    return programme


def programme_figures(programme: SupportProgramme) -> dict[str, int]:
    return {
        "budget": programme.budget,
        "committed": programme.committed,
        "remaining": programme.remaining,
    }


def create_programme(uow: UnitOfWork, data: dict[str, Any]) -> SupportProgramme:
    """A draft round; nobody but its operator sees it until it opens."""
    actor = require_operator(uow, "create support programmes")
    fields = _programme_fields(data, None)
    programme = SupportProgramme(
        organisation_id=actor.organisation_id, created_by_id=actor.user_id, **fields
    )
    record_creation(uow.session, actor, programme, _trail_values(fields))
    return programme


def update_programme(
    uow: UnitOfWork, programme_id: int, data: dict[str, Any], *, reason: str = ""
) -> SupportProgramme:
    """Edit a draft; an open programme's terms are what sponsors applied under."""
    programme = get_programme(uow.session, programme_id)
    actor = require_operator(uow, "edit support programmes")
    require_runner(actor, programme, "edit it")
    if programme.status != "draft":
        raise Conflict(
            f"support programme {programme.id} is {programme.status}: only a draft is edited",
            field="status",
        )
    before = _trail_values({f: getattr(programme, f) for f in PROGRAMME_FIELDS})
    after = _programme_fields(data, programme)
    changes = diff(before, _trail_values(after))
    if not changes:
        raise InvalidInput("nothing to change: the values are the ones already recorded")
    for key, value in after.items():
        setattr(programme, key, value)
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=programme.organisation_id,
        action="update",
        entity_type=programme.entity_type,
        entity_id=programme.id,
        changes=changes,
        reason=check.text(reason, "reason", max_length=2000, required=False),
    )
    return programme


def open_programme(uow: UnitOfWork, programme_id: int) -> SupportProgramme:
    """Publish the round: every organisation sees it; sponsors apply from ``opens_on``."""
    programme = get_programme(uow.session, programme_id)
    actor = require_operator(uow, "open support programmes")
    require_runner(actor, programme, "open it")
    check_transition(programme, "open", PROGRAMME_TRANSITIONS)
    if programme.closes_on < utcnow().date():
        raise Conflict(
            f"closes_on: support programme {programme.id} closed for applications on "
            f"{programme.closes_on.isoformat()}; edit its dates first",
            field="closes_on",
        )
    transition(uow.session, actor, programme, "open", PROGRAMME_TRANSITIONS)
    return programme


def close_programme(uow: UnitOfWork, programme_id: int, reason: str = "") -> SupportProgramme:
    """End the round: no more applications or draws; released draws still give back."""
    programme = get_programme(uow.session, programme_id)
    actor = require_operator(uow, "close support programmes")
    require_runner(actor, programme, "close it")
    why = check.text(reason, "reason", max_length=2000, required=False)
    transition(uow.session, actor, programme, "closed", PROGRAMME_TRANSITIONS, reason=why)
    return programme


# --- applications and vouchers -------------------------------------------------------------


def apply(uow: UnitOfWork, programme_id: int, data: dict[str, Any]) -> Voucher:
    """A sponsor applies, once per programme; eligibility is checked now, with the reason."""
    programme = get_programme(uow.session, programme_id)
    actor = uow.require_actor()
    actor.require("write", "apply to support programmes")
    if not actor.is_sponsor:
        raise PermissionDenied("only a sponsor organisation applies to a support programme")
    unknown = sorted(set(data) - {"employees", "modalities", "statement"})
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of an application", field=unknown[0])
    today = utcnow().date()
    if programme.status != "open" or not programme.opens_on <= today <= programme.closes_on:
        raise Conflict(
            f"support programme {programme.id} takes applications while open, from "
            f"{programme.opens_on.isoformat()} to {programme.closes_on.isoformat()}; it is "
            f"{programme.status} and today is {today.isoformat()}",
            field="status",
        )
    employees = whole_number(data.get("employees"), "employees", minimum=1)
    assert employees is not None
    modalities = _modalities(data.get("modalities"), "modalities")
    if not modalities:
        raise InvalidInput("modalities: name the modalities you work in", field="modalities")
    statement = check.text(data.get("statement"), "statement", max_length=20000, required=False)
    if programme.max_employees is not None and employees > programme.max_employees:
        raise InvalidInput(
            f"employees: {employees} is over this programme's limit of "
            f"{programme.max_employees} employees",
            field="employees",
        )
    eligible = programme.eligible_modalities
    if eligible and not set(modalities) & set(eligible):
        raise InvalidInput(
            f"modalities: none of {', '.join(modalities)} is eligible; this programme covers "
            f"{', '.join(eligible)}",
            field="modalities",
        )
    existing = uow.session.scalar(
        select(Voucher.id).where(
            Voucher.programme_id == programme.id, Voucher.organisation_id == actor.organisation_id
        )
    )
    if existing is not None:
        raise Conflict(
            f"your organisation applied to support programme {programme.id} already "
            f"(application {existing})",
            field="programme",
        )
    lock_in_order(uow.session)
    voucher = Voucher(
        organisation_id=actor.organisation_id,
        programme_id=programme.id,
        operator_organisation_id=programme.organisation_id,
        employees=employees,
        modalities=modalities,
        statement=statement,
        applied_by_id=actor.user_id,
    )
    uow.session.add(voucher)
    try:
        uow.session.flush()
    except IntegrityError:  # a colleague's application landed at the same moment
        raise Conflict(
            f"your organisation applied to support programme {programme.id} already",
            field="programme",
        ) from None
    fields = {"programme_id": programme.id, "employees": employees, "modalities": modalities}
    record_event(
        uow.session,
        actor=actor,
        organisation_id=voucher.organisation_id,
        action="apply",
        entity_type=voucher.entity_type,
        entity_id=voucher.id,
        changes=diff({}, {**fields, "status": "applied"}),
    )
    notify(
        uow.session,
        programme.organisation_id,
        kind="voucher_application",
        title=f"{actor.organisation_name} applied to {programme.title}",
        link=f"/market/programmes/{programme.id}",
        record=voucher,
    )
    return voucher


def list_applications(
    session: Session, actor: Actor, programme_id: int
) -> list[tuple[Voucher, str]]:
    """A programme's applications with the applicant's name, for the operator running it."""
    programme = get_programme(session, programme_id)
    if not actor.is_operator:
        raise PermissionDenied("only the programme office reads a programme's applications")
    require_runner(actor, programme, "read its applications")
    rows = session.execute(
        select(Voucher, Organisation.name)
        .join(Organisation, Organisation.id == Voucher.organisation_id)
        .where(Voucher.programme_id == programme.id)
        .order_by(Voucher.applied_at, Voucher.id)
    )
    return [(voucher, name) for voucher, name in rows]
