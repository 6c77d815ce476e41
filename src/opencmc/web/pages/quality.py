"""Quality pages: a program's materials, specifications and batches; a specification's
approval; a batch's panel, results, OOS investigations, release and certificate."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from opencmc.platform import audit, files, signatures
from opencmc.platform.errors import AuthenticationFailed, Conflict, InvalidInput
from opencmc.platform.models import Specification
from opencmc.platform.programs import get_program
from opencmc.platform.quality import (
    batches,
    release,
    results,
    specifications,
    stability,
    trending,
)
from opencmc.platform.quality.evaluation import describe
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.coa import coa_lines
from opencmc.web.auth import CurrentPageUow
from opencmc.web.pages.quality_stats import chart_points
from opencmc.web.templating import form_outcome, render

router = APIRouter()
ATTRIBUTE_ROWS = 8

_CAUGHT = (InvalidInput, Conflict, AuthenticationFailed)


def _number(raw: Any) -> float | None:
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a number") from None


def _attributes(form: FormData) -> list[dict[str, Any]]:
    rows = []
    for i in range(ATTRIBUTE_ROWS * 4):
        name = str(form.get(f"name_{i}", "")).strip()
        if not name:
            continue
        decimals = str(form.get(f"decimals_{i}", "")).strip()
        rows.append(
            {
                "name": name,
                "category": str(form.get(f"category_{i}", "")),
                "criterion_type": str(form.get(f"criterion_{i}", "limits")),
                "test_method": str(form.get(f"method_{i}", "")),
                "lower": _number(form.get(f"lower_{i}")),
                "upper": _number(form.get(f"upper_{i}")),
                "unit": str(form.get(f"unit_{i}", "")).strip(),
                "decimals": int(decimals) if decimals.isdigit() else None,
                "requirement": str(form.get(f"requirement_{i}", "")),
            }
        )
    return rows


def _tests_of(uow: UnitOfWork, material_id: int) -> list[str]:
    """The attributes of the material's effective specification (what a study can test)."""
    spec = specifications.effective_specification(uow.session, material_id)
    return [a.name for a in spec.attributes] if spec else []


def _version(raw: Any) -> int | None:
    text = str(raw or "").strip()
    return int(text) if text.isdigit() else None


@router.get("/programs/{program_id}/quality")
def program_quality(
    request: Request, program_id: int, template: int | None = None, uow: UnitOfWork = CurrentPageUow
) -> Response:
    program = get_program(uow.session, program_id)
    materials = specifications.materials_of(uow.session, program.id)
    by_material = {
        m.id: {
            "specifications": list(
                uow.session.scalars(
                    select(Specification)
                    .where(Specification.material_id == m.id)
                    .order_by(Specification.number)
                )
            ),
            "batches": batches.batches_of(uow.session, m.id),
            "studies": stability.studies_of(uow.session, m.id),
            "tests": _tests_of(uow, m.id),
        }
        for m in materials
    }
    return render(
        request,
        "quality/program.html",
        {
            "program": program,
            "materials": materials,
            "by_material": by_material,
            "kinds": specifications.MATERIAL_KINDS,
            "purposes": batches.PURPOSES,
            "categories": specifications.CATEGORIES,
            "conditions": stability.CONDITIONS,
            # a specification draft prefilled from the typical release panel, when asked
            "template_for": template,
            "template": trending.panel_template(uow.session, template) if template else [],
            "rows": range(
                max(ATTRIBUTE_ROWS, len(trending.panel_template(uow.session, template)) + 2)
                if template
                else ATTRIBUTE_ROWS
            ),
        },
    )


