"""Design-of-experiments pages: plan a design and download its run sheet, then analyse results.

The forms are turned into the JSON API's request models (:mod:`opencmc.web.api.doe`), so
the page and the API run the same code and give the same numbers.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from opencmc.platform.errors import InvalidInput
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.science.stats import StatsInputError, doe
from opencmc.web.api.doe import (
    XLSX,
    AnalyzeRequest,
    DesignRequest,
    DesignSpaceRequest,
    EvaluateRequest,
    OptimizeRequest,
    design_report,
)
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

FACTOR_KINDS = ("continuous", "discrete", "categorical", "mixture")
_FACTOR_COLUMNS = ("name", "units", "low", "high", "kind", "levels")
_OPTIONS = ("levels", "resolution", "runs", "centre_points", "replicates", "blocks", "degree")
_CHOICES = ("face", "axial_distance", "criterion")
_DESIGN_DEFAULTS = {"design": "full", "responses": "response", "compare_model": "linear",
                    "effect_size": "2", "sigma": "1"}  # fmt: skip
_MODELS = ("linear", "interaction", "quadratic", "full")


def _svg(figure: Any) -> str:
    """A matplotlib figure as inline SVG (no XML prolog, so it can sit inside HTML)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    """The request model, or one InvalidInput naming the form field that is wrong."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(p) for p in first["loc"]]
        if len(loc) >= 2 and loc[0] == "factors" and loc[1].isdigit():
            loc = [f"factor row {int(loc[1]) + 1}", *loc[2:]]
        # pydantic adds the union member tried (float, list[str], ...) to the location
        where = " ".join(p for p in loc if "[" not in p and p not in ("float", "int", "str"))
        message = str(first["msg"]).removeprefix("Value error, ")
        raise InvalidInput(f"{where}: {message}" if where else message) from None


def _number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def _terms(text: str) -> str | list[str] | None:
    """A model name (``quadratic``) or a comma-separated list of terms (``A, B, A:B``)."""
    text = text.strip()
    if not text:
        return None
    if "," in text or ":" in text:
        return [t.strip() for t in text.split(",") if t.strip()]
    return text


# --- planning a design --------------------------------------------------------------------


def _factor_rows(form: FormData) -> list[dict[str, str]]:
    columns = {c: [str(v) for v in form.getlist(f"factor_{c}")] for c in _FACTOR_COLUMNS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = [
        {c: (columns[c][i].strip() if i < len(columns[c]) else "") for c in _FACTOR_COLUMNS}
        for i in range(count)
    ]
    return [r for r in rows if any(r[c] for c in ("name", "units", "low", "high", "levels"))]


def _factors_json(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item: dict[str, Any] = {"name": row["name"], "units": row["units"]}
        item["kind"] = row["kind"] or "continuous"
        for side in ("low", "high"):
            if row[side]:
                item[side] = _number(row[side])
        if row["levels"]:
            item["levels"] = [_number(v.strip()) for v in row["levels"].split(",") if v.strip()]
        out.append(item)
    return out


def _design_values(form: FormData) -> dict[str, str]:
    names = ("design", "generators", "model", "constraints", "seed", "responses",
             "compare_model", "effect_size", "sigma", *_OPTIONS, *_CHOICES)  # fmt: skip
    values = {n: str(form.get(n, "")).strip() for n in names}
    values["randomize"] = "on" if form.get("randomize") else ""
    return values


def _design_request(rows: list[dict[str, str]], values: dict[str, str]) -> DesignRequest:
    data: dict[str, Any] = {"design": values["design"], "factors": _factors_json(rows)}
    if not rows:
        raise InvalidInput("define at least one factor (a row with a name)", field="factor_name")
    for name in _OPTIONS:
        if values[name]:
            data[name] = values[name]
    for name in _CHOICES:
        if values[name]:
            data[name] = _number(values[name]) if name == "axial_distance" else values[name]
    if values["generators"]:
        data["generators"] = [g.strip() for g in values["generators"].split(",") if g.strip()]
    if values["model"]:
        data["model"] = _terms(values["model"])
    data["constraints"] = [c.strip() for c in values["constraints"].splitlines() if c.strip()]
    data["randomize"] = bool(values["randomize"])
    if values["seed"]:
        data["seed"] = values["seed"]
    data["responses"] = [r.strip() for r in values["responses"].split(",") if r.strip()] or [
        "response"
    ]
    return _validated(DesignRequest, data)


def _evaluate_request(
    rows: list[dict[str, str]], values: dict[str, str], kinds: list[str]
) -> EvaluateRequest:
    if not kinds:
        raise InvalidInput("tick at least one candidate design to compare", field="compare")
    candidates: list[dict[str, Any]] = []
    for kind in kinds:
        item: dict[str, Any] = {"design": kind}
        # a fraction needs a size: the resolution asked for above, else resolution IV
        if kind == "fractional":
            item["resolution"] = values["resolution"] or 4
        candidates.append(item)
    data = {
        "factors": _factors_json(rows),
        "constraints": [c.strip() for c in values["constraints"].splitlines() if c.strip()],
        "candidates": candidates,
        "model": None if values["compare_model"] == "own" else values["compare_model"] or None,
        "effect_size": values["effect_size"] or 2.0,
        "sigma": values["sigma"] or 1.0,
    }
    return _validated(EvaluateRequest, data)


def _design_context(
    rows: list[dict[str, str]], values: dict[str, str], kinds: list[str], extra_rows: int = 2
) -> dict[str, Any]:
    blank = {c: "" for c in _FACTOR_COLUMNS} | {"kind": "continuous"}
    return {
        "rows": rows + [dict(blank) for _ in range(extra_rows if rows else 3)],
        "values": values,
        "compare": kinds,
        "kinds": doe.DESIGN_KINDS,
        "factor_kinds": FACTOR_KINDS,
        "models": _MODELS,
    }


@router.get("/doe")
def doe_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    values = {**_design_values(FormData()), **_DESIGN_DEFAULTS, "randomize": "on"}
    context = _design_context([], values, ["full", "fractional", "pb", "dsd", "ccd", "bbd"])
    return render(request, "tools/doe.html", context)


@router.post("/doe")
async def doe_plan(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    rows, values = _factor_rows(form), _design_values(form)
    kinds = [str(k) for k in form.getlist("compare")]
    action = str(form.get("action", "design"))
    context = _design_context(rows, values, kinds, extra_rows=4 if action == "rows" else 2)
    if action == "rows":
        return render(request, "tools/doe.html", context)
    try:
        if action == "compare":
            candidates = _evaluate_request(rows, values, kinds).run()
            built = [c.evaluation for c in candidates if c.evaluation is not None]
            context["candidates"] = candidates
            context["fds_svg"] = _svg(built[0].fds_plot(others=built[1:])) if built else None
        else:
            body = _design_request(rows, values)
            design = body.build()
            # the seed drawn for this run order goes back into the form, so that the
            # run sheet downloaded next has the same order as the one shown
            values["seed"] = str(design.info.get("seed") or "")
            context["design"] = design
            context["report"] = design_report(design, body.responses)
    except (InvalidInput, StatsInputError) as error:
        context["error"] = getattr(error, "message", str(error))
        return render(request, "tools/doe.html", context, status_code=422)
    return render(request, "tools/doe.html", context)


async def _runsheet(request: Request) -> tuple[doe.Design, list[str]]:
    form = await request.form()
    body = _design_request(_factor_rows(form), _design_values(form))
    return body.build(), body.responses


def _attachment(content: bytes, media_type: str, filename: str) -> Response:
    disposition = f'attachment; filename="{filename}"'
    return Response(content, media_type=media_type, headers={"content-disposition": disposition})


@router.post("/doe/runsheet.csv")
async def doe_runsheet_csv(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    design, responses = await _runsheet(request)
    csv = design.run_sheet(responses).to_csv(index=False).encode("utf-8")
    return _attachment(csv, "text/csv", "runsheet.csv")


@router.post("/doe/runsheet.xlsx")
async def doe_runsheet_xlsx(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    design, responses = await _runsheet(request)
    return _attachment(design.xlsx_bytes(responses), XLSX, "runsheet.xlsx")


# --- analysing the results ----------------------------------------------------------------

_ANALYSIS_FIELDS = ("factors", "model", "terms", "alpha", "ds_x", "ds_y", "probability",
                    "surface_x", "surface_y")  # fmt: skip
_SURFACE_GRID = 25  # points a side of the mesh behind the 3-D view
_PER_RESPONSE = ("goal", "goal_lower", "goal_target", "goal_upper", "spec_lower", "spec_upper")


async def _run_sheet_text(form: FormData) -> tuple[str, str]:
    """The CSV text, from the uploaded file if there is one, else from the pasted text."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        frame = read_table(await upload.read(), upload.filename)
        return frame.to_csv(index=False), upload.filename
    return str(form.get("data", "")), "pasted data"


