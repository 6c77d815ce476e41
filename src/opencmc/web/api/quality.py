"""Quality records over JSON: materials, specifications, batches, results (single and
imported), OOS investigations, release and the certificate of analysis."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from opencmc.platform.programs import get_program
from opencmc.platform.quality import batches, release, results, specifications, trending
from opencmc.platform.signatures import signatures_for
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.coa import coa_lines, coa_pdf
from opencmc.web.api.quality_stats import plain
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["quality"])


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MaterialIn(Body):
    kind: str = Field(description="drug_substance, drug_product or intermediate")
    name: str


class AttributeIn(Body):
    name: str
    category: str
    criterion_type: str = "limits"
    test_method: str = ""
    lower: float | None = None
    upper: float | None = None
    lower_inclusive: bool = True
    upper_inclusive: bool = True
    unit: str = ""
    decimals: int | None = None
    requirement: str = ""
    required: bool = True


class SpecificationIn(Body):
    title: str
    stage: str
    attributes: list[AttributeIn]


class Approval(Body):
    password: str
    comment: str = ""


class BatchIn(Body):
    number: str
    purpose: str
    process_version: str = ""
    scale: str = ""
    site: str = ""
    manufactured_on: str | None = None


class InputIn(Body):
    input_batch_id: int


class ResultIn(Body):
    attribute: str
    value: float | None = None
    replicates: list[float] | None = None
    text: str = ""
    unit: str = ""
    method: str = ""
    analyst: str = ""
    instrument: str = ""
    tested_on: str | None = None


class Findings(Body):
    version: int
    phase: int = Field(description="1 (laboratory) or 2 (full-scale)")
    findings: str


class Closing(Body):
    version: int
    conclusion: str = Field(description="laboratory_error, confirmed or inconclusive")
    conclusion_text: str
    capa_reference: str = ""


def _spec_out(spec: Any) -> dict[str, Any]:
    return {
        "id": spec.id,
        "material_id": spec.material_id,
        "number": spec.number,
        "title": spec.title,
        "stage": spec.stage,
        "status": spec.status,
        "version": spec.version,
        "attributes": [{"id": a.id, **a.content()} for a in spec.attributes],
    }


def _batch_out(uow: UnitOfWork, batch: Any) -> dict[str, Any]:
    panel = release.release_panel(uow.session, batch)
    return {
        "id": batch.id,
        "number": batch.number,
        "material_id": batch.material_id,
        "purpose": batch.purpose,
        "status": batch.status,
        "version": batch.version,
        "panel": panel.to_dict(),
        "investigations": [
            {
                "id": o.id,
                "status": o.status,
                "version": o.version,
                "result_id": o.result_id,
                "conclusion": o.conclusion,
            }
            for o in release.investigations_of(uow.session, batch)
        ],
    }


@router.post("/programs/{program_id}/materials", status_code=201)
def create_material(
    program_id: int, body: MaterialIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    material = specifications.create_material(uow, program_id, body.kind, body.name)
    uow.commit()
    return {"id": material.id, "kind": material.kind, "name": material.name}


@router.get("/programs/{program_id}/materials")
def list_materials(program_id: int, uow: UnitOfWork = CurrentApiUow) -> list[dict[str, Any]]:
    get_program(uow.session, program_id)
    return [
        {"id": m.id, "kind": m.kind, "name": m.name}
        for m in specifications.materials_of(uow.session, program_id)
    ]


@router.post("/materials/{material_id}/specifications", status_code=201)
def create_specification(
    material_id: int, body: SpecificationIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    spec = specifications.create_specification(
        uow,
        material_id,
        title=body.title,
        stage=body.stage,
        attributes=[a.model_dump() for a in body.attributes],
    )
    uow.commit()
    return _spec_out(spec)


@router.get("/specifications/{spec_id}")
def get_specification(spec_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return _spec_out(specifications.get_specification(uow.session, spec_id))


@router.post("/specifications/{spec_id}/approve")
def approve_specification(
    spec_id: int, body: Approval, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    spec = specifications.approve_specification(
        uow, spec_id, password=body.password, comment=body.comment
    )
    uow.commit()
    return _spec_out(spec)


@router.post("/materials/{material_id}/batches", status_code=201)
def create_batch(
    material_id: int, body: BatchIn, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    batch = batches.create_batch(uow, material_id, body.model_dump(exclude_none=True))
    uow.commit()
    return _batch_out(uow, batch)


@router.get("/batches/{batch_id}")
def get_batch(batch_id: int, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    return _batch_out(uow, batches.get_batch(uow.session, batch_id))


@router.post("/batches/{batch_id}/inputs", status_code=201)
def add_input(batch_id: int, body: InputIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    batches.add_input(uow, batch_id, body.input_batch_id)
    uow.commit()
    return _batch_out(uow, batches.get_batch(uow.session, batch_id))


@router.post("/batches/{batch_id}/results", status_code=201)
def record_result(batch_id: int, body: ResultIn, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    result = results.record_result(uow, batch_id, **body.model_dump())
    uow.commit()
    return {
        "id": result.id,
        "rounded": result.rounded,
        "conforms": result.conforms,
        "reportable_value": result.reportable_value,
    }


@router.post("/results/import", status_code=201)
def import_results(
    file: UploadFile, batch: str | None = Form(None), uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """A CSV/XLSX of results; any problem refuses the whole file (422, every row listed)."""
    table = read_table(file.file.read(), file.filename or "results.csv")
    count = results.import_results(uow, table, batch_number=batch)
    uow.commit()
    return {"imported": count}


@router.post("/oos/{oos_id}/findings")
def oos_findings(oos_id: int, body: Findings, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    record = release.record_findings(
        uow, oos_id, version=body.version, phase=body.phase, findings=body.findings
    )
    uow.commit()
    return {"id": record.id, "status": record.status, "version": record.version}


@router.post("/oos/{oos_id}/close")
def oos_close(oos_id: int, body: Closing, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    record = release.close_investigation(uow, oos_id, **body.model_dump())
    uow.commit()
    return {"id": record.id, "status": record.status, "conclusion": record.conclusion}


@router.post("/batches/{batch_id}/release")
def release_batch(batch_id: int, body: Approval, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    batch = release.release_batch(uow, batch_id, password=body.password, comment=body.comment)
    uow.commit()
    return _batch_out(uow, batch)


@router.get("/batches/{batch_id}/coa.pdf", response_class=Response)
def certificate(batch_id: int, uow: UnitOfWork = CurrentApiUow) -> Response:
    """The certificate of analysis: specification version, results with their rounding,
    conclusions, genealogy and the signature manifest."""
    batch = batches.get_batch(uow.session, batch_id)
    panel = release.release_panel(uow.session, batch)
    program = get_program(uow.session, batch.material.program_id)
    lines = coa_lines(
        panel,
        batches.inputs_of(uow.session, batch),
        signatures_for(uow.session, batch),
        program.name,
    )
    return Response(
        coa_pdf(lines, f"Certificate of analysis {batch.number}"),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="CoA-{batch.number}.pdf"'},
    )


@router.get("/materials/{material_id}/trend")
def trend(material_id: int, attribute: str, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """An attribute across the material's batches: I-MR chart with Nelson rules, capability."""
    return plain(trending.trend(uow.session, material_id, attribute).to_dict())


@router.get("/materials/{material_id}/release-panel")
def release_panel_template(
    material_id: int, uow: UnitOfWork = CurrentApiUow
) -> list[dict[str, Any]]:
    """The modality's typical release panel as draft attributes (illustrative criteria)."""
    return trending.panel_template(uow.session, material_id)
