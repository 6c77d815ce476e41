"""Assessments on SQLite and PostgreSQL: each engine saves and reproduces, refusals name the
field, other organisations see nothing, and a failed engine writes nothing."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select, update

from opencmc.platform import assessments, programs
from opencmc.platform.assessment_engines import json_safe
from opencmc.platform.audit import content_hash, trail
from opencmc.platform.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from opencmc.platform.models import Assessment, AuditEvent
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import antibody, molecule, mrna, vector
from opencmc.science.design.antibody_metrics import DEFAULT_FORMULATION_PH
from opencmc.science.design.protein_properties import properties
from tests.conftest import PROGRAM, actor_of

TRAS_VH = (
    "EVQLVESGGGLVQPGGSLRLSCAASGFNIKDTYIHWVRQAPGKGLEWVARIYPTNGYTRYADSVKGRFTISADTSKNTAYLQMNS"
    "LRAEDTAVYYCSRWGGDGFYAMDYWGQGTLVTVSS"
)
TRAS_VL = (
    "DIQMTQSPSSLSASVGDRVTITCRASQDVNTAVAWYQQKPGKAPKLLIYSASFLYSGVPSRFSGSRSGTDFTLTISSLQPEDFATYY"
    "CQQHYTTPPTFGQGTKVEIK"
)
ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
MRNA = "GGGAAAUAAGAGAGAAAAGAAGAGUAAGAAGAAAUAUAAGAGCCACCAUGUUCGUGUUCCUGGUGCUGCUGUGA"


def _plasmid() -> str:
    """3,000 random bases with a 100-bp direct repeat at 1002-1101 and 2002-2101."""
    rng = random.Random(1)

    def dna(n: int) -> str:
        return "".join(rng.choice("ACGT") for _ in range(n))

    unit = dna(100)
    return dna(1000) + "A" + unit + "G" + dna(898) + "C" + unit + "T" + dna(898)


PLASMID = _plasmid()

# engine -> (candidate definition, options given)
CASES: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "molecule.profile": ({"smiles": ASPIRIN}, {}),
    "antibody.developability": ({"heavy_chain": TRAS_VH, "light_chain": TRAS_VL}, {}),
    "mrna.metrics": ({"nucleotide_sequence": MRNA}, {"host": "human", "fold": "true"}),
    "vector.check": ({"nucleotide_sequence": PLASMID}, {"kind": "plasmid"}),
    "protein.properties": ({"protein_sequence": TRAS_VH}, {}),
}


def _engine_itself(engine: str) -> dict[str, Any]:
    """The science engine's own result for the case, called directly with the defaults."""
    if engine == "molecule.profile":
        return molecule.profile(ASPIRIN, name="lead").to_dict()
    if engine == "antibody.developability":
        return antibody.profile(TRAS_VH, TRAS_VL, name="lead").to_dict()
    if engine == "mrna.metrics":
        return mrna.profile(MRNA, "human", fold=True, cap="cap1").to_dict()
    if engine == "vector.check":
        return vector.check(PLASMID, kind="plasmid", circular=True).to_dict()
    return properties(TRAS_VH).to_dict()


def _known(engine: str, result: dict[str, Any]) -> None:
    """A number each engine is known to give for its case."""
    if engine == "molecule.profile":
        assert round(result["descriptors"]["molecular_weight"], 2) == 180.16
    elif engine == "antibody.developability":
        [ng] = [h for h in result["liabilities"] if h["motif"] == "NG" and h["chain"] == "heavy"]
        assert (ng["position"], ng["region"], ng["risk"]) == (55, "CDR2", "high")
    elif engine == "mrna.metrics":
        assert (result["cds_length"], result["protein"]) == (27, "MFVFLVLL")
    elif engine == "vector.check":
        [repeat] = [f for f in result["findings"] if f["check"] == "repeat.direct"]
        assert (repeat["details"]["first_start"], repeat["details"]["second_start"]) == (
            1002,
            2002,
        )
    else:
        assert result["length"] == len(TRAS_VH)


