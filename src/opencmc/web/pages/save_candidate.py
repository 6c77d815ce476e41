"""From an engine page to a program: keep a profiled lead or molecule as a candidate of one
of the sponsor's programs, with its assessment saved (re-run on the server from the
candidate's stored definition, so the saved numbers are reproducible)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform import programs
from opencmc.platform.assessments import run_assessment
from opencmc.platform.errors import InvalidInput
from opencmc.platform.models import Candidate, Program
from opencmc.platform.uow import UnitOfWork
from opencmc.web.auth import CurrentPageUow
from opencmc.web.templating import form_outcome

router = APIRouter()

#: engine -> the candidate fields its definition fills
DEFINITIONS: dict[str, tuple[str, ...]] = {
    "antibody.developability": ("heavy_chain", "light_chain"),
    "molecule.profile": ("smiles",),
}


def own_programs(uow: UnitOfWork) -> list[Program]:
    """The caller's own, live programs, for the "save as a candidate" forms (empty for a
    provider or operator, who register no programs)."""
    actor = uow.require_actor()
    if not actor.is_sponsor:
        return []
    items, _total = programs.list_programs(uow.session, limit=500)
    return [p for p in items if p.organisation_id == actor.organisation_id]


def _existing(session: Session, program_id: int, definition: dict[str, Any]) -> Candidate | None:
    query = select(Candidate).where(
        Candidate.program_id == program_id, Candidate.archived_at.is_(None)
    )
    for field, value in definition.items():
        query = query.where(getattr(Candidate, field) == value)
    return session.scalars(query.order_by(Candidate.id)).first()


def keep_as_candidate(
    uow: UnitOfWork, program_id: int, engine: str, name: str, definition: dict[str, Any]
) -> Candidate:
    """The program's candidate with this definition (made if there is none) with a new
    assessment by ``engine``."""
    if engine not in DEFINITIONS:
        raise InvalidInput(
            f"engine: expected one of {', '.join(DEFINITIONS)}, got {engine!r}", field="engine"
        )
    program = programs.get_program(uow.session, program_id)
    values = {f: definition.get(f) or None for f in DEFINITIONS[engine]}
    checked = programs.candidate_definition(values)
    candidate = _existing(uow.session, program.id, checked)
    if candidate is None:
        candidate = programs.create_candidate(uow, program.id, {"name": name, **checked})
    run_assessment(uow, candidate.id, engine)
    return candidate


@router.post("/tools/save-candidate")
async def save_candidate(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    form = await request.form()
    back = str(form.get("back", "/tools"))
    if not back.startswith("/tools"):
        back = "/tools"
    program_text = str(form.get("program_id", ""))
    return form_outcome(
        request,
        uow,
        lambda: keep_as_candidate(
            uow,
            int(program_text) if program_text.isdigit() else 0,
            str(form.get("engine", "")),
            str(form.get("name", "")),
            {f: str(form.get(f, "")) for f in ("heavy_chain", "light_chain", "smiles")},
        ),
        back=back,
        failed="Not saved",
        success=lambda candidate: f"/candidates/{candidate.id}",
        done=lambda candidate: f"Saved as candidate {candidate.name} with its assessment",
    )
