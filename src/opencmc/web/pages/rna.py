"""RNA design pages: paste a protein for mRNA designs, or a transcript for siRNA and ASOs."""

from __future__ import annotations

import math
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from opencmc.jobs import design_jobs
from opencmc.jobs.runner import get_job
from opencmc.platform.errors import InvalidInput, NotFound
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import mrna
from opencmc.science.design.codons import HOSTS
from opencmc.science.design.mrna_design import Design
from opencmc.science.design.sequences import clean_nucleotides
from opencmc.web.api.rna import (
    AsoRequest,
    OptimiseRequest,
    SirnaRequest,
    run_engine,
    sequence_text,
    submit_design_job,
)
from opencmc.web.auth import CurrentPageUow
from opencmc.web.state import app_state
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

# Longer proteins (and any, when the form asks) are designed in a background job: the
# default front takes about 25 s for 200 aa, and minutes for a few hundred more.
INLINE_PROTEIN = 50

_MRNA_DEFAULTS = {"sequence": "", "sequence_type": "auto", "host": "human", "cai_weight": "3",
                  "min_cai": "", "weights": "", "gc_min": "0.30", "gc_max": "0.70",
                  "gc_window": "50", "max_homopolymer": "5", "avoid": "", "avoid_sites": "",
                  "uridine_depletion": "", "utr5": "", "utr3": "", "poly_a": "0",
                  "sweeps": "4", "background": ""}  # fmt: skip
_SIRNA_DEFAULTS = {"target": "", "kind": "sirna", "length": "19", "overhang": "UU",
                   "transcripts": "", "region": "", "only_passing": "", "lengths": "16-20",
                   "wings": "auto", "top": "50"}  # fmt: skip


def _number(values: dict[str, str], name: str, kind: type = float) -> Any:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise InvalidInput(f"{name}: {raw!r} is not a number", field=name) from None


def _words(raw: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", raw) if w]


def _span(raw: str, name: str) -> tuple[int, int] | None:
    raw = raw.strip()
    if not raw:
        return None
    parts = re.split(r"\s*(?:-|:|\.\.)\s*", raw)
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise InvalidInput(f"{name}: give START-END (1-based, inclusive), not {raw!r}", field=name)
    return int(parts[0]), int(parts[1])


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    """The form's values without the blanks, so the model's defaults apply to them."""
    return {
        k: _drop_none(v) if isinstance(v, dict) else v for k, v in data.items() if v is not None
    }


def _validated(model: type, data: dict[str, Any]) -> Any:
    """The request model built from form data; its complaints become one readable message."""
    try:
        return model(**_drop_none(data))
    except ValidationError as error:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'form'}: {e['msg']}" for e in error.errors()
        ]
        raise InvalidInput("; ".join(problems)) from None


def _optimise_request(values: dict[str, str]) -> OptimiseRequest:
    weights = _words(values["weights"])
    try:
        weight_values = [float(w) for w in weights] if weights else None
    except ValueError:
        raise InvalidInput("weights: give numbers separated by commas", field="weights") from None
    return _validated(
        OptimiseRequest,
        {
            "protein": values["sequence"],
            "sequence_type": values["sequence_type"] or "auto",
            "host": values["host"] or "human",
            "cai_weight": _number(values, "cai_weight"),
            "min_cai": _number(values, "min_cai"),
            "weights": weight_values,
            "constraints": {
                "gc_min": _number(values, "gc_min"),
                "gc_max": _number(values, "gc_max"),
                "gc_window": _number(values, "gc_window", int),
                "max_homopolymer": _number(values, "max_homopolymer", int),
                "avoid": _words(values["avoid"]),
                "avoid_sites": _words(values["avoid_sites"]),
                "uridine_depletion": bool(values["uridine_depletion"]),
            },
            "utr5": re.sub(r"\s", "", values["utr5"]),
            "utr3": re.sub(r"\s", "", values["utr3"]),
            "poly_a": _number(values, "poly_a", int),
            "sweeps": _number(values, "sweeps", int),
        },
    )