def _candidate(factory, definition: dict[str, str], handle: str = "a.sci") -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        program = programs.create_program(uow, PROGRAM)
        candidate = programs.create_candidate(uow, program.id, {"name": "lead", **definition})
        uow.commit()
        return candidate.id


def _count(factory, model) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def _run(factory, candidate_id: int, engine: str, options: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        saved = assessments.run_assessment(uow, candidate_id, engine, options)
        uow.commit()
        return saved


@pytest.mark.parametrize("engine_name", list(CASES))
def test_each_engine_saves_and_reproduces(factory, request, engine_name) -> None:  # type: ignore[no-untyped-def]
    engine = engine_name
    if engine == "antibody.developability":
        request.getfixturevalue("hmmscan")
    definition, options = CASES[engine]
    candidate_id = _candidate(factory, definition)
    saved = _run(factory, candidate_id, engine, options)
    spec = assessments.ENGINES[engine]
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        stored = assessments.get_assessment(uow.session, saved.id)
        assert stored.engine == engine
        assert stored.engine_version == spec.version
        assert stored.engine_version.startswith("opencmc ")
        assert stored.inputs["definition"] == {"name": "lead", **definition_fields(definition)}
        assert set(stored.inputs["options"]) == set(spec.options)  # every option, defaults too
        assert stored.summary and "\n" not in stored.summary
        assert stored.result == json_safe(_engine_itself(engine))
        _known(engine, stored.result)
        assert [a.id for a in assessments.list_assessments(uow.session, candidate_id)] == [saved.id]
        (event,) = trail(uow.session, "assessment", saved.id)
        assert event.action == "create"
        assert event.changes["engine"]["new"] == engine
        assert event.changes["result_sha256"]["new"] == content_hash(stored.result)
        again = assessments.reproduce(uow.session, saved.id)
    assert again.identical, again.differences
    assert again.same_version and again.differences == []


def definition_fields(definition: dict[str, str]) -> dict[str, Any]:
    if "heavy_chain" in definition:
        return {"kind": "antibody_chains", "light_chain": None, **definition}
    (name,) = definition
    return {"kind": name, **definition}


def test_options_are_stored_complete_and_used(factory) -> None:  # type: ignore[no-untyped-def]
    candidate_id = _candidate(factory, {"nucleotide_sequence": PLASMID})
    linear = _run(factory, candidate_id, "vector.check", {"topology": "linear"})
    assert linear.inputs["options"] == {"kind": "auto", "genome": "auto", "topology": "linear"}
    assert linear.result["topology"] == "linear"
    no_fold = _run(factory, candidate_id, "mrna.metrics", {"fold": False, "host": "cho"})
    assert no_fold.inputs["options"] == {"host": "cho", "fold": False, "cap": "cap1"}
    assert no_fold.result["mfe"] is None and no_fold.result["host"] == "cho"


def test_reproduce_reports_a_changed_result(factory) -> None:  # type: ignore[no-untyped-def]
    candidate_id = _candidate(factory, {"smiles": ASPIRIN})
    saved = _run(factory, candidate_id, "molecule.profile")
    tampered = {**saved.result, "qed": 0.99}
    with UnitOfWork(factory, None, system=True) as uow:
        uow.session.execute(
            update(Assessment).where(Assessment.id == saved.id).values(result=tampered)
        )
        uow.commit()
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        outcome = assessments.reproduce(uow.session, saved.id)
    assert not outcome.identical
    assert outcome.differences == [f"result.qed: 0.99 then, {saved.result['qed']} now"]
    assert outcome.to_dict()["same_version"] is True


@pytest.mark.parametrize(
    ("definition", "engine_name", "options", "field", "words"),
    [
        ({"smiles": ASPIRIN}, "vector.check", {}, "engine", "nucleotide_sequence"),
        ({"smiles": ASPIRIN}, "antibody.developability", {}, "engine", "defined by its smiles"),
        ({"protein_sequence": TRAS_VH}, "molecule.profile", {}, "engine", "protein.properties"),
        ({"construct_description": "pAAV"}, "vector.check", {}, "engine", "no engine runs"),
        ({"smiles": ASPIRIN}, "molecule.dock", {}, "engine", "no engine 'molecule.dock'"),
        ({"smiles": ASPIRIN}, "molecule.profile", {"bogus": 1}, "options.bogus", "its options"),
        ({"nucleotide_sequence": PLASMID}, "vector.check", {"kind": "yac"}, "options.kind", "aav"),
        ({"nucleotide_sequence": MRNA}, "mrna.metrics", {"fold": "maybe"}, "options.fold", "true"),
    ],
)
def test_wrong_engine_or_option_is_refused_naming_the_field(  # type: ignore[no-untyped-def]
    factory, definition, engine_name, options, field, words
) -> None:
    candidate_id = _candidate(factory, definition)
    before = _count(factory, Assessment), _count(factory, AuditEvent)
    with pytest.raises(InvalidInput) as refused:
        _run(factory, candidate_id, engine_name, options)
    assert refused.value.field == field
    assert refused.value.message.startswith(f"{field}: ")
    assert words in refused.value.message
    assert (_count(factory, Assessment), _count(factory, AuditEvent)) == before


def test_nothing_is_written_when_the_engine_fails(factory) -> None:  # type: ignore[no-untyped-def]
    candidate_id = _candidate(factory, {"smiles": "C1CC"})  # an unclosed ring: RDKit refuses
    before = _count(factory, Assessment), _count(factory, AuditEvent)
    with pytest.raises(InvalidInput) as refused:
        _run(factory, candidate_id, "molecule.profile")
    assert refused.value.field == "smiles"
    assert "unclosed ring" in refused.value.message.lower()
    assert (_count(factory, Assessment), _count(factory, AuditEvent)) == before


def test_another_organisation_sees_nothing(factory) -> None:  # type: ignore[no-untyped-def]
    candidate_id = _candidate(factory, {"smiles": ASPIRIN})
    saved = _run(factory, candidate_id, "molecule.profile")
    for outsider in ("b.sci", "p.sci", "o.admin"):
        with UnitOfWork(factory, actor_of(factory, outsider)) as uow:
            with pytest.raises(NotFound):
                assessments.run_assessment(uow, candidate_id, "molecule.profile")
            with pytest.raises(NotFound):
                assessments.get_assessment(uow.session, saved.id)
            with pytest.raises(NotFound):
                assessments.list_assessments(uow.session, candidate_id)
            with pytest.raises(NotFound):
                assessments.reproduce(uow.session, saved.id)


def test_viewers_and_archived_candidates_are_refused(factory) -> None:  # type: ignore[no-untyped-def]
    candidate_id = _candidate(factory, {"smiles": ASPIRIN})
    with UnitOfWork(factory, actor_of(factory, "a.view")) as uow, pytest.raises(PermissionDenied):
        assessments.run_assessment(uow, candidate_id, "molecule.profile")
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        programs.archive_candidate(uow, candidate_id, version=1, reason="dropped")
        uow.commit()
    with pytest.raises(Conflict, match="archived"):
        _run(factory, candidate_id, "molecule.profile")


def test_engine_versions_fit_and_defaults_match_the_engines() -> None:
    for engine in assessments.ENGINES.values():
        library = engine.version.split("; ")[1]
        assert len(engine.version) <= 40 and not library.endswith("missing"), engine.version
    [ph] = [o for o in assessments.ENGINES["antibody.developability"].option_fields()]
    assert ph == {"name": "formulation_ph", "default": DEFAULT_FORMULATION_PH, "choices": None}
