"""Materials and specifications: drafted, approved by QA with an e-signature (then
effective), superseded by the next approved version without being lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opencmc.knowledge import Stage
from opencmc.platform import validation as check
from opencmc.platform.audit import record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.models import Material, SpecAttribute, Specification, utcnow
from opencmc.platform.programs import get_program
from opencmc.platform.quality.evaluation import CRITERION_TYPES
from opencmc.platform.signatures import sign
from opencmc.platform.uow import UnitOfWork

MATERIAL_KINDS = ("drug_substance", "drug_product", "intermediate")
CATEGORIES = (
    "identity",
    "assay",
    "purity",
    "impurities",
    "potency",
    "safety",
    "physical",
    "microbiological",
)


def _owner(uow: UnitOfWork, record: Any, doing: str) -> None:
    actor = uow.require_actor()
    actor.require("write", doing)
    if record.organisation_id != actor.organisation_id:
        raise PermissionDenied(f"only the owning organisation may {doing}")


def create_material(uow: UnitOfWork, program_id: int, kind: str, name: str) -> Material:
    program = get_program(uow.session, program_id)
    _owner(uow, program, "add materials")
    if kind not in MATERIAL_KINDS:
        raise InvalidInput(
            f"kind: expected one of {', '.join(MATERIAL_KINDS)}, got {kind!r}", field="kind"
        )
    material = Material(
        organisation_id=program.organisation_id,
        program_id=program.id,
        kind=kind,
        name=check.text(name, "name", max_length=200),
    )
    uow.session.add(material)
    uow.session.flush()
    record_event(
        uow.session,
        actor=uow.actor,
        organisation_id=material.organisation_id,
        action="create",
        entity_type="material",
        entity_id=material.id,
        changes={"kind": {"old": None, "new": kind}, "name": {"old": None, "new": material.name}},
    )
    return material


def get_material(session: Session, material_id: int) -> Material:
    material = session.get(Material, material_id)
    if material is None:
        raise NotFound(f"no material {material_id}")
    return material


def materials_of(session: Session, program_id: int) -> list[Material]:
    return list(
        session.scalars(
            select(Material).where(Material.program_id == program_id).order_by(Material.id)
        )
    )


def _attribute(data: dict[str, Any], position: int) -> dict[str, Any]:
    where = f"attributes[{position}]"
    name = check.text(data.get("name"), f"{where}.name", max_length=200)
    kind = data.get("criterion_type", "limits")
    if kind not in CRITERION_TYPES:
        raise InvalidInput(
            f"{where}.criterion_type: expected one of {', '.join(CRITERION_TYPES)}, got {kind!r}",
            field=where,
        )
    category = data.get("category", "")
    if category not in CATEGORIES:
        raise InvalidInput(
            f"{where}.category: expected one of {', '.join(CATEGORIES)}, got {category!r}",
            field=where,
        )
    lower, upper = data.get("lower"), data.get("upper")
    decimals = data.get("decimals")
    if kind == "limits":
        if lower is None and upper is None:
            raise InvalidInput(
                f"{where}: a limits criterion needs a lower or an upper limit", field=where
            )
        if lower is not None and upper is not None and lower > upper:
            raise InvalidInput(
                f"{where}: lower limit {lower} is above upper limit {upper}", field=where
            )
        if decimals is not None and not (0 <= int(decimals) <= 6):
            raise InvalidInput(f"{where}.decimals: 0 to 6, got {decimals}", field=where)
    return {
        "position": position,
        "name": name,
        "category": category,
        "test_method": check.text(
            data.get("test_method", ""), f"{where}.test_method", max_length=200, required=False
        ),
        "criterion_type": kind,
        "lower": float(lower) if lower is not None else None,
        "upper": float(upper) if upper is not None else None,
        "lower_inclusive": bool(data.get("lower_inclusive", True)),
        "upper_inclusive": bool(data.get("upper_inclusive", True)),
        "unit": check.text(data.get("unit", ""), f"{where}.unit", max_length=40, required=False),
        "decimals": int(decimals) if decimals is not None else None,
        "requirement": check.text(
            data.get("requirement", ""), f"{where}.requirement", max_length=2000, required=False
        ),
        "required": bool(data.get("required", True)),
    }


def create_specification(
    uow: UnitOfWork, material_id: int, *, title: str, stage: str, attributes: list[dict[str, Any]]
) -> Specification:
    """A new draft version for a material; it takes the next number."""
    material = get_material(uow.session, material_id)
    _owner(uow, material, "draft specifications")
    if not attributes:
        raise InvalidInput(
            "attributes: a specification needs at least one attribute", field="attributes"
        )
    rows = [_attribute(a, i) for i, a in enumerate(attributes)]
    names = [r["name"] for r in rows]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise InvalidInput(f"attributes: {duplicate!r} appears twice", field="attributes")
    number = (
        uow.session.scalar(
            select(func.max(Specification.number)).where(Specification.material_id == material.id)
        )
        or 0
    ) + 1
    actor = uow.require_actor()
    spec = Specification(
        organisation_id=material.organisation_id,
        material_id=material.id,
        number=number,
        title=check.text(title, "title", max_length=200),
        stage=check.choice(stage, "stage", Stage),
        status="draft",
        created_by_id=actor.user_id,
    )
    uow.session.add(spec)
    uow.session.flush()
    for row in rows:
        uow.session.add(
            SpecAttribute(organisation_id=spec.organisation_id, specification_id=spec.id, **row)
        )
    uow.session.flush()
    uow.session.refresh(spec)
    record_event(
        uow.session,
        actor=actor,
        organisation_id=spec.organisation_id,
        action="create",
        entity_type="specification",
        entity_id=spec.id,
        changes={"number": {"old": None, "new": number}, "attributes": {"old": None, "new": rows}},
    )
    return spec


def get_specification(session: Session, spec_id: int) -> Specification:
    spec = session.get(Specification, spec_id)
    if spec is None:
        raise NotFound(f"no specification {spec_id}")
    return spec


def effective_specification(session: Session, material_id: int) -> Specification | None:
    return session.scalar(
        select(Specification).where(
            Specification.material_id == material_id, Specification.status == "effective"
        )
    )


def approve_specification(
    uow: UnitOfWork, spec_id: int, *, password: str, comment: str = ""
) -> Specification:
    """QA approves a draft with an e-signature: it becomes effective and the previously
    effective version is superseded (kept, read-only)."""
    actor = uow.require_actor()
    spec = get_specification(uow.session, spec_id)
    actor.require("approve", "approve specifications")
    if spec.status != "draft":
        raise Conflict(f"specification {spec.id} is {spec.status}; only a draft is approved")
    sign(uow, spec, meaning="approved", password=password, comment=comment)
    previous = effective_specification(uow.session, spec.material_id)
    now = utcnow()
    if previous is not None:
        previous.status, previous.superseded_at = "superseded", now
        record_event(
            uow.session,
            actor=actor,
            organisation_id=previous.organisation_id,
            action="supersede",
            entity_type="specification",
            entity_id=previous.id,
            changes={"status": {"old": "effective", "new": "superseded"}},
            reason=f"superseded by version {spec.number}",
        )
    spec.status, spec.effective_at, spec.supersedes_id = (
        "effective",
        now,
        (previous.id if previous else None),
    )
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=spec.organisation_id,
        action="approve",
        entity_type="specification",
        entity_id=spec.id,
        changes={"status": {"old": "draft", "new": "effective"}},
        reason=comment or "approved by QA",
    )
    return spec