def front_svg(front: list[Design], chosen: Design, width: int = 420, height: int = 260) -> str:
    """The front as a scatter of coding-sequence MFE against CAI (an inline SVG)."""
    points = [d for d in front if d.mfe is not None]
    if not points:
        return ""
    pad = 40
    cais = [d.cai for d in points]
    mfes = [float(d.mfe or 0.0) for d in points]
    c0, c1 = min(cais), max(cais)
    m0, m1 = min(mfes), max(mfes)
    c1, m1 = (c1 if c1 > c0 else c0 + 0.01), (m1 if m1 > m0 else m0 + 1.0)

    def x(c: float) -> float:
        return pad + (c - c0) / (c1 - c0) * (width - 2 * pad)

    def y(m: float) -> float:
        return pad / 2 + (m - m0) / (m1 - m0) * (height - 1.5 * pad)

    dots = "".join(
        f'<circle cx="{x(d.cai):.1f}" cy="{y(float(d.mfe or 0.0)):.1f}" '
        f'r="{6 if d is chosen else 4}" class="{"chosen" if d is chosen else "design"}">'
        f"<title>{d.label}: CAI {d.cai:.3f}, MFE {d.mfe:.1f}</title></circle>"
        for d in points
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="CAI against MFE">'
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad / 2}" y2="{height - pad}" '
        f'stroke="currentColor"/><line x1="{pad}" y1="{pad / 2}" x2="{pad}" y2="{height - pad}" '
        f'stroke="currentColor"/>'
        f'<text x="{width / 2}" y="{height - 8}" text-anchor="middle">CAI '
        f"{c0:.3f}–{c1:.3f}</text>"
        f'<text x="12" y="{height / 2}" transform="rotate(-90 12 {height / 2})" '
        f'text-anchor="middle">MFE {m0:.0f}–{m1:.0f} kcal/mol</text>{dots}</svg>'
    )


@router.get("/mrna")
def mrna_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "tools/mrna.html", {"values": dict(_MRNA_DEFAULTS), "hosts": HOSTS})


@router.post("/mrna")
async def mrna_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, d)).strip() for name, d in _MRNA_DEFAULTS.items()}
    context: dict[str, Any] = {"values": values, "hosts": HOSTS}
    try:
        body = _optimise_request(values)
        protein = sequence_text(body.protein, "protein")
        residues = run_engine(
            lambda: design_jobs.read_residues(protein, body.sequence_type), "protein"
        )
        if values["background"] or len(residues) > INLINE_PROTEIN:
            job = submit_design_job(request, uow, body)
            return RedirectResponse(f"/tools/mrna/jobs/{job.id}", status_code=303)
        result = body.run()
        metrics = run_engine(
            lambda: mrna.profile(
                result.chosen.sequence,
                body.host,
                utr5=body.utr5,
                utr3=body.utr3,
                poly_a=body.poly_a,
            ),
            "sequence",
        )
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "tools/mrna.html", context, status_code=422)
    context.update(_result_context(result, metrics))
    return render(request, "tools/mrna.html", context)


def _result_context(result: mrna.MrnaDesignResult, metrics: mrna.MrnaProfile) -> dict[str, Any]:
    return {
        "result": result,
        "chosen": result.chosen,
        "metrics": metrics,
        "front_svg": front_svg(result.front, result.chosen),
        "is_inf": math.isinf,
    }


