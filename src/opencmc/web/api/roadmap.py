"""Roadmaps, readiness and the regulatory calculators over JSON."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from opencmc.knowledge import build_roadmap, calculators
from opencmc.platform import readiness
from opencmc.platform.errors import InvalidInput
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.roadmap_export import roadmap_pdf, roadmap_xlsx
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["roadmap"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str = Field(description="not_started, in_progress or done")
    note: str = ""
    evidence_link: str = Field("", description="a record in OpenCMC or a document elsewhere")
    version: int | None = Field(None, description="the version you read (for a change)")
    reason: str = Field("", description="why it changes (required for a change)")


@contextmanager
def _input_errors() -> Iterator[None]:
    """The knowledge layer refuses bad values with ValueError naming them: a 422."""
    try:
        yield
    except ValueError as error:
        raise InvalidInput(str(error)) from None


@router.get("/roadmap")
def roadmap_for(
    modality: str, current_stage: str, target: str, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """The phase-appropriate plan for a modality between two stages (no program needed)."""
    with _input_errors():
        return build_roadmap(modality, current_stage, target).to_dict()


@router.get("/programs/{program_id}/roadmap")
def program_roadmap(
    program_id: int, target: str | None = None, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """The program's plan and readiness for its target milestone, or for ``target``."""
    return readiness.program_readiness(uow.session, program_id, target).to_dict()


@router.get("/programs/{program_id}/service-requests")
def service_requests(
    program_id: int, include_in_progress: bool = False, uow: UnitOfWork = CurrentApiUow
) -> list[dict[str, Any]]:
    """The gaps as services to request from providers (what the marketplace orders)."""
    found = readiness.program_readiness(uow.session, program_id)
    return [r.to_dict() for r in found.readiness.service_requests(include_in_progress)]


def _export(uow: UnitOfWork, program_id: int, kind: str) -> Response:
    found = readiness.program_readiness(uow.session, program_id)
    title = f"CMC roadmap: {found.program.name}"
    if kind == "xlsx":
        content, media = roadmap_xlsx(found.roadmap, found.readiness, title), XLSX
    else:
        content, media = roadmap_pdf(found.roadmap, found.readiness, title), "application/pdf"
    return Response(
        content,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="roadmap-{program_id}.{kind}"'},
    )


@router.get("/programs/{program_id}/roadmap.xlsx", response_class=Response)
def program_roadmap_xlsx(program_id: int, uow: UnitOfWork = CurrentApiUow) -> Response:
    return _export(uow, program_id, "xlsx")


@router.get("/programs/{program_id}/roadmap.pdf", response_class=Response)
def program_roadmap_pdf(program_id: int, uow: UnitOfWork = CurrentApiUow) -> Response:
    return _export(uow, program_id, "pdf")


@router.put("/programs/{program_id}/activities/{activity_id}")
def set_status(
    program_id: int, activity_id: str, body: StatusChange, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    record = readiness.set_activity_status(uow, program_id, activity_id, **body.model_dump())
    uow.commit()
    return {
        "id": record.id,
        "activity_id": record.activity_id,
        "status": record.status,
        "note": record.note,
        "evidence_link": record.evidence_link,
        "version": record.version,
    }


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_daily_dose_g: float
    kind: str = "drug_substance"


class MutagenicLimit(BaseModel):
    model_config = ConfigDict(extra="forbid")
    duration: float | str = Field(description="months, or up_to_1_month ... lifetime")
    max_daily_dose_mg: float


class Bridging(BaseModel):
    model_config = ConfigDict(extra="forbid")
    clinical_impurities: dict[str, float] = Field(description="impurity -> level in %")
    tox_impurities: dict[str, float]
    clinical_dose: float
    tox_dose: float
    reporting_threshold: float
    qualification_threshold: float | None = None


class Coverage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    available_months: float
    planned_supply_months: float
    storage: str = "room_temperature"
    situation: str = "no_significant_change"
    biological: bool = False


@router.post("/calculators/impurity-thresholds")
def impurity_thresholds(body: Thresholds, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """ICH Q3A/Q3B reporting, identification and qualification thresholds."""
    with _input_errors():
        return calculators.impurity_thresholds(body.max_daily_dose_g, body.kind).to_dict()


@router.post("/calculators/mutagenic-impurity-limit")
def mutagenic_limit(body: MutagenicLimit, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """ICH M7 acceptable intake for the treatment duration and the ppm limit it implies."""
    with _input_errors():
        intake = calculators.m7_acceptable_intake(body.duration)
        limit = calculators.m7_limit_ppm(intake.individual_ug_per_day, body.max_daily_dose_mg)
    return {"acceptable_intake": intake.to_dict(), "limit": limit.to_dict()}


@router.post("/calculators/stability-coverage")
def stability_coverage(body: Coverage, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Does the stability data cover the planned clinical supply, with Q1E extrapolation?"""
    with _input_errors():
        return calculators.stability_coverage(**body.model_dump()).to_dict()


@router.post("/calculators/tox-bridging")
def tox_bridging(body: Bridging, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Is each impurity of the clinical batch covered by the toxicology batch, dose-adjusted?"""
    with _input_errors():
        return calculators.tox_bridging(**body.model_dump()).to_dict()
