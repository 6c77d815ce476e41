"""The catalogue: the services providers offer (draft, published, withdrawn), the search
over them, and OpenCMC's own engines listed beside them as instant services.

A provider whose qualification is not current may publish, but its offerings are shown
as not orderable (``opencmc.platform.market.qualification`` decides who is).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Text, case, cast, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from opencmc.knowledge import Modality, Stage, load_knowledge
from opencmc.platform import validation as check
from opencmc.platform.actor import Actor
from opencmc.platform.audit import diff, record_creation, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.market import qualification
from opencmc.platform.market.workflow import Transitions, transition
from opencmc.platform.models import Offering, Organisation, ProviderProfile, utcnow
from opencmc.platform.uow import UnitOfWork

#: the kinds of service, value -> label
CATEGORIES: dict[str, str] = {
    "analytical_development": "Analytical development",
    "method_validation": "Method validation",
    "cell_line_development": "Cell line development",
    "cell_banking": "Cell banking and bank testing",
    "process_development": "Process development",
    "formulation_development": "Formulation development",
    "gmp_drug_substance": "GMP manufacturing of drug substance",
    "gmp_drug_product": "GMP manufacturing of drug product",
    "fill_finish": "Fill-finish",
    "plasmid_and_vector_supply": "Plasmid and viral vector supply",
    "release_testing": "Release and QC testing",
    "stability_study": "Stability study",
    "characterisation": "Characterisation",
    "viral_safety_testing": "Viral safety testing",
    "regulatory_writing": "Regulatory writing",
    "in_silico_assessment": "In-silico assessment",
}
#: the quality system a service is performed under
COMPLIANCE: dict[str, str] = {"none": "No GxP claim", "glp": "GLP", "gmp": "GMP"}
#: draft -> published -> withdrawn -> published again
LIFECYCLE: Transitions = {
    "draft": frozenset({"published"}),
    "published": frozenset({"withdrawn"}),
    "withdrawn": frozenset({"published"}),
}
MAX_LEAD_TIME_WEEKS = 520
MODALITIES = [m.value for m in Modality]
STAGES = [s.value for s in Stage]


# --- validation ---------------------------------------------------------------------------


def one_of(value: object, field: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise InvalidInput(
            f"{field}: expected one of {', '.join(allowed)}, got {value!r}", field=field
        )
    return str(value)


def _subset(value: object, field: str, allowed: Sequence[str]) -> list[str]:
    """At least one value from ``allowed``, in its order, without repeats."""
    if not isinstance(value, list | tuple):
        raise InvalidInput(f"{field}: expected a list, got {type(value).__name__}", field=field)
    for item in value:
        one_of(item, field, allowed)
    if not value:
        raise InvalidInput(f"{field}: choose at least one", field=field)
    return [v for v in allowed if v in value]


def whole_number(value: object, field: str, *, low: int, high: int | None = None) -> int:
    """A whole number in ``low..high``; digit strings (with thousands separators) count."""
    if isinstance(value, str):
        cleaned = value.replace(",", "").replace("_", "").replace(" ", "")
        if cleaned.lstrip("-").isdigit():
            value = int(cleaned)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field}: expected a whole number, got {value!r}", field=field)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise InvalidInput(f"{field}: must be {bound}, got {value}", field=field)
    return value


def _activities(value: object, modalities: list[str]) -> list[str]:
    if not isinstance(value, list | tuple):
        raise InvalidInput(
            f"activity_ids: expected a list, got {type(value).__name__}", field="activity_ids"
        )
    known = load_knowledge().activities
    chosen: list[str] = []
    for activity_id in value:
        activity = known.get(str(activity_id))
        if activity is None:
            raise InvalidInput(
                f"activity_ids: {activity_id!r} is not an activity of the knowledge base",
                field="activity_ids",
            )
        if not any(activity.applies_to(Modality(m)) for m in modalities):
            raise InvalidInput(
                f"activity_ids: {activity.id} ({activity.title}) applies to none of the "
                f"offering's modalities ({', '.join(modalities)})",
                field="activity_ids",
            )
        if activity.id not in chosen:
            chosen.append(activity.id)
    return chosen


def _fields(data: dict[str, Any], current: Offering | None = None) -> dict[str, Any]:
    unknown = sorted(set(data) - set(Offering.EDITABLE))
    if unknown:
        raise InvalidInput(f"{unknown[0]}: not a field of an offering", field=unknown[0])
    merged: dict[str, Any] = {"compliance": "none", "currency": "KRW", "activity_ids": []}
    merged.update({f: getattr(current, f) for f in Offering.EDITABLE} if current else {})
    merged.update(data)
    modalities = _subset(merged.get("modalities") or [], "modalities", MODALITIES)
    fields = {
        "title": check.text(merged.get("title"), "title", max_length=200),
        "category": one_of(merged.get("category"), "category", list(CATEGORIES)),
        "description": check.text(
            merged.get("description"), "description", max_length=20000, required=False
        ),
        "modalities": modalities,
        "stages": _subset(merged.get("stages") or [], "stages", STAGES),
        "compliance": one_of(merged.get("compliance"), "compliance", list(COMPLIANCE)),
        "capacity": check.text(merged.get("capacity"), "capacity", max_length=200, required=False),
        "lead_time_weeks": whole_number(
            merged.get("lead_time_weeks"), "lead_time_weeks", low=0, high=MAX_LEAD_TIME_WEEKS
        ),
        "price_min": whole_number(merged.get("price_min"), "price_min", low=0),
        "price_max": whole_number(merged.get("price_max"), "price_max", low=0),
        "currency": check.text(merged.get("currency"), "currency", max_length=3).upper(),
        "deliverables": check.text(
            merged.get("deliverables"), "deliverables", max_length=20000, required=False
        ),
        "activity_ids": _activities(merged.get("activity_ids") or [], modalities),
    }
    if fields["price_min"] > fields["price_max"]:
        raise InvalidInput(
            f"price_max: must not be below price_min ({fields['price_min']}), "
            f"got {fields['price_max']}",
            field="price_max",
        )
    currency = fields["currency"]
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha():
        raise InvalidInput(
            f"currency: expected a three-letter code such as KRW, got {currency!r}",
            field="currency",
        )
    return fields


# --- workflows ----------------------------------------------------------------------------


def _require_owner(actor: Actor, offering: Offering | None, doing: str) -> None:
    actor.require("write", doing)
    if actor.organisation_kind != "provider":
        raise PermissionDenied(f"only a provider organisation may {doing}")
    if offering is not None and offering.organisation_id != actor.organisation_id:
        raise PermissionDenied(f"only the provider that owns offering {offering.id} may {doing}")


def _require_version(offering: Offering, expected: int | None, *, required: bool) -> None:
    if expected is None and required:
        raise InvalidInput("version: give the version you edited", field="version")
    if expected is not None and offering.version != expected:
        raise Conflict(
            f"offering {offering.id} changed since you read it: you saw version {expected}, "
            f"it is now at version {offering.version}; reload and try again",
            field="version",
        )


def _stale(offering: Offering) -> Conflict:
    return Conflict(
        f"offering {offering.id} was changed by someone else at the same time", field="version"
    )


def get_offering(session: Session, offering_id: int) -> Offering:
    """An offering the caller may see (any published one, or one of its own); else
    NotFound."""
    offering = session.get(Offering, offering_id)
    if offering is None:
        raise NotFound(f"no offering {offering_id}")
    return offering


def create_offering(uow: UnitOfWork, data: dict[str, Any]) -> Offering:
    """A provider drafts an offering; others see it once it is published."""
    actor = uow.require_actor()
    _require_owner(actor, None, "create offerings")
    fields = _fields(data)
    qualification.ensure_profile(uow, actor.organisation_id)
    offering = Offering(
        organisation_id=actor.organisation_id, created_by_id=actor.user_id, **fields
    )
    record_creation(uow.session, actor, offering, {**fields, "status": "draft"})
    return offering


def update_offering(
    uow: UnitOfWork, offering_id: int, data: dict[str, Any], *, version: int | None, reason: str
) -> Offering:
    """Edit with the version the editor read and a reason, kept in the audit trail."""
    actor = uow.require_actor()
    offering = get_offering(uow.session, offering_id)
    _require_owner(actor, offering, "edit this offering")
    why = check.reason(reason)
    _require_version(offering, version, required=True)
    before = {f: getattr(offering, f) for f in Offering.EDITABLE}
    after = _fields(data, offering)
    changes = diff(before, after)
    if not changes:
        raise InvalidInput("nothing to change: the values are the ones already recorded")
    for key, value in after.items():
        setattr(offering, key, value)
    offering.updated_at = utcnow()
    try:
        uow.session.flush()
    except StaleDataError:
        raise _stale(offering) from None
    record_event(
        uow.session,
        actor=actor,
        organisation_id=offering.organisation_id,
        action="update",
        entity_type=offering.entity_type,
        entity_id=offering.id,
        changes=changes,
        reason=why,
    )
    return offering


def _move(uow: UnitOfWork, offering_id: int, to: str, version: int | None, why: str) -> Offering:
    actor = uow.require_actor()
    offering = get_offering(uow.session, offering_id)
    _require_owner(actor, offering, f"make this offering {to}")
    _require_version(offering, version, required=False)
    try:
        transition(uow.session, actor, offering, to, LIFECYCLE, reason=why)
    except StaleDataError:
        raise _stale(offering) from None
    return offering


def publish_offering(
    uow: UnitOfWork, offering_id: int, *, version: int | None = None, reason: str = ""
) -> Offering:
    """Draft or withdrawn -> published: every organisation sees it from now on."""
    return _move(uow, offering_id, "published", version, reason.strip())


def withdraw_offering(
    uow: UnitOfWork, offering_id: int, *, reason: str, version: int | None = None
) -> Offering:
    """Published -> withdrawn, with a reason; running orders are not affected."""
    return _move(uow, offering_id, "withdrawn", version, check.reason(reason))


def offerings_of(session: Session, organisation_id: int) -> list[Offering]:
    """A provider's offerings the caller may see: all of them for the provider itself,
    the published ones for everyone else."""
    query = select(Offering).where(Offering.organisation_id == organisation_id)
    return list(session.scalars(query.order_by(Offering.status, Offering.title, Offering.id)))


# --- instant services and search ----------------------------------------------------------


@dataclass(frozen=True)
class InstantService:
    """One of OpenCMC's own engines, listed in the catalogue beside providers' services."""

    href: str
    title: str
    description: str
    modalities: tuple[str, ...]
    activity_ids: tuple[str, ...] = ()


_ALL = tuple(MODALITIES)
_STABILITY = ("stability_drug_substance_clinical", "stability_drug_product_clinical")
#: the engines behind the /tools pages; a test keeps this list and the tools index equal
INSTANT_SERVICES: tuple[InstantService, ...] = tuple(
    InstantService(*row)
    for row in (
        ("/tools/stability", "Shelf life (ICH Q1E)",
         "Poolability, shelf life and a PDF report from long-term stability data.",
         _ALL, _STABILITY),
        ("/tools/doe", "Design of experiments",
         "Screening, response-surface and optimal designs, analysis and design space.",
         _ALL, ("process_characterisation",)),
        ("/tools/spc", "Control charts (SPC)",
         "I-MR, Xbar-R/S, attribute, EWMA and CUSUM charts with run rules.", _ALL),
        ("/tools/capability", "Process capability",
         "Cp, Cpk, Pp, Ppk and Cpm with confidence intervals and expected PPM.", _ALL),
        ("/tools/validation", "Method validation (ICH Q2(R2))",
         "Linearity, accuracy, precision and LOD/LOQ against criteria, with a report.",
         _ALL, ("method_qualification", "method_validation")),
        ("/tools/comparability", "Comparability (ICH Q5E)",
         "TOST, quality ranges and tolerance intervals of pre- against post-change lots.",
         _ALL, ("comparability_assessment",)),
        ("/tools/antibody", "Antibody developability",
         "CDRs, germline, sequence liabilities, traffic-light flags and redesign proposals.",
         ("monoclonal_antibody",), ("candidate_developability_assessment",)),
        ("/tools/mrna", "mRNA design",
         "Codon optimisation for CAI and stability, with the CAI-MFE front.",
         ("mrna",), ("mrna_sequence_and_template_design",)),
        ("/tools/sirna", "siRNA and antisense design",
         "Ranked siRNA sites and gapmer antisense candidates against a target transcript.",
         ("sirna", "antisense_oligonucleotide")),
        ("/tools/molecule", "Small-molecule developability",
         "Descriptors, rule sets, QED, SA score, ESOL solubility and ICH M7 alerts.",
         ("small_molecule",), ("candidate_developability_assessment",)),
        ("/tools/vector", "Vector manufacturability",
         "Packaging limits, ITRs, repeats, homopolymers, CpG and ORFs of a construct.",
         ("aav_gene_therapy", "lentiviral_gene_therapy", "cell_therapy"),
         ("vector_construct_design",)),
        ("/tools/scaleup", "Bioreactor scale-up",
         "P/V, tip speed, Reynolds number, kLa and mixing time; agitation at a new scale.",
         ("monoclonal_antibody", "therapeutic_protein", "aav_gene_therapy",
          "lentiviral_gene_therapy", "cell_therapy"),
         ("process_characterisation", "upstream_process_development")),
        ("/tools/calculators", "Regulatory calculators",
         "ICH Q3A/Q3B thresholds, M7 limits, stability coverage of clinical supply.",
         _ALL, ("mutagenic_impurity_assessment",)),
    )
)  # fmt: skip


@dataclass(frozen=True)
class CatalogueEntry:
    """One line of the catalogue: a provider's published offering or an instant service.

    ``lead_time_weeks`` is None for an instant service; ``qualification`` is the
    provider's standing (qualified, applied, suspended, expired), empty for OpenCMC."""

    instant: bool
    title: str
    category: str
    description: str
    modalities: list[str]
    stages: list[str]
    compliance: str
    lead_time_weeks: int | None
    price_min: int
    price_max: int
    currency: str
    link: str
    orderable: bool
    offering_id: int | None = None
    provider_organisation_id: int | None = None
    provider_name: str = "OpenCMC"
    qualification: str = ""

    @property
    def category_label(self) -> str:
        return CATEGORIES.get(self.category, self.category)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "category_label": self.category_label}


