"""Stability studies over JSON: protocol, pull calendar, results per time point, analysis."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, UploadFile
from pydantic import BaseModel, ConfigDict

from opencmc.platform.quality import stability as studies
from opencmc.platform.tables import read_table, table_from_rows
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["stability studies"])


class StudyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    batch_ids: list[int]
    conditions: list[str]
    time_points: list[float]
    tests: list[str]
    start_date: str
    orientation: str = ""


class ResultsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, Any]]


def study_out(uow: UnitOfWork, study: Any) -> dict[str, Any]:
    return {
        "id": study.id,
        "title": study.title,
        "conditions": [{"code": c, "label": studies.condition_label(c)} for c in study.conditions],
        "time_points": study.time_points,
        "tests": study.tests,
        "start_date": study.start_date.isoformat(),
        "calendar": [
            {
                "pull_id": e.pull.id,
                "batch": e.batch_number,
                "condition": e.pull.condition,
                "months": e.pull.months,
                "due_on": e.pull.due_on.isoformat(),
                "state": e.state,
                "results": e.results,
            }
            for e in studies.pull_calendar(uow.session, study)
        ],
        "results": studies.results_frame(uow.session, study),
    }


@router.get("/stability-studies/conditions")
def conditions(uow: UnitOfWork = CurrentApiUow) -> dict[str, str]:
    """The ICH Q1A(R2) storage conditions by code (any other code is a custom condition)."""
    return studies.CONDITIONS


@router.post("/materials/{material_id}/stability-studies", status_code=201)
def create_study(
    material_id: int, body: StudyIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    study = studies.create_study(uow, material_id, **body.model_dump())
    uow.commit()
    return study_out(uow, study)


@router.get("/stability-studies/{study_id}")
def get_study(study_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return study_out(uow, studies.get_study(uow.session, study_id))


@router.post("/stability-studies/{study_id}/results", status_code=201)
def add_results(study_id: int, body: ResultsIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    written = studies.record_results(uow, study_id, table_from_rows(body.rows))
    flagged = [
        {
            "attribute": w.attribute,
            "batch_id": w.pull.batch_id,
            "months": w.pull.months,
            "note": w.trend_note,
        }
        for w in written
        if w.out_of_trend
    ]
    uow.commit()
    return {"recorded": len(written), "out_of_trend": flagged}


@router.post("/stability-studies/{study_id}/results/import", status_code=201)
def import_results(
    study_id: int, file: UploadFile, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    table = read_table(file.file.read(), file.filename or "results.csv")
    written = studies.record_results(uow, study_id, table)
    flagged = [w.id for w in written if w.out_of_trend]
    uow.commit()
    return {"recorded": len(written), "out_of_trend": flagged}


@router.get("/stability-studies/{study_id}/analysis")
def analysis(
    study_id: int, attribute: str, condition: str, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """ICH Q1E for one attribute at one condition, against the specification's limits."""
    result = studies.analyse(uow.session, study_id, attribute, condition)
    return {**result.to_dict(), "summary": result.summary(), "plot": result.to_plot_data()}
