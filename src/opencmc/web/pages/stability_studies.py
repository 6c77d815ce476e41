"""Stability study pages: plan a study, follow its pull calendar, enter results per time
point, and read the ICH Q1E analysis with its plot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from opencmc.platform import audit
from opencmc.platform.errors import InvalidInput
from opencmc.platform.programs import get_program
from opencmc.platform.quality import specifications
from opencmc.platform.quality import stability as studies
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.stability_report import shelf_life_svg
from opencmc.science.stats import StatsInputError
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import form_outcome, render

router = APIRouter()


def _numbers(text: str) -> list[float]:
    try:
        return [float(t) for t in text.replace(";", ",").split(",") if t.strip()]
    except ValueError:
        raise InvalidInput(
            f"time_points: {text!r} is not months separated by commas", field="time_points"
        ) from None


@router.post("/materials/{material_id}/stability-studies")
async def plan_study(
    request: Request, material_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    material = specifications.get_material(uow.session, material_id)
    custom = [c.strip() for c in str(form.get("custom_condition", "")).split(",") if c.strip()]
    return form_outcome(
        request,
        uow,
        lambda: studies.create_study(
            uow,
            material_id,
            title=str(form.get("title", "")),
            batch_ids=[int(v) for v in form.getlist("batch_ids")],
            conditions=[str(v) for v in form.getlist("conditions")] + custom,
            time_points=_numbers(str(form.get("time_points", ""))),
            tests=[str(v) for v in form.getlist("tests")],
            start_date=str(form.get("start_date", "")),
            orientation=str(form.get("orientation", "")),
        ),
        back=f"/programs/{material.program_id}/quality",
        failed="Study not planned",
        success=lambda study: f"/stability-studies/{study.id}",
    )


@router.get("/stability-studies/{study_id}")
def study_page(
    request: Request,
    study_id: int,
    attribute: str = "",
    condition: str = "",
    uow: UnitOfWork = CurrentPageUow,
) -> Response:
    study = studies.get_study(uow.session, study_id)
    material = specifications.get_material(uow.session, study.material_id)
    context: dict[str, Any] = {
        "study": study,
        "material": material,
        "program": get_program(uow.session, material.program_id),
        "calendar": studies.pull_calendar(uow.session, study),
        "results": studies.results_frame(uow.session, study),
        "label": studies.condition_label,
        "attribute": attribute or (study.tests[0] if study.tests else ""),
        "condition": condition or (study.conditions[0] if study.conditions else ""),
        "trail": audit.trail(uow.session, "stability_study", study.id),
    }
    if any(r["attribute"] == context["attribute"] for r in context["results"]):
        try:
            result = studies.analyse(
                uow.session, study.id, context["attribute"], context["condition"]
            )
            context.update(
                analysis=result, plot_data=result.to_plot_data(), plot_svg=shelf_life_svg(result)
            )
        except (InvalidInput, StatsInputError) as error:
            context["analysis_error"] = getattr(error, "message", str(error))
    return render(request, "quality/stability_study.html", context)


@router.post("/stability-studies/{study_id}/results")
async def study_results(
    request: Request, study_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) and upload.filename else b""

    def run() -> list[Any]:
        if not content:
            raise InvalidInput("file: choose a CSV or XLSX of results", field="file")
        return studies.record_results(uow, study_id, read_table(content, upload.filename))  # type: ignore[union-attr]

    def said(written: list[Any]) -> str:
        flagged = sum(1 for w in written if w.out_of_trend)
        return f"{len(written)} result(s) recorded" + (
            f"; {flagged} out of trend." if flagged else "."
        )

    here = f"/stability-studies/{study_id}"
    return form_outcome(
        request, uow, run, back=here, failed="Not recorded", success=here, done=said
    )
