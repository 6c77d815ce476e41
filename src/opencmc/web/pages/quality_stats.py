"""Quality-statistics pages: control charts, capability, method validation, comparability.

Each page takes an uploaded or pasted table, offers its columns once the header is known,
builds the same request model as the JSON API and shows the engine's tables and plots.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from opencmc.platform.errors import InvalidInput
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.validation_report import render_html
from opencmc.science.stats import validation
from opencmc.web.api import quality_stats as qs
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

SPC_FIELDS = (
    "type",
    "value",
    "subgroup",
    "subgroup_size",
    "size",
    "sample_size",
    "label",
    "rules",
    "phase1",
    "exclude",
    "reason",
    "lam",
    "L",
    "k",
    "h",
    "target",
    "sigma",
)
SPC_DEFAULTS = {"type": "imr", "rules": "nelson", "lam": "0.2", "L": "3", "k": "0.5", "h": "5"}
CAPABILITY_FIELDS = ("value", "subgroup", "lsl", "usl", "target", "within", "method", "confidence")
CAPABILITY_DEFAULTS = {"method": "auto", "confidence": "0.95"}
VALIDATION_FIELDS = (
    "characteristic",
    "concentration",
    "response",
    "target",
    "nominal",
    "measured",
    "level",
    "recovery_limits",
    "value",
    "factor",
    "inner",
    "method",
    "ci",
    "sigma",
    "signal",
    "noise",
    "at",
    "confidence",
    "r_min",
    "rsd_max",
    "loq_max",
    "analyte",
)
VALIDATION_DEFAULTS = {
    "characteristic": "linearity",
    "method": "auto",
    "ci": "mls",
    "sigma": "residual",
    "confidence": "0.95",
}
COMPARABILITY_FIELDS = (
    "group",
    "pre",
    "post",
    "margin",
    "margin_sd",
    "alpha",
    "k",
    "coverage",
    "confidence",
)
COMPARABILITY_DEFAULTS = {
    "margin_sd": "1.5",
    "alpha": "0.05",
    "k": "3",
    "coverage": "0.99",
    "confidence": "0.95",
}
COMPARABILITY_METHODS = ("tost", "quality_range", "min_max", "tolerance")


def figure_svg(figure: Any) -> str:
    """A matplotlib figure as an inline SVG element (no XML prolog), the figure closed."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def _model(model: type[BaseModel], fields: dict[str, Any]) -> Any:
    """The API's request model from form values, its complaints as InvalidInput."""
    try:
        return model(**{k: v for k, v in fields.items() if v not in ("", None, [])})
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "form"
        raise InvalidInput(f"{where}: {problem['msg']}", field=where) from None


def _pair(text: str, name: str) -> list[float] | None:
    """ "98, 102" as two numbers, or None when empty."""
    if not text:
        return None
    parts = [p for p in text.replace(";", ",").split(",") if p.strip()]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        numbers = []
    if len(numbers) != 2:
        raise InvalidInput(f"{name}: give two numbers like 98, 102; got {text!r}", field=name)
    return numbers


def _number(text: str, name: str) -> float | None:
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{name}: {text!r} is not a number", field=name) from None


async def _read(
    request: Request, fields: tuple[str, ...], context: dict[str, Any]
) -> tuple[FormData, dict[str, str]]:
    """The form and its text fields; ``context`` gets the values, the data and its columns."""
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in fields}
    context.update(values=values, data="", source="")
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        frame = read_table(await upload.read(), upload.filename)
        context.update(data=frame.to_csv(index=False), source=upload.filename)
    else:
        context.update(data=str(form.get("data", "")), source="pasted data")
    frame = read_table(context["data"].encode("utf-8"), context["source"], field="data")
    context["columns"] = list(frame.columns)
    context["numeric"] = [c for c in frame.columns if frame[c].dtype.kind in "iuf"]
    return form, values


def _failed(request: Request, template: str, context: dict[str, Any], error: Exception) -> Response:
    context["error"] = getattr(error, "message", str(error))
    return render(request, template, context, status_code=422)


# --- control charts -------------------------------------------------------------------------


