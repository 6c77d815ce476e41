"""Trending an attribute across batches (continued process verification): the control
chart and the capability of the reportable values, from the quality-statistics engine;
and specification drafts started from the knowledge base's typical release panels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.knowledge import load_knowledge
from opencmc.platform.errors import InvalidInput
from opencmc.platform.models import Batch, Result, SpecAttribute
from opencmc.platform.programs import get_program
from opencmc.platform.quality.specifications import effective_specification, get_material
from opencmc.science.stats import capability as cap
from opencmc.science.stats import spc

# knowledge-base panel categories -> specification categories
_CATEGORY = {
    "general": "physical",
    "quantity": "assay",
    "impurity": "impurities",
    "identity": "identity",
    "purity": "purity",
    "potency": "potency",
    "safety": "safety",
}


@dataclass(frozen=True)
class Trend:
    attribute: SpecAttribute
    batches: list[str]
    values: list[float]
    chart: Any | None  # the I-MR chart, or None with fewer than three batches
    capability: Any | None  # None without limits or with fewer than three batches
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "attribute": self.attribute.name,
            "batches": self.batches,
            "values": self.values,
            "chart": self.chart.to_dict() if self.chart is not None else None,
            "capability": self.capability.to_dict() if self.capability is not None else None,
            "note": self.note,
        }


def trend(session: Session, material_id: int, attribute: str) -> Trend:
    """Each batch's latest valid reportable value, in manufacturing order, charted."""
    material = get_material(session, material_id)
    spec = effective_specification(session, material.id)
    criterion = next((a for a in spec.attributes if a.name == attribute), None) if spec else None
    if criterion is None or criterion.criterion_type not in ("limits", "report"):
        raise InvalidInput(
            f"attribute: {attribute!r} has no numeric results to trend", field="attribute"
        )
    rows = session.execute(
        select(Batch.number, Batch.manufactured_on, Batch.id, Result.reportable_value)
        .join(Result, Result.batch_id == Batch.id)
        .join(SpecAttribute, SpecAttribute.id == Result.attribute_id)
        .where(
            Batch.material_id == material.id,
            SpecAttribute.name == attribute,
            Result.invalidated_at.is_(None),
            Result.reportable_value.is_not(None),
        )
        .order_by(Batch.manufactured_on, Batch.id, Result.id)
    ).all()
    latest: dict[str, float] = {}
    for number, _made, _id, value in rows:
        latest[number] = float(value)  # later results (retests) replace earlier ones
    batches, values = list(latest), list(latest.values())
    if len(values) < 3:
        return Trend(
            criterion,
            batches,
            values,
            None,
            None,
            f"{len(values)} batch(es) with a result: a chart needs at least three",
        )
    chart = spc.imr(values, labels=batches)
    capability = None
    note = "I-MR chart of one reportable value per batch (Nelson rules)"
    if criterion.lower is not None or criterion.upper is not None:
        capability = cap.capability(values, lsl=criterion.lower, usl=criterion.upper)
    else:
        note += "; no limits, so no capability"
    return Trend(criterion, batches, values, chart, capability, note)


def panel_template(session: Session, material_id: int) -> list[dict[str, Any]]:
    """The typical release panel of the program's modality for this material, as draft
    attributes (text criteria to be made numeric by the team: the panel is illustrative)."""
    material = get_material(session, material_id)
    program = get_program(session, material.program_id)
    panels = load_knowledge().release_panels.get(program.modality, ())
    kind = material.kind
    chosen = next((p for p in panels if kind in p.material), panels[0] if panels else None)
    if chosen is None:
        return []
    return [
        {
            "name": t.attribute[:200],
            "category": _CATEGORY.get(t.category, "physical"),
            "test_method": t.method[:200],
            "criterion_type": "text",
            "requirement": t.acceptance_criterion,
        }
        for t in chosen.tests
    ]