_JOB_FIELDS = ("sequence_type", "host", "cai_weight", "min_cai", "utr5", "utr3", "poly_a", "sweeps")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _form_values(params: dict[str, Any]) -> dict[str, str]:
    """The form as it was filled in for a job (from the job's parameters)."""
    c = params.get("constraints") or {}
    values = dict(_MRNA_DEFAULTS, background="1")
    for key in _JOB_FIELDS:
        values[key] = _text(params.get(key, values[key]))
    for key in ("gc_min", "gc_max", "gc_window", "max_homopolymer"):
        values[key] = _text(c.get(key, values[key]))
    values.update(
        sequence=str(params.get("protein", "")),
        weights=", ".join(_text(w) for w in params.get("weights") or []),
        avoid=", ".join(c.get("avoid") or []),
        avoid_sites=", ".join(c.get("avoid_sites") or []),
        uridine_depletion="1" if c.get("uridine_depletion") else "",
    )
    return values


@router.get("/mrna/jobs/{job_id}")
def mrna_job(request: Request, job_id: int, uow: UnitOfWork = CurrentPageUow) -> Response:
    """A design job of the caller's organisation: its progress while it runs (the page
    polls itself), then the same result the form shows."""
    job = get_job(uow.session, job_id)
    if job.kind != design_jobs.KIND:
        raise NotFound(f"no mRNA design job {job_id}")
    params = dict(job.params)
    context: dict[str, Any] = {"values": _form_values(params), "hosts": HOSTS, "job": job}
    if job.status == "succeeded" and job.result:
        context.update(
            _result_context(
                design_jobs.result_from_dict(job.result),
                design_jobs.profile_from_dict(job.result["profile"]),
            )
        )
    context["steps"] = design_jobs.job_steps(params)
    context["cancelling"] = app_state(request).runner.is_cancelling(job)
    return render(request, "tools/mrna.html", context)


@router.post("/mrna/fasta")
async def mrna_fasta(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """A sequence from the page as a FASTA file (lines of 60 nt)."""
    form = await request.form()
    name = re.sub(r"[^\w.|: -]", "_", str(form.get("name", "design")).strip()) or "design"
    sequence = run_engine(lambda: clean_nucleotides(str(form.get("sequence", ""))), "sequence")
    body = f">{name}\n" + "\n".join(sequence[i : i + 60] for i in range(0, len(sequence), 60))
    filename = re.sub(r"[^\w.-]", "_", name)[:60] + ".fasta"
    return Response(
        body + "\n",
        media_type="text/x-fasta",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


def _target_request(values: dict[str, str]) -> SirnaRequest | AsoRequest:
    region = _span(values["region"], "region")
    top = _number(values, "top", int)
    if values["kind"] == "aso":
        lengths: list[int] = []
        for word in _words(values["lengths"]):
            span = _span(word, "lengths") if "-" in word else None
            if span:
                lengths.extend(range(span[0], span[1] + 1))
            elif word.isdigit():
                lengths.append(int(word))
            else:
                raise InvalidInput(f"lengths: {word!r} is not a length", field="lengths")
        wings: Any = values["wings"] or "auto"
        if wings != "auto":
            wings = _span(wings, "wings")
        return _validated(
            AsoRequest,
            {"target": values["target"], "region": region, "lengths": lengths or None,
             "wings": wings, "top": top},
        )  # fmt: skip
    return _validated(
        SirnaRequest,
        {"target": values["target"], "length": _number(values, "length", int),
         "overhang": values["overhang"], "transcripts": values["transcripts"] or None,
         "region": region, "only_passing": bool(values["only_passing"]), "top": top},
    )  # fmt: skip


@router.get("/sirna")
def sirna_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "tools/sirna.html", {"values": dict(_SIRNA_DEFAULTS)})


@router.post("/sirna")
async def sirna_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, d)).strip() for name, d in _SIRNA_DEFAULTS.items()}
    if values["kind"] not in ("sirna", "aso"):
        values["kind"] = "sirna"
    context: dict[str, Any] = {"values": values}
    try:
        body = _target_request(values)
        result = body.run()
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "tools/sirna.html", context, status_code=422)
    context.update(result=result, candidates=result.candidates[: body.top], kind=values["kind"])
    return render(request, "tools/sirna.html", context)