def _chart_request(values: dict[str, str], data: str) -> qs.ChartRequest:
    exclude: list[int] | None = None
    if values["exclude"]:
        try:
            exclude = [int(p) for p in values["exclude"].replace(";", ",").split(",") if p.strip()]
        except ValueError:
            raise InvalidInput(
                f"exclude: give point numbers like 3, 7; got {values['exclude']!r}", field="exclude"
            ) from None
    return _model(qs.ChartRequest, {**values, "csv": data, "exclude": exclude})


def _chart_view(chart: Any, phase: str) -> dict[str, Any]:
    """What the page shows of one chart: its limits, signals and out-of-control labels."""
    panels = [chart] + ([chart.dispersion] if chart.dispersion is not None else [])
    labels = list(chart.labels)
    return {
        "phase": phase,
        "chart": chart,
        "panels": [qs.plain(p.to_dict(points=False)) for p in panels],
        "signals": [qs.plain(s.to_dict()) for p in panels for s in p.signals],
        "out_of_control": [qs.plain(labels[i]) for i in chart.out_of_control],
        "svg": figure_svg(chart.plot()),
        "points": chart_points(chart),
    }


MAX_INTERACTIVE_POINTS = 5000


def _line(value: Any, n: int) -> list[float | None]:
    if value is None:
        return [None] * n
    values = np.broadcast_to(np.asarray(value, dtype=float), (n,))
    return [None if not np.isfinite(v) else float(v) for v in values]


def chart_points(chart: Any) -> dict[str, Any] | None:
    """The main panel as plain lists for the interactive chart (none for huge series: the
    static plot stays)."""
    n = len(chart.values)
    if n > MAX_INTERACTIVE_POINTS:
        return None
    flagged = {p for signal in chart.signals for p in signal.points}
    return {
        "title": chart.chart,
        "labels": [str(label) for label in chart.labels],
        "values": [None if not np.isfinite(v) else float(v) for v in chart.values],
        "center": _line(chart.center, n),
        "lcl": _line(chart.lcl, n),
        "ucl": _line(chart.ucl, n),
        "excluded": [bool(x) for x in np.asarray(chart.excluded, dtype=bool)],
        "signals": sorted(flagged),
    }


@router.get("/spc")
def spc_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "tools/spc.html", {"values": dict(SPC_DEFAULTS), "columns": []})


@router.post("/spc")
async def spc_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    context: dict[str, Any] = {"values": dict(SPC_DEFAULTS), "columns": []}
    try:
        _form, values = await _read(request, SPC_FIELDS, context)
        first, second = _chart_request(values, context["data"]).run()
    except InvalidInput as error:
        return _failed(request, "tools/spc.html", context, error)
    charts = [_chart_view(first, "I" if second else "")]
    if second is not None:
        charts.append(_chart_view(second, "II"))
    context["charts"] = charts
    return render(request, "tools/spc.html", context)


# --- capability -----------------------------------------------------------------------------


@router.get("/capability")
def capability_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    context = {"values": dict(CAPABILITY_DEFAULTS), "columns": []}
    return render(request, "tools/capability.html", context)


@router.post("/capability")
async def capability_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    context: dict[str, Any] = {"values": dict(CAPABILITY_DEFAULTS), "columns": []}
    try:
        _form, values = await _read(request, CAPABILITY_FIELDS, context)
        result = _model(qs.CapabilityRequest, {**values, "csv": context["data"]}).run()
    except InvalidInput as error:
        return _failed(request, "tools/capability.html", context, error)
    context.update(result=result, report=qs.plain(result.to_dict()), svg=figure_svg(result.plot()))
    return render(request, "tools/capability.html", context)


# --- method validation ----------------------------------------------------------------------