@router.post("/programs/{program_id}/materials")
async def add_material(
    request: Request, program_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    here = f"/programs/{program_id}/quality"
    return form_outcome(
        request,
        uow,
        lambda: specifications.create_material(
            uow, program_id, str(form.get("kind", "")), str(form.get("name", ""))
        ),
        back=here,
        failed="Not added",
        success=here,
    )


@router.post("/materials/{material_id}/specifications")
async def add_specification(
    request: Request, material_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    material = specifications.get_material(uow.session, material_id)
    return form_outcome(
        request,
        uow,
        lambda: specifications.create_specification(
            uow,
            material_id,
            title=str(form.get("title", "")),
            stage=str(form.get("stage", "")),
            attributes=_attributes(form),
        ),
        back=f"/programs/{material.program_id}/quality",
        failed="Specification not created",
        success=lambda spec: f"/specifications/{spec.id}",
    )


@router.post("/materials/{material_id}/batches")
async def add_batch(
    request: Request, material_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    material = specifications.get_material(uow.session, material_id)
    fields = ("number", "purpose", "process_version", "scale", "site", "manufactured_on")
    data = {k: str(form.get(k, "")).strip() for k in fields}
    return form_outcome(
        request,
        uow,
        lambda: batches.create_batch(uow, material_id, {k: v for k, v in data.items() if v}),
        back=f"/programs/{material.program_id}/quality",
        failed="Batch not registered",
        success=lambda batch: f"/batches/{batch.id}",
    )


@router.get("/specifications/{spec_id}")
def specification_page(
    request: Request, spec_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    spec = specifications.get_specification(uow.session, spec_id)
    return render(
        request,
        "quality/specification.html",
        {
            "spec": spec,
            "program": get_program(uow.session, spec.material.program_id),
            "describe": describe,
            "kind": "specifications",
            "generic_sign": False,  # approval is the signature that counts here
            "record": spec,
            "trail": audit.trail(uow.session, "specification", spec.id),
            "signatures": signatures.signatures_for(uow.session, spec),
            "attachments": files.attachments_for(uow.session, spec),
        },
    )


@router.post("/specifications/{spec_id}/approve")
async def approve(request: Request, spec_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    here = f"/specifications/{spec_id}"
    return form_outcome(
        request,
        uow,
        lambda: specifications.approve_specification(
            uow,
            spec_id,
            password=str(form.get("password", "")),
            comment=str(form.get("comment", "")),
        ),
        back=here,
        failed="Not approved",
        success=here,
        done="Specification approved: it is now effective.",
    )


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    batch = batches.get_batch(uow.session, batch_id)
    return render(
        request,
        "quality/batch.html",
        {
            "batch": batch,
            "program": get_program(uow.session, batch.material.program_id),
            "panel": release.release_panel(uow.session, batch),
            "describe": describe,
            "results": results.results_of(uow.session, batch, include_invalidated=True),
            "investigations": release.investigations_of(uow.session, batch),
            "inputs": batches.inputs_of(uow.session, batch),
            "kind": "batches",
            "generic_sign": False,  # release is the signature that counts here
            "record": batch,
            "trail": audit.trail(uow.session, "batch", batch.id),
            "signatures": signatures.signatures_for(uow.session, batch),
            "attachments": files.attachments_for(uow.session, batch),
        },
    )


@router.post("/batches/{batch_id}/import")
async def import_page(
    request: Request, batch_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    batch = batches.get_batch(uow.session, batch_id)
    upload = form.get("file")
    content = await upload.read() if isinstance(upload, UploadFile) and upload.filename else b""

    def run() -> int:
        if not content:
            raise InvalidInput("file: choose a CSV or XLSX file of results")
        table = read_table(content, upload.filename)  # type: ignore[union-attr]
        return results.import_results(uow, table, batch_number=batch.number)

    here = f"/batches/{batch_id}"
    return form_outcome(
        request,
        uow,
        run,
        back=here,
        failed="Not imported",
        success=here,
        done=lambda count: f"{count} result(s) imported.",
    )


@router.post("/batches/{batch_id}/results")
async def result_page(
    request: Request, batch_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    raw = str(form.get("value", "")).strip()
    try:
        value: float | None = float(raw)
    except ValueError:
        value = None  # "conforms" and the like: the criterion decides whether that is allowed
    here = f"/batches/{batch_id}"
    return form_outcome(
        request,
        uow,
        lambda: results.record_result(
            uow,
            batch_id,
            attribute=str(form.get("attribute", "")),
            value=value,
            text="" if value is not None else raw,
            unit=str(form.get("unit", "")).strip(),
            tested_on=str(form.get("tested_on", "")).strip() or None,
        ),
        back=here,
        failed="Not recorded",
        success=here,
        done="Result recorded.",
    )


@router.post("/oos/{oos_id}/findings")
async def findings_page(
    request: Request, oos_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    record = release.get_investigation(uow.session, oos_id)
    here = f"/batches/{record.batch_id}#oos-{oos_id}"
    return form_outcome(
        request,
        uow,
        lambda: release.record_findings(
            uow,
            oos_id,
            version=_version(form.get("version")),
            phase=int(str(form.get("phase", "1"))),
            findings=str(form.get("findings", "")),
        ),
        back=here,
        failed="Not recorded",
        success=here,
    )


@router.post("/oos/{oos_id}/close")
async def close_page(request: Request, oos_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    record = release.get_investigation(uow.session, oos_id)
    return form_outcome(
        request,
        uow,
        lambda: release.close_investigation(
            uow,
            oos_id,
            version=_version(form.get("version")),
            conclusion=str(form.get("conclusion", "")),
            conclusion_text=str(form.get("conclusion_text", "")),
            capa_reference=str(form.get("capa_reference", "")),
        ),
        back=f"/batches/{record.batch_id}#oos-{oos_id}",
        failed="Not closed",
        success=f"/batches/{record.batch_id}",
        done=f"OOS investigation {oos_id} closed.",
    )


@router.post("/batches/{batch_id}/release")
async def release_page(
    request: Request, batch_id: int, uow: UnitOfWork = CurrentPageUow
) -> Response:
    form = await request.form()
    here = f"/batches/{batch_id}"
    return form_outcome(
        request,
        uow,
        lambda: release.release_batch(
            uow,
            batch_id,
            password=str(form.get("password", "")),
            comment=str(form.get("comment", "")),
        ),
        back=here,
        failed="Not released",
        success=here,
        done="Batch released.",
    )


@router.get("/materials/{material_id}/trend")
def trend_page(
    request: Request, material_id: int, attribute: str = "", uow: UnitOfWork = CurrentPageUow
) -> Response:
    """Continued process verification: an attribute's control chart and capability."""
    material = specifications.get_material(uow.session, material_id)
    spec = specifications.effective_specification(uow.session, material.id)
    names = [
        a.name
        for a in (spec.attributes if spec else [])
        if a.criterion_type in ("limits", "report")
    ]
    context: dict[str, Any] = {
        "material": material,
        "program": get_program(uow.session, material.program_id),
        "names": names,
        "attribute": attribute or (names[0] if names else ""),
    }
    if context["attribute"]:
        found = trending.trend(uow.session, material.id, context["attribute"])
        context["trend"] = found
        if found.chart is not None:
            context["points"] = chart_points(found.chart)
            context["signals"] = [s.to_dict() for s in found.chart.signals]
    return render(request, "quality/trend.html", context)


@router.get("/batches/{batch_id}/coa")
def coa_page(request: Request, batch_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    """The certificate of analysis as a page (the PDF carries the same content)."""
    batch = batches.get_batch(uow.session, batch_id)
    program = get_program(uow.session, batch.material.program_id)
    lines = coa_lines(
        release.release_panel(uow.session, batch),
        batches.inputs_of(uow.session, batch),
        signatures.signatures_for(uow.session, batch),
        program.name,
    )
    return render(request, "quality/coa.html", {"batch": batch, "lines": lines})
