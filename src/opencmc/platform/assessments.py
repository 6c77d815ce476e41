"""Assessments: an engine run on a candidate's stored definition, saved so it can be reproduced.

The server runs the engine from what the candidate holds (its chains, sequence or SMILES)
and the options the caller chose; the client never posts a result. The saved record keeps
the inputs (the definition and the completed options), the engine's version (OpenCMC's
and the library's that decides the numbers), a one-line summary and the full result as
JSON, and never changes afterwards. :func:`reproduce` runs the engine again on the stored
inputs and says whether every number came out the same (rule 6 of the vocabulary).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform.assessment_engines import (
    ENGINES,
    Engine,
    Result,
    engine_named,
    json_safe,
)
from opencmc.platform.audit import content_hash, record_creation
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.models import Assessment, Candidate
from opencmc.platform.programs import get_candidate
from opencmc.platform.uow import UnitOfWork

__all__ = [
    "ENGINES",
    "Engine",
    "Reproduction",
    "definition_of",
    "engine_named",
    "engines_for",
    "get_assessment",
    "list_assessments",
    "reproduce",
    "run_assessment",
]

#: the candidate fields each kind of definition consists of
DEFINITION_FIELDS: dict[str, tuple[str, ...]] = {
    "antibody_chains": ("heavy_chain", "light_chain"),
    "protein_sequence": ("protein_sequence",),
    "nucleotide_sequence": ("nucleotide_sequence",),
    "smiles": ("smiles",),
    "construct": ("construct_description",),
}
MAX_DIFFERENCES = 20


def engines_for(candidate: Candidate) -> list[Engine]:
    """The engines that run on the candidate's kind of definition."""
    return [e for e in ENGINES.values() if candidate.definition_kind in e.kinds]


def definition_of(candidate: Candidate) -> dict[str, Any]:
    """What an engine reads of the candidate: its name, kind of definition and the fields."""
    kind = candidate.definition_kind
    values = {f: getattr(candidate, f) for f in DEFINITION_FIELDS[kind]}
    return {"name": candidate.name, "kind": kind, **values}


def _execute(engine: Engine, definition: dict[str, Any], options: dict[str, Any]) -> Result:
    result, summary = engine.run(definition, options)
    return json_safe(result), summary


# --- workflows --------------------------------------------------------------------------


def run_assessment(
    uow: UnitOfWork, candidate_id: int, engine: str, options: dict[str, Any] | None = None
) -> Assessment:
    """Run ``engine`` on the candidate's stored definition and save the result, audited.

    The candidate must be the caller's organisation's and not archived, the caller's role
    must write, and the engine must run on the candidate's kind of definition. When the
    engine refuses the definition, nothing is written.
    """
    actor = uow.require_actor()
    candidate = get_candidate(uow.session, candidate_id)
    actor.require("write", "save assessments")
    if candidate.organisation_id != actor.organisation_id:
        raise PermissionDenied("only the owning organisation may assess its candidate")
    if candidate.archived_at is not None:
        raise Conflict(f"candidate {candidate.id} is archived and takes no new assessments")
    chosen = engine_named(engine)
    kind = candidate.definition_kind
    if kind not in chosen.kinds:
        fitting = [e.name for e in ENGINES.values() if kind in e.kinds]
        raise InvalidInput(
            f"engine: {chosen.name} runs on a {' or '.join(chosen.kinds)} definition; "
            f"candidate {candidate.id} is defined by its {kind}"
            + (f" (use {', '.join(fitting)})" if fitting else " (no engine runs on it)"),
            field="engine",
        )
    resolved = chosen.check_options(options)
    definition = definition_of(candidate)
    result, summary = _execute(chosen, definition, resolved)
    inputs = {"definition": definition, "options": resolved, "candidate_version": candidate.version}
    assessment = Assessment(
        organisation_id=candidate.organisation_id,
        candidate_id=candidate.id,
        engine=chosen.name,
        engine_version=chosen.version,
        title=chosen.title,
        summary=summary,
        inputs=inputs,
        result=result,
        created_by_id=actor.user_id,
    )
    record_creation(
        uow.session,
        actor,
        assessment,
        {
            "candidate_id": candidate.id,
            "engine": chosen.name,
            "engine_version": assessment.engine_version,
            "summary": summary,
            "inputs_sha256": content_hash(inputs),
            "result_sha256": content_hash(result),
        },
    )
    return assessment


def list_assessments(session: Session, candidate_id: int) -> list[Assessment]:
    """The candidate's visible assessments, newest first (404 if the candidate is not)."""
    candidate = get_candidate(session, candidate_id)
    query = (
        select(Assessment)
        .where(Assessment.candidate_id == candidate.id)
        .order_by(Assessment.id.desc())
    )
    return list(session.scalars(query))


def get_assessment(session: Session, assessment_id: int) -> Assessment:
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(f"no assessment {assessment_id}")
    return assessment


@dataclass(frozen=True)
class Reproduction:
    """The outcome of running an assessment's engine again on its stored inputs."""

    assessment_id: int
    engine: str
    stored_version: str
    current_version: str
    identical: bool
    differences: list[str]
    summary: str

    @property
    def same_version(self) -> bool:
        return self.stored_version == self.current_version

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment_id": self.assessment_id,
            "engine": self.engine,
            "stored_version": self.stored_version,
            "current_version": self.current_version,
            "same_version": self.same_version,
            "identical": self.identical,
            "differences": list(self.differences),
            "summary": self.summary,
        }


def _differences(old: Any, new: Any, path: str, out: list[str]) -> None:
    if len(out) >= MAX_DIFFERENCES:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            if key not in old or key not in new:
                out.append(f"{path}.{key}: {'added' if key in new else 'gone'}")
            else:
                _differences(old[key], new[key], f"{path}.{key}", out)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _differences(a, b, f"{path}[{i}]", out)
    elif old != new or type(old) is not type(new):
        out.append(f"{path}: {_short(old)} then, {_short(new)} now")


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."


def reproduce(session: Session, assessment_id: int) -> Reproduction:
    """Run the assessment's engine on its stored inputs; say whether the result is identical."""
    assessment = get_assessment(session, assessment_id)
    engine = ENGINES.get(assessment.engine)
    if engine is None:
        raise Conflict(f"engine {assessment.engine!r} is not part of this version of OpenCMC")
    inputs = assessment.inputs
    result, summary = _execute(engine, inputs["definition"], inputs["options"])
    found: list[str] = []
    _differences(assessment.result, result, "result", found)
    return Reproduction(
        assessment_id=assessment.id,
        engine=engine.name,
        stored_version=assessment.engine_version,
        current_version=engine.version,
        identical=result == assessment.result and not found,
        differences=found,
        summary=summary,
    )