def _validation_report(values: dict[str, str], data: str) -> Any:
    """A report request for the chosen characteristic, with the criteria given on the page."""
    kind = values["characteristic"]
    limits = _pair(values["recovery_limits"], "recovery_limits")
    common = {"csv": data, "confidence": values["confidence"]}
    part: dict[str, Any]
    if kind == "linearity":
        part = {
            "linearity": _model(
                qs.LinearityRequest,
                {
                    **common,
                    "target": values["target"],
                    "concentration": values["concentration"],
                    "response": values["response"],
                },
            )
        }
    elif kind == "accuracy":
        part = {
            "accuracy": _model(
                qs.AccuracyRequest,
                {
                    **common,
                    "limits": limits,
                    "nominal": values["nominal"],
                    "measured": values["measured"],
                    "level": values["level"],
                },
            )
        }
    elif kind == "precision":
        factors = [f for f in (values["factor"], values["inner"]) if f]
        part = {
            "precision": _model(
                qs.PrecisionRequest,
                {
                    **common,
                    "value": values["value"],
                    "factors": factors,
                    "method": values["method"],
                    "ci": values["ci"],
                },
            )
        }
    elif kind == "lod":
        part = {
            "lod": _model(
                qs.LodRequest,
                {
                    "csv": data,
                    "sigma": values["sigma"],
                    "concentration": values["concentration"],
                    "response": values["response"],
                },
            )
        }
    else:
        raise InvalidInput(
            f"characteristic: {kind!r} is not one of linearity, accuracy, precision, lod",
            field="characteristic",
        )
    criteria = {
        "linearity_r_min": _number(values["r_min"], "r_min"),
        "recovery_limits": limits,
        "repeatability_rsd_max": _number(values["rsd_max"], "rsd_max"),
        "intermediate_rsd_max": _number(values["rsd_max"], "rsd_max"),
        "loq_max": _number(values["loq_max"], "loq_max"),
    }
    return _model(qs.ReportRequest, {**part, "analyte": values["analyte"], "criteria": criteria})


@router.get("/validation")
def validation_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    context = {"values": dict(VALIDATION_DEFAULTS), "columns": []}
    return render(request, "tools/validation.html", context)


@router.post("/validation")
async def validation_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    context: dict[str, Any] = {"values": dict(VALIDATION_DEFAULTS), "columns": []}
    try:
        _form, values = await _read(request, VALIDATION_FIELDS, context)
        report = _validation_report(values, context["data"]).run()
    except InvalidInput as error:
        return _failed(request, "tools/validation.html", context, error)
    part = next(
        p
        for p in ("linearity", "accuracy", "repeatability", "intermediate", "limits")
        if getattr(report, p) is not None
    )
    result = getattr(report, part)
    svg = figure_svg(result.plot()) if isinstance(result, validation.LinearityResult) else None
    context.update(report=report, result=result, part=part, svg=svg)
    return render(request, "tools/validation.html", context)


async def _page_report(request: Request) -> Any:
    """The validation report of the analysis the page's hidden fields describe."""
    context: dict[str, Any] = {}
    _form, values = await _read(request, VALIDATION_FIELDS, context)
    return _validation_report(values, context["data"]).run()


@router.post("/validation/report.pdf")
async def validation_pdf(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """The validation report as a PDF download."""
    return Response(
        qs.report_pdf(await _page_report(request)),
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="validation-report.pdf"'},
    )


@router.post("/validation/report.html")
async def validation_html(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """The validation report as one self-contained HTML page."""
    return Response(render_html(await _page_report(request)), media_type="text/html; charset=utf-8")


# --- comparability --------------------------------------------------------------------------


@router.get("/comparability")
def comparability_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    context = {
        "values": dict(COMPARABILITY_DEFAULTS),
        "columns": [],
        "attributes": [],
        "methods": ["tost", "quality_range", "tolerance"],
    }
    return render(request, "tools/comparability.html", context)


@router.post("/comparability")
async def comparability_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    context: dict[str, Any] = {"values": dict(COMPARABILITY_DEFAULTS), "columns": []}
    try:
        form, values = await _read(request, COMPARABILITY_FIELDS, context)
        attributes = [str(a) for a in form.getlist("attributes")]
        methods = [str(m) for m in form.getlist("methods")] or [
            "tost",
            "quality_range",
            "tolerance",
        ]
        context.update(attributes=attributes, methods=methods)
        summary = _model(
            qs.ComparabilityRequest,
            {
                **values,
                "csv": context["data"],
                "attributes": attributes,
                "methods": methods,
                "margin": _number(values["margin"], "margin"),
            },
        ).run()
    except InvalidInput as error:
        context.setdefault("attributes", [])
        context.setdefault("methods", [])
        return _failed(request, "tools/comparability.html", context, error)
    table = summary.table()
    context.update(
        summary=summary,
        header=list(table.columns),
        rows=[[qs.plain(v) for v in row] for row in table.itertuples(index=False)],
        plot_data=summary.to_plot_data(),
        svg=figure_svg(summary.plot()) if summary.to_plot_data()["attributes"] else None,
    )
    return render(request, "tools/comparability.html", context)
