"""Assessments over JSON: run an engine on a candidate and save it, read, reproduce."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from opencmc.platform import assessments as workflow
from opencmc.platform.models import Assessment
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["assessments"])


class AssessmentRun(BaseModel):
    """Which engine to run on the candidate's stored definition, with which options."""

    model_config = ConfigDict(extra="forbid")

    engine: str = Field(description="molecule.profile, antibody.developability, ...")
    options: dict[str, Any] = Field(
        default_factory=dict, description="the engine's options; the others take its defaults"
    )


class AssessmentBrief(BaseModel):
    id: int
    candidate_id: int
    engine: str
    engine_version: str
    title: str
    summary: str
    created_at: datetime
    created_by_id: int


class AssessmentOut(AssessmentBrief):
    inputs: dict[str, Any]
    result: dict[str, Any]


def _brief(assessment: Assessment) -> AssessmentBrief:
    return AssessmentBrief.model_validate(assessment, from_attributes=True)


def _full(assessment: Assessment) -> AssessmentOut:
    return AssessmentOut.model_validate(assessment, from_attributes=True)


@router.get("/assessment-engines")
def list_engines(uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    """The engines, the candidate definitions each runs on, their options and version."""
    return [engine.to_dict() for engine in workflow.ENGINES.values()]


@router.post(
    "/candidates/{candidate_id}/assessments", response_model=AssessmentOut, status_code=201
)
def run_assessment(
    candidate_id: int, body: AssessmentRun, uow: UnitOfWork = CurrentApiUow
) -> AssessmentOut:
    """Run the engine on the candidate's stored definition and save the result."""
    assessment = workflow.run_assessment(uow, candidate_id, body.engine, body.options)
    uow.commit()
    return _full(assessment)


@router.get("/candidates/{candidate_id}/assessments", response_model=list[AssessmentBrief])
def list_assessments(candidate_id: int, uow: UnitOfWork = CurrentApiUow) -> list[AssessmentBrief]:
    """The candidate's assessments, newest first, without their results."""
    return [_brief(a) for a in workflow.list_assessments(uow.session, candidate_id)]


@router.get("/assessments/{assessment_id}", response_model=AssessmentOut)
def get_assessment(assessment_id: int, uow: UnitOfWork = CurrentApiUow) -> AssessmentOut:
    """One assessment with its inputs, engine version and full result."""
    return _full(workflow.get_assessment(uow.session, assessment_id))


@router.get("/assessments/{assessment_id}/reproduce")
def reproduce(assessment_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Run the engine again on the stored inputs: is the result identical?"""
    return workflow.reproduce(uow.session, assessment_id).to_dict()
