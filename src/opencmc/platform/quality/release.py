"""OOS investigations and batch release: the panel against the effective specification,
what is missing, what blocks, and QA's approval signature."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import validation as check
from opencmc.platform.audit import diff, record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound
from opencmc.platform.models import (
    Batch,
    OosInvestigation,
    Result,
    SpecAttribute,
    Specification,
    utcnow,
)
from opencmc.platform.quality.batches import get_batch
from opencmc.platform.quality.results import results_of
from opencmc.platform.quality.specifications import _owner, effective_specification
from opencmc.platform.signatures import sign
from opencmc.platform.uow import UnitOfWork

CONCLUSIONS = ("laboratory_error", "confirmed", "inconclusive")


def get_investigation(session: Session, oos_id: int) -> OosInvestigation:
    found = session.get(OosInvestigation, oos_id)
    if found is None:
        raise NotFound(f"no OOS investigation {oos_id}")
    return found


def investigations_of(session: Session, batch: Batch) -> list[OosInvestigation]:
    return list(
        session.scalars(
            select(OosInvestigation)
            .where(OosInvestigation.batch_id == batch.id)
            .order_by(OosInvestigation.id)
        )
    )


def _current(record: OosInvestigation, version: int | None) -> None:
    if record.status == "closed":
        raise Conflict(f"OOS investigation {record.id} is closed")
    if version != record.version:
        raise Conflict(
            f"OOS investigation {record.id} changed since you read it (version "
            f"{record.version}); reload",
            field="version",
        )


def record_findings(
    uow: UnitOfWork, oos_id: int, *, version: int | None, phase: int, findings: str
) -> OosInvestigation:
    """Phase I (laboratory) findings, or escalation to a phase II full-scale investigation."""
    record = get_investigation(uow.session, oos_id)
    _owner(uow, record, "investigate OOS results")
    _current(record, version)
    text = check.text(findings, "findings", max_length=20000)
    before = record.signable_content()
    if phase == 1:
        record.phase1_findings = text
    elif phase == 2:
        if not record.phase1_findings:
            raise InvalidInput(
                "findings: record the phase I laboratory findings first", field="findings"
            )
        record.phase2_findings, record.status = text, "phase_2"
    else:
        raise InvalidInput(f"phase: 1 or 2, got {phase}", field="phase")
    uow.session.flush()
    record_event(
        uow.session,
        actor=uow.actor,
        organisation_id=record.organisation_id,
        action=f"phase_{phase}",
        entity_type="oos_investigation",
        entity_id=record.id,
        changes=diff(before, record.signable_content()),
        reason=text[:500],
    )
    return record


def close_investigation(
    uow: UnitOfWork,
    oos_id: int,
    *,
    version: int | None,
    conclusion: str,
    conclusion_text: str,
    capa_reference: str = "",
) -> OosInvestigation:
    """QA closes an investigation. A laboratory error invalidates the result (a retest is
    then needed); a confirmed OOS rejects the batch."""
    actor = uow.require_actor()
    record = get_investigation(uow.session, oos_id)
    _owner(uow, record, "close OOS investigations")
    actor.require("approve", "close OOS investigations")
    _current(record, version)
    if conclusion not in CONCLUSIONS:
        raise InvalidInput(
            f"conclusion: expected one of {', '.join(CONCLUSIONS)}, got {conclusion!r}",
            field="conclusion",
        )
    if not record.phase1_findings:
        raise InvalidInput("phase I findings are needed before closing", field="findings")
    before = record.signable_content()
    record.conclusion = conclusion
    record.conclusion_text = check.text(conclusion_text, "conclusion_text", max_length=20000)
    record.capa_reference = check.text(
        capa_reference, "capa_reference", max_length=100, required=conclusion != "laboratory_error"
    )
    record.status, record.closed_at, record.closed_by_id = "closed", utcnow(), actor.user_id
    result = record.result
    batch = get_batch(uow.session, record.batch_id)
    if conclusion == "laboratory_error":
        result.invalidated_at = utcnow()
        result.invalidation_reason = f"OOS {record.id}: {record.conclusion_text}"
    elif conclusion == "confirmed":
        batch.status = "rejected"
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=record.organisation_id,
        action="close",
        entity_type="oos_investigation",
        entity_id=record.id,
        changes=diff(before, record.signable_content()),
        reason=record.conclusion_text,
    )
    if conclusion == "laboratory_error":
        record_event(
            uow.session,
            actor=actor,
            organisation_id=batch.organisation_id,
            action="invalidate_result",
            entity_type="batch",
            entity_id=batch.id,
            changes={"result": {"old": result.id, "new": None}},
            reason=result.invalidation_reason,
        )
    return record


@dataclass(frozen=True)
class PanelLine:
    attribute: SpecAttribute
    result: Result | None

    @property
    def status(self) -> str:
        if self.result is None:
            return "missing" if self.attribute.required else "not tested"
        if self.result.conforms is None:
            return "reported"
        return "conforms" if self.result.conforms else "does not conform"


@dataclass(frozen=True)
class ReleasePanel:
    batch: Batch
    specification: Specification | None
    lines: list[PanelLine] = field(default_factory=list)
    open_investigations: list[OosInvestigation] = field(default_factory=list)

    @property
    def blockers(self) -> list[str]:
        reasons = []
        if self.specification is None:
            reasons.append("the material has no effective specification")
        reasons += [
            f"{line.attribute.name}: no result" for line in self.lines if line.status == "missing"
        ]
        reasons += [
            f"{line.attribute.name}: does not conform"
            for line in self.lines
            if line.status == "does not conform"
        ]
        reasons += [f"OOS investigation {o.id} is open" for o in self.open_investigations]
        if self.batch.status != "under_test":
            reasons.append(f"the batch is {self.batch.status}")
        return reasons

    @property
    def releasable(self) -> bool:
        return not self.blockers

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch.number,
            "specification": (
                f"{self.specification.title} v{self.specification.number}"
                if self.specification
                else None
            ),
            "lines": [
                {
                    "attribute": line.attribute.name,
                    "status": line.status,
                    "rounded": line.result.rounded if line.result else None,
                    "unit": line.attribute.unit,
                }
                for line in self.lines
            ],
            "open_investigations": [o.id for o in self.open_investigations],
            "blockers": self.blockers,
            "releasable": self.releasable,
        }


def release_panel(session: Session, batch: Batch) -> ReleasePanel:
    """The full panel against the effective specification: the latest valid result of
    each attribute (a retest after an invalidated result replaces it)."""
    spec = effective_specification(session, batch.material_id)
    latest: dict[int, Result] = {}
    for result in results_of(session, batch):
        latest[result.attribute_id] = result
    lines = []
    if spec is not None:
        by_name = {r.attribute.name: r for r in latest.values()}
        lines = [PanelLine(a, by_name.get(a.name)) for a in spec.attributes]
    open_ones = [o for o in investigations_of(session, batch) if o.status != "closed"]
    return ReleasePanel(batch, spec, lines, open_ones)


def release_batch(uow: UnitOfWork, batch_id: int, *, password: str, comment: str = "") -> Batch:
    """QA releases a batch with an 'approved' signature over its released state; refused
    while a required result is missing or does not conform, or an OOS is open."""
    actor = uow.require_actor()
    batch = get_batch(uow.session, batch_id)
    _owner(uow, batch, "release batches")
    actor.require("approve", "release batches")
    panel = release_panel(uow.session, batch)
    if not panel.releasable:
        raise Conflict("release refused: " + "; ".join(panel.blockers))
    batch.status, batch.released_at = "released", utcnow()
    uow.session.flush()
    sign(
        uow,
        batch,
        meaning="approved",
        password=password,
        comment=comment or "batch released against the effective specification",
    )
    record_event(
        uow.session,
        actor=actor,
        organisation_id=batch.organisation_id,
        action="release",
        entity_type="batch",
        entity_id=batch.id,
        changes={"status": {"old": "under_test", "new": "released"}},
        reason=comment or "released",
    )
    return batch
