"""Engine pages: a scientist uploads or pastes data, picks columns, and reads the answer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from opencmc.platform.errors import InvalidInput
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.stability_report import shelf_life_pdf, shelf_life_svg
from opencmc.science.stats import StatsInputError, stability
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

_FIELDS = ("time", "value", "batch", "lower", "upper", "confidence", "pool_alpha",
           "separate_slopes_mse", "transform")  # fmt: skip
_DEFAULTS = {"confidence": "0.95", "pool_alpha": "0.25", "separate_slopes_mse": "per_batch"}


def _number(form: dict[str, str], name: str, required: bool = False) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        if required:
            raise InvalidInput(f"{name}: give a number", field=name)
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a number", field=name) from None


async def _data(form: FormData) -> tuple[str, str]:
    """The CSV text, from the uploaded file if there is one, else from the pasted text."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read()
        frame = read_table(content, upload.filename)
        return frame.to_csv(index=False), upload.filename
    return str(form.get("data", "")), "pasted data"


def _run(csv_text: str, values: dict[str, str]) -> stability.ShelfLifeResult:
    table = read_table(csv_text.encode("utf-8"), "pasted data", field="data")
    for name in ("time", "value"):
        if not values.get(name):
            raise InvalidInput(f"{name}: pick the {name} column", field=name)
    return stability.shelf_life(
        table,
        time=values["time"],
        value=values["value"],
        batch=values.get("batch") or None,
        lower=_number(values, "lower"),
        upper=_number(values, "upper"),
        confidence=_number(values, "confidence", required=True) or 0.95,
        pool_alpha=_number(values, "pool_alpha", required=True) or 0.25,
        separate_slopes_mse=values.get("separate_slopes_mse") or "per_batch",  # type: ignore[arg-type]
        transform=values.get("transform") or None,  # type: ignore[arg-type]
    )


@router.get("/stability")
def stability_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "tools/stability.html", {"values": dict(_DEFAULTS), "columns": []})


@router.post("/stability")
async def stability_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in _FIELDS}
    context: dict[str, Any] = {"values": values, "columns": [], "source": ""}
    try:
        csv_text, source = await _data(form)
        context.update(data=csv_text, source=source)
        context["columns"] = list(read_table(csv_text.encode(), source, field="data").columns)
        result = _run(csv_text, values)
    except (InvalidInput, StatsInputError) as error:
        context["error"] = getattr(error, "message", str(error))
        return render(request, "tools/stability.html", context, status_code=422)
    context.update(
        result=result,
        report=result.to_dict(),
        plot_data=result.to_plot_data(),
        plot_svg=shelf_life_svg(result, title=f"{values['value']} over {values['time']}"),
    )
    return render(request, "tools/stability.html", context)


@router.post("/stability/report.pdf")
async def stability_pdf(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in _FIELDS}
    result = _run(str(form.get("data", "")), values)
    pdf = shelf_life_pdf(result, title=f"Shelf life of {values['value']}")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="shelf-life.pdf"'},
    )