def _analysis_values(form: FormData, responses: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {n: str(form.get(n, "")).strip() for n in _ANALYSIS_FIELDS}
    values["reduce"] = "on" if form.get("reduce") else ""
    values["per"] = {
        r: {n: str(form.get(f"{n}:{r}", "")).strip() for n in _PER_RESPONSE} for r in responses
    }
    values["hold"] = {k[5:]: str(v).strip() for k, v in form.multi_items() if k[:5] == "hold:"}
    return values


def _held(f: Any, raw: str) -> Any:
    """The level a factor is held at on the response surface: centre, or as typed."""
    if f.kind == "categorical":
        level = next((lv for lv in f.levels if str(lv) == raw), None) if raw else f.levels[0]
        levels = "one of the levels " + ", ".join(map(str, f.levels))
    else:
        level = _number(raw) if raw else float(f.to_actual([0.0])[0])
        level, levels = (None, "a number") if isinstance(level, str) else (level, "")
    if level is None:
        raise InvalidInput(f"hold:{f.name}: {raw!r} is not {levels}", field=f"hold:{f.name}")
    return level


def _surface(fit: Any, values: dict[str, Any]) -> dict[str, Any] | None:
    """The fitted response over two numeric factors, the others held: a contour plot (SVG)
    and the mesh the 3-D view draws. None with fewer than two numeric factors."""
    by_name = {f.name: f for f in fit.factors}
    names = [f.name for f in fit.factors if f.kind in ("continuous", "discrete")]
    if len(names) < 2:
        return None
    x = values["surface_x"] = values["surface_x"] or names[0]
    y = values["surface_y"] = values["surface_y"] or next(n for n in names if n != x)
    for axis, name in (("surface_x", x), ("surface_y", y)):
        if name not in names or (axis == "surface_y" and name == x):
            raise InvalidInput(f"{axis}: choose two different numeric factors of "
                               f"{', '.join(names)}, not {name!r}", field=axis)  # fmt: skip
    hold = {n: _held(f, values["hold"].get(n, "")) for n, f in by_name.items() if n not in (x, y)}
    values["hold"].update(hold)
    axes = [by_name[n].to_actual(np.linspace(-1, 1, _SURFACE_GRID) * fit.coding[n]["limit"])
            for n in (x, y)]  # fmt: skip
    gx, gy = np.meshgrid(*axes)
    points = {x: gx.ravel(), y: gy.ravel(), **{k: [v] * gx.size for k, v in hold.items()}}
    z = fit.predict(points)["predicted"].to_numpy().reshape(gx.shape)
    data: dict[str, Any] = {"response": fit.response, "hold": hold, "z": z.tolist()}
    for key, name, grid in (("x", x, axes[0]), ("y", y, axes[1])):
        data[key] = {"name": name, "label": by_name[name].label, "values": grid.tolist()}
    return {"data": data, "contour_svg": _svg(fit.contour_plot(x, y, hold=hold))}


def _common(csv_text: str, values: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {"csv": csv_text, "reduce": bool(values["reduce"])}
    if values["factors"]:
        data["factors"] = [f.strip() for f in values["factors"].split(",") if f.strip()]
    model = _terms(values["terms"]) or (values["model"] or None)
    if model:
        data["model"] = model
    if values["alpha"]:
        data["alpha"] = values["alpha"]
    return data


def _optional(value: str) -> float | None:
    return float(value) if value else None


def _goals(values: dict[str, Any]) -> list[dict[str, Any]]:
    goals = []
    for response, per in values["per"].items():
        if not per["goal"]:
            continue
        goal: dict[str, Any] = {"response": response, "goal": per["goal"]}
        for side in ("lower", "target", "upper"):
            if per[f"goal_{side}"]:
                goal[side] = per[f"goal_{side}"]
        goals.append(goal)
    return goals


def _specifications(values: dict[str, Any]) -> list[dict[str, Any]]:
    specs = []
    for response, per in values["per"].items():
        if per["spec_lower"] or per["spec_upper"]:
            spec: dict[str, Any] = {"response": response}
            if per["spec_lower"]:
                spec["lower"] = per["spec_lower"]
            if per["spec_upper"]:
                spec["upper"] = per["spec_upper"]
            specs.append(spec)
    return specs


def _analyses(csv_text: str, responses: list[str], values: dict[str, Any]) -> dict[str, Any]:
    """Each response's analysis with its plots, then the optimum and the design space."""
    if not responses:
        raise InvalidInput("pick at least one response column", field="response")
    common = _common(csv_text, values)
    body = _validated(AnalyzeRequest, {**common, "response": responses[0],
                                       "other_responses": responses[1:]})  # fmt: skip
    fits = body.fit(responses)
    out: dict[str, Any] = {"fits": fits, "plots": {}}
    for name, fit in fits.items():
        plots = {"residuals": _svg(fit.residual_plot())}
        if len(fit.effects) >= 2:
            plots["half_normal"] = _svg(fit.half_normal_plot())
        out["plots"][name] = plots
        try:
            plots["surface"] = _surface(fit, values)
        except (InvalidInput, StatsInputError) as error:  # e.g. a level far outside the range
            out["surface_error"] = getattr(error, "message", str(error))
    goals, specs = _goals(values), _specifications(values)
    if goals:
        try:
            request = _validated(OptimizeRequest, {**common, "goals": goals})
            out["optimum"] = request.run()
        except (InvalidInput, StatsInputError) as error:
            out["optimum_error"] = getattr(error, "message", str(error))
    if specs:
        numeric = [f.name for f in next(iter(fits.values())).factors if f.kind != "categorical"]
        # the map is drawn on the first two numeric factors unless the user chose others
        values["ds_x"] = values["ds_x"] or (numeric[0] if numeric else "")
        values["ds_y"] = values["ds_y"] or next((n for n in numeric if n != values["ds_x"]), "")
        try:
            space = _validated(DesignSpaceRequest, {**common, "specifications": specs,
                               "x": values["ds_x"], "y": values["ds_y"],
                               "probability": values["probability"] or 0.9})  # fmt: skip
            out["space"] = space.run()
            out["space_svg"] = _svg(out["space"].plot())
        except (InvalidInput, StatsInputError) as error:
            out["space_error"] = getattr(error, "message", str(error))
    return out


def _responses(form: FormData) -> list[str]:
    picked = [p.strip() for v in form.getlist("response") for p in str(v).split(",")]
    return list(dict.fromkeys(p for p in picked if p))


@router.get("/doe/analyze")
def doe_analyze_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    values = _analysis_values(FormData(), [])
    context = {"values": values, "columns": [], "responses": [], "models": _MODELS}
    return render(request, "tools/doe_analyze.html", context)


@router.post("/doe/analyze")
async def doe_analyze_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    responses = _responses(form)
    values = _analysis_values(form, responses)
    context: dict[str, Any] = {"values": values, "columns": [], "responses": responses,
                               "models": _MODELS, "data": ""}  # fmt: skip
    try:
        csv_text, source = await _run_sheet_text(form)
        context.update(data=csv_text, source=source)
        table: pd.DataFrame = read_table(csv_text.encode("utf-8"), source, field="data")
        context["columns"] = [str(c) for c in table.columns]
        context["factor_names"] = doe.factor_columns(table, responses)
        context.update(_analyses(csv_text, responses, values))
        context["factor_names"] = [f.name for f in next(iter(context["fits"].values())).factors]
    except (InvalidInput, StatsInputError) as error:
        context["error"] = getattr(error, "message", str(error))
        return render(request, "tools/doe_analyze.html", context, status_code=422)
    return render(request, "tools/doe_analyze.html", context)
