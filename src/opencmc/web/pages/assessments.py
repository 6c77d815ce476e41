"""Assessment pages: a candidate's saved assessments, running one, reading and reproducing it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from opencmc.platform import assessments as workflow
from opencmc.platform import audit
from opencmc.platform.errors import NotFound
from opencmc.platform.models import Assessment
from opencmc.platform.programs import get_candidate
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.pages.design_molecule import report_context, svg_from_result
from opencmc.web.templating import form_outcome, render

router = APIRouter()

OPTION_PREFIX = "option_"


def _htmx(request: Request) -> bool:
    """The request comes from htmx, which swaps the answer into a page already shown."""
    return request.headers.get("hx-request") == "true"


@router.get("/candidates/{candidate_id}/assessments")
def candidate_assessments(
    request: Request, candidate_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """The candidate page's section (loaded by htmx; a page of its own otherwise): the saved
    assessments and a run button for each engine that reads the candidate's definition."""
    candidate = get_candidate(uow.session, candidate_id)
    saved = workflow.list_assessments(uow.session, candidate_id)
    actor = uow.require_actor()
    may_run = (
        actor.can("write")
        and candidate.organisation_id == actor.organisation_id
        and candidate.archived_at is None
    )
    engines = workflow.engines_for(candidate) if may_run else []
    template = "candidates/_assessments.html" if _htmx(request) else "assessments/candidate.html"
    return render(
        request, template, {"candidate": candidate, "assessments": saved, "engines": engines}
    )


@router.post("/candidates/{candidate_id}/assessments")
async def candidate_assessment_run(
    request: Request, candidate_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """Run the chosen engine on the candidate and save it; a refusal says why on the page."""
    form = await request.form()
    engine = str(form.get("engine", ""))
    options = {
        name.removeprefix(OPTION_PREFIX): str(value)
        for name, value in form.items()
        if name.startswith(OPTION_PREFIX)
    }
    return form_outcome(
        request,
        uow,
        lambda: workflow.run_assessment(uow, candidate_id, engine, options),
        back=f"/candidates/{candidate_id}#assessments",
        failed="Assessment not saved",
        success=lambda a: f"/assessments/{a.id}",
        done=lambda a: f"Assessment saved: {a.summary}",
    )


def _result_context(assessment: Assessment) -> dict[str, Any]:
    """What the engine's own partial needs, for the engines that have one."""
    if assessment.engine == "molecule.profile":
        options = assessment.inputs.get("options", {})
        svg = svg_from_result(assessment.result, options.get("canonical_tautomer", True))
        return {"molecule_svg": svg}
    if assessment.engine == "vector.check":
        return {"vector": report_context([assessment.result])[0]}
    return {}


@router.get("/assessments/{assessment_id}")
def assessment_detail(
    request: Request, assessment_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """Summary, inputs, engine version, the result and the record's trail."""
    assessment = workflow.get_assessment(uow.session, assessment_id)
    try:
        candidate = get_candidate(uow.session, assessment.candidate_id)
    except NotFound:  # the assessment was shared without its candidate
        candidate = None
    context = {
        "assessment": assessment,
        "candidate": candidate,
        "trail": audit.trail(uow.session, "assessment", assessment.id),
        **_result_context(assessment),
    }
    return render(request, "assessments/detail.html", context)


@router.get("/assessments/{assessment_id}/reproduce")
def assessment_reproduce(
    request: Request, assessment_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    """Run the engine again on the stored inputs; a fragment for htmx, else a page."""
    assessment = workflow.get_assessment(uow.session, assessment_id)
    reproduction = workflow.reproduce(uow.session, assessment_id)
    template = "assessments/_reproduction.html" if _htmx(request) else "assessments/reproduce.html"
    return render(request, template, {"assessment": assessment, "reproduction": reproduction})
