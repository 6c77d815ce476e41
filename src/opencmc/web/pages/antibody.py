"""Antibody developability page: paste leads, read flags, liabilities, CDRs, ranking, redesigns."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from opencmc.platform.errors import InvalidInput
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import antibody
from opencmc.science.design.antibody_input import (
    AntibodyInputError,
    AntibodyRecord,
    as_records,
    parse_fasta_text,
)
from opencmc.science.design.antibody_metrics import DEFAULT_FORMULATION_PH
from opencmc.web.api.antibody import MAX_LEADS, invalid, profile_leads, ranking
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

_TEMPLATE = "tools/antibody.html"
_FIELDS = ("fasta", "name", "heavy", "light", "lead", "formulation_ph")


def _leads(values: dict[str, str]) -> list[AntibodyRecord]:
    """The pasted FASTA if there is one, else the single lead's VH (and VL)."""
    try:
        if values["fasta"]:
            leads = parse_fasta_text(values["fasta"], "FASTA")
        elif values["heavy"]:
            name = values["name"] or "lead"
            leads = as_records([(name, values["heavy"], values["light"] or None)])
        else:
            raise InvalidInput("paste a FASTA or the heavy chain of a lead", field="fasta")
    except AntibodyInputError as error:
        raise invalid(error, "fasta" if values["fasta"] else "heavy") from None
    if len(leads) > MAX_LEADS:
        raise InvalidInput(f"{len(leads)} leads: the page profiles at most {MAX_LEADS} at a time")
    return leads


def _ph(values: dict[str, str]) -> float:
    raw = values["formulation_ph"]
    if not raw:
        return DEFAULT_FORMULATION_PH
    try:
        ph = float(raw)
    except ValueError:
        raise InvalidInput(f"formulation pH: {raw!r} is not a number", field="ph") from None
    if not 2 <= ph <= 10:
        raise InvalidInput(f"formulation pH: {ph} is outside 2-10", field="ph")
    return ph


def _context(values: dict[str, str]) -> dict[str, Any]:
    """Profiles, ranking and the chosen lead's redesign proposals for the template."""
    ph = _ph(values)
    profiles = profile_leads(_leads(values), ph)
    by_name = {p.name: p for p in profiles}
    chosen = by_name.get(values["lead"]) or profiles[0]
    values["lead"] = chosen.name
    proposals = antibody.redesign(chosen)
    return {
        "profiles": [p.to_dict() for p in profiles],
        "ranking": ranking(profiles),
        "chosen": chosen.name,
        "proposals": [p.to_dict() for p in proposals],
    }


@router.get("/antibody")
def antibody_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """The empty form."""
    values = dict.fromkeys(_FIELDS, "")
    values["formulation_ph"] = str(DEFAULT_FORMULATION_PH)
    return render(request, _TEMPLATE, {"values": values})


@router.post("/antibody")
async def antibody_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """Profile the pasted leads and show their flags, liabilities, ranking and redesigns."""
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in _FIELDS}
    context: dict[str, Any] = {"values": values}
    try:
        context.update(_context(values))
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, _TEMPLATE, context, status_code=422)
    return render(request, _TEMPLATE, context)