def instant_services() -> list[CatalogueEntry]:
    """OpenCMC's own engines as catalogue entries: free, instant, linked to their tool."""
    return [
        CatalogueEntry(
            instant=True,
            title=s.title,
            category="in_silico_assessment",
            description=s.description,
            modalities=list(s.modalities),
            stages=list(STAGES),
            compliance="none",
            lead_time_weeks=None,
            price_min=0,
            price_max=0,
            currency="KRW",
            link=s.href,
            orderable=True,
        )
        for s in INSTANT_SERVICES
    ]


def _json_has(column: Any, value: str) -> Any:
    """A JSON list column holds ``value``; the values are validated identifiers, so the
    quoted text matches exactly on both databases."""
    return cast(column, Text).like(f'%"{value}"%')


def _instant_matches(entry: CatalogueEntry, text: str, filters: dict[str, Any]) -> bool:
    words = f"{entry.title} {entry.description} {entry.category_label}".lower()
    return (
        text.lower() in words
        and filters["modality"] in (None, *entry.modalities)
        and filters["category"] in (None, entry.category)
        and filters["compliance"] in (None, "none")
    )


def search(
    session: Session,
    *,
    text: str | None = None,
    modality: str | None = None,
    stage: str | None = None,
    category: str | None = None,
    compliance: str | None = None,
    max_lead_time_weeks: int | None = None,
    orderable_only: bool = False,
    include_instant: bool = True,
    limit: int = 50,
    offset: int = 0,
    today: date | None = None,
) -> list[CatalogueEntry]:
    """The instant services that match, then published offerings (orderable first, then
    by lead time); every filter is optional and a bad one is named."""
    text = (text or "").strip()
    filters = {"modality": modality or None, "category": category or None}
    filters["compliance"] = compliance or None
    for field, value, allowed in (
        ("modality", modality, MODALITIES),
        ("stage", stage, STAGES),
        ("category", category, list(CATEGORIES)),
        ("compliance", compliance, list(COMPLIANCE)),
    ):
        if value:
            one_of(value, field, allowed)
    if max_lead_time_weeks is not None:
        whole_number(max_lead_time_weeks, "max_lead_time_weeks", low=0)
    limit = whole_number(limit, "limit", low=1, high=500)
    offset = whole_number(offset, "offset", low=0)
    today = today or qualification.today_utc()

    instants = [e for e in instant_services() if _instant_matches(e, text, filters)]
    entries = instants[offset : offset + limit] if include_instant else []
    skipped = len(instants) if include_instant else 0
    if len(entries) >= limit:
        return entries
    current = qualification.current_clause(today)
    query = (
        select(Offering, Organisation.name, ProviderProfile)
        .join(Organisation, Organisation.id == Offering.organisation_id)
        .outerjoin(ProviderProfile, ProviderProfile.organisation_id == Offering.organisation_id)
        .where(Offering.status == "published", Offering.archived_at.is_(None))
    )
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        columns = (Offering.title, Offering.description, Offering.deliverables, Organisation.name)
        labels = [v for v, label in CATEGORIES.items() if text.lower() in label.lower()]
        query = query.where(
            or_(
                *(c.ilike(f"%{escaped}%", escape="\\") for c in columns),
                Offering.category.in_(labels),
            )
        )
    if modality:
        query = query.where(_json_has(Offering.modalities, modality))
    if stage:
        query = query.where(_json_has(Offering.stages, stage))
    if category:
        query = query.where(Offering.category == category)
    if compliance:
        query = query.where(Offering.compliance == compliance)
    if max_lead_time_weeks is not None:
        query = query.where(Offering.lead_time_weeks <= int(max_lead_time_weeks))
    if orderable_only:
        query = query.where(current)
    query = query.order_by(
        case((current, 0), else_=1), Offering.lead_time_weeks, Offering.title, Offering.id
    )
    rows = session.execute(query.limit(limit - len(entries)).offset(max(0, offset - skipped)))
    for offering, provider_name, profile in rows.all():
        standing = qualification.standing(profile, today)
        entries.append(
            CatalogueEntry(
                instant=False,
                title=offering.title,
                category=offering.category,
                description=offering.description,
                modalities=list(offering.modalities),
                stages=list(offering.stages),
                compliance=offering.compliance,
                lead_time_weeks=offering.lead_time_weeks,
                price_min=offering.price_min,
                price_max=offering.price_max,
                currency=offering.currency,
                link=f"/market/offerings/{offering.id}",
                orderable=standing == "qualified",
                offering_id=offering.id,
                provider_organisation_id=offering.organisation_id,
                provider_name=provider_name,
                qualification=standing,
            )
        )
    return entries


def offerings_for_activity(
    session: Session, activity_id: str, modality: str, *, today: date | None = None
) -> list[Offering]:
    """Published offerings of currently qualified providers that fulfil ``activity_id``
    and cover ``modality``, quickest first: the candidates for one line of a package."""
    if activity_id not in load_knowledge().activities:
        raise InvalidInput(
            f"activity_id: {activity_id!r} is not an activity of the knowledge base",
            field="activity_id",
        )
    one_of(modality, "modality", MODALITIES)
    query = (
        select(Offering)
        .join(ProviderProfile, ProviderProfile.organisation_id == Offering.organisation_id)
        .where(
            Offering.status == "published",
            Offering.archived_at.is_(None),
            qualification.current_clause(today or qualification.today_utc()),
            _json_has(Offering.activity_ids, activity_id),
            _json_has(Offering.modalities, modality),
        )
    )
    return list(
        session.scalars(query.order_by(Offering.lead_time_weeks, Offering.price_min, Offering.id))
    )
