"""The regulatory calculators page: Q3A/Q3B thresholds, M7 limits, stability coverage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from opencmc.i18n import gettext_noop
from opencmc.knowledge import calculators
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")


def _number(form: dict[str, str], name: str) -> float:
    raw = form.get(name, "").strip()
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a number") from None


def _thresholds(form: dict[str, str]) -> dict[str, Any]:
    return calculators.impurity_thresholds(
        _number(form, "max_daily_dose_g"), form.get("kind", "drug_substance")
    ).to_dict()


def _mutagenic(form: dict[str, str]) -> dict[str, Any]:
    intake = calculators.m7_acceptable_intake(form.get("duration", "lifetime"))
    limit = calculators.m7_limit_ppm(
        intake.individual_ug_per_day, _number(form, "max_daily_dose_mg")
    )
    return {**intake.to_dict(), **{f"limit_{k}": v for k, v in limit.to_dict().items()}}


def _coverage(form: dict[str, str]) -> dict[str, Any]:
    return calculators.stability_coverage(
        _number(form, "available_months"),
        _number(form, "planned_supply_months"),
        storage=form.get("storage", "room_temperature"),
        situation=form.get("situation", "no_significant_change"),
        biological=form.get("biological") == "on",
    ).to_dict()


@dataclass(frozen=True)
class Tool:
    href: str
    title: str
    description: str


TOOLS: list[Tool] = [
    Tool(
        "/tools/stability",
        gettext_noop("Shelf life (ICH Q1E)"),
        gettext_noop("Poolability, shelf life and a PDF report from long-term stability data."),
    ),
    Tool(
        "/tools/doe",
        gettext_noop("Design of experiments"),
        gettext_noop(
            "Plan screening, response-surface and optimal designs; analyse the "
            "results, optimise several responses and map the design space."
        ),
    ),
    Tool(
        "/tools/spc",
        gettext_noop("Control charts (SPC)"),
        gettext_noop(
            "I-MR, Xbar-R/S, attribute, EWMA and CUSUM charts; phase I and II; "
            "Nelson and Western Electric rules."
        ),
    ),
    Tool(
        "/tools/capability",
        gettext_noop("Process capability"),
        gettext_noop(
            "Cp, Cpk, Pp, Ppk and Cpm with confidence intervals, normality check and expected PPM."
        ),
    ),
    Tool(
        "/tools/validation",
        gettext_noop("Method validation (ICH Q2(R2))"),
        gettext_noop(
            "Linearity, accuracy, precision and LOD/LOQ against acceptance "
            "criteria, with a validation report."
        ),
    ),
    Tool(
        "/tools/comparability",
        gettext_noop("Comparability (ICH Q5E)"),
        gettext_noop(
            "TOST, quality ranges and tolerance intervals of pre- against post-change lots."
        ),
    ),
    Tool(
        "/tools/antibody",
        gettext_noop("Antibody developability"),
        gettext_noop(
            "Paste VH/VL of one or more leads: CDRs, germline, liabilities by region and risk, "
            "traffic-light flags, a ranking and redesign proposals."
        ),
    ),
    Tool(
        "/tools/mrna",
        gettext_noop("mRNA design"),
        gettext_noop(
            "Codon-optimise a protein for CAI and stability: metrics, the CAI-MFE front and a "
            "FASTA download."
        ),
    ),
    Tool(
        "/tools/sirna",
        gettext_noop("siRNA and antisense design"),
        gettext_noop(
            "Ranked siRNA sites and gapmer antisense candidates against a target transcript."
        ),
    ),
    Tool(
        "/tools/molecule",
        gettext_noop("Small-molecule developability"),
        gettext_noop(
            "Paste SMILES or upload SDF/CSV: structures with alerts highlighted, descriptors, "
            "rule sets, QED, SA score, ESOL solubility, ICH M7 alerts and a ranked series."
        ),
    ),
    Tool(
        "/tools/vector",
        gettext_noop("Vector manufacturability"),
        gettext_noop(
            "Paste or upload an AAV, lentiviral or plasmid construct: a map with ITRs, repeats, "
            "homopolymers and findings by risk colour, and a table of every finding."
        ),
    ),
    Tool(
        "/tools/scaleup",
        gettext_noop("Bioreactor scale-up"),
        gettext_noop(
            "Two stirred vessels and the small-scale speed: P/V, tip speed, Reynolds number, "
            "kLa and mixing time, and the large-scale speed for constant P/V, tip speed or kLa."
        ),
    ),
    Tool(
        "/tools/calculators",
        gettext_noop("Regulatory calculators"),
        gettext_noop("ICH Q3A/Q3B thresholds, M7 limits, stability coverage of clinical supply."),
    ),
]


CALCULATORS: dict[str, Callable[[dict[str, str]], dict[str, Any]]] = {
    "impurity-thresholds": _thresholds,
    "mutagenic-impurity-limit": _mutagenic,
    "stability-coverage": _coverage,
}


@router.get("")
def tools_index(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """Every engine page, in one list (pages register themselves in TOOLS)."""
    return render(request, "tools/index.html", {"tools": TOOLS})


@router.get("/calculators")
def calculators_page(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "tools/calculators.html", {"values": {}, "results": {}})


@router.post("/calculators")
async def calculate(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    name = form.get("calculator", "")
    calculator = CALCULATORS.get(name)
    context: dict[str, Any] = {"values": {name: form}, "results": {}, "errors": {}}
    if calculator is None:
        context["errors"][name] = f"no calculator called {name!r}"
        return render(request, "tools/calculators.html", context, status_code=404)
    try:
        context["results"][name] = calculator(form)
    except ValueError as error:
        context["errors"][name] = str(error)
        return render(request, "tools/calculators.html", context, status_code=422)
    return render(request, "tools/calculators.html", context)
