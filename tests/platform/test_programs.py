"""Program and candidate workflows on SQLite and PostgreSQL: rules, versions, audit events."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from opencmc.platform import programs
from opencmc.platform.errors import Conflict, InvalidInput, PermissionDenied
from opencmc.platform.models import AuditEvent, Program
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PROGRAM, actor_of


def _count(factory, model) -> int:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def _create(factory, handle: str = "a.sci", **overrides) -> Program:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, actor_of(factory, handle)) as uow:
        program = programs.create_program(uow, {**PROGRAM, **overrides})
        uow.commit()
        return program


def test_create_writes_the_record_and_its_audit_event(factory) -> None:  # type: ignore[no-untyped-def]
    events_before = _count(factory, AuditEvent)
    program = _create(factory)
    assert program.version == 1
    with UnitOfWork(factory, actor_of(factory, "a.sci")) as uow:
        from opencmc.platform.audit import trail

        (event,) = trail(uow.session, "program", program.id)
    assert event.action == "create"
    assert event.user_email == "a.sci@example.org"
    assert event.changes["modality"] == {"old": None, "new": "monoclonal_antibody"}
    assert _count(factory, AuditEvent) == events_before + 1


def test_update_needs_a_reason_and_the_current_version(factory) -> None:  # type: ignore[no-untyped-def]
    program = _create(factory)
    actor = actor_of(factory, "a.sci")
    with UnitOfWork(factory, actor) as uow, pytest.raises(InvalidInput, match="reason"):
        programs.update_program(uow, program.id, {"name": "X"}, version=1, reason="  ")
    with UnitOfWork(factory, actor) as uow:
        updated = programs.update_program(
            uow, program.id, {"current_stage": "process_development"}, version=1, reason="moved on"
        )
        uow.commit()
    assert updated.version == 2
    with UnitOfWork(factory, actor) as uow, pytest.raises(Conflict, match=r"version 1.*version 2"):
        programs.update_program(uow, program.id, {"name": "stale"}, version=1, reason="late edit")
    with UnitOfWork(factory, actor) as uow:
        event = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "update")).one()
    assert event.reason == "moved on"
    assert event.changes == {
        "current_stage": {"old": "candidate_optimisation", "new": "process_development"}
    }


def test_concurrent_edits_cannot_silently_overwrite(factory) -> None:  # type: ignore[no-untyped-def]
    program = _create(factory)
    actor = actor_of(factory, "a.sci")
    with UnitOfWork(factory, actor) as first, UnitOfWork(factory, actor) as second:
        programs.update_program(first, program.id, {"name": "First"}, version=1, reason="a")
        first.commit()
        # the second user loaded version 1 before the first committed: the UPDATE
        # carries "WHERE version = 1" and matches nothing
        with pytest.raises(Conflict):
            programs.update_program(second, program.id, {"name": "Second"}, version=1, reason="b")
    with UnitOfWork(factory, actor) as uow:
        assert programs.get_program(uow.session, program.id).name == "First"


def test_bad_values_name_the_field_and_write_nothing(factory) -> None:  # type: ignore[no-untyped-def]
    before = (_count(factory, Program), _count(factory, AuditEvent))
    cases = [
        ({"modality": "antibody"}, "modality: expected one of"),
        ({"name": ""}, "name: must not be empty"),
        ({"current_stage": "phase_3", "target_milestone": "phase_1"}, "target_milestone"),
        ({"colour": "red"}, "colour: not a field"),
    ]
    for overrides, message in cases:
        with pytest.raises(InvalidInput, match=message):
            _create(factory, **overrides)
    assert (_count(factory, Program), _count(factory, AuditEvent)) == before


def test_roles_and_organisation_kinds(factory) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="viewer"):
        _create(factory, "a.view")
    with pytest.raises(PermissionDenied, match="sponsor"):
        _create(factory, "p.sci")


def test_archive_keeps_the_record_and_freezes_it(factory) -> None:  # type: ignore[no-untyped-def]
    program = _create(factory)
    actor = actor_of(factory, "a.sci")
    with UnitOfWork(factory, actor) as uow:
        programs.archive_program(uow, program.id, version=1, reason="deprioritised")
        uow.commit()
    with UnitOfWork(factory, actor) as uow:
        archived = programs.get_program(uow.session, program.id)
        assert archived.archived_at is not None
        assert programs.list_programs(uow.session)[1] == 0
        assert programs.list_programs(uow.session, include_archived=True)[1] == 1
        with pytest.raises(Conflict, match="archived"):
            programs.update_program(uow, program.id, {"name": "n"}, version=2, reason="r")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"heavy_chain": "EVQLVZSG"}, "heavy_chain: 'Z' at position 6"),
        ({"light_chain": "DIQMTQ"}, "light chain needs its heavy chain"),
        ({"nucleotide_sequence": "AUGTTA"}, "mixes T"),
        ({"nucleotide_sequence": "AUGXAA"}, "position 4"),
        ({"smiles": "CC(=O"}, "unclosed"),
        ({}, "give the chains"),
        ({"smiles": "CCO", "protein_sequence": "MKT"}, "one kind of definition"),
    ],
)
def test_candidate_definitions_are_checked(factory, fields, message) -> None:  # type: ignore[no-untyped-def]
    program = _create(factory)
    actor = actor_of(factory, "a.sci")
    with UnitOfWork(factory, actor) as uow, pytest.raises(InvalidInput, match=message):
        programs.create_candidate(uow, program.id, {"name": "c", **fields})


def test_candidate_lifecycle(factory) -> None:  # type: ignore[no-untyped-def]
    program = _create(factory)
    actor = actor_of(factory, "a.sci")
    with UnitOfWork(factory, actor) as uow:
        candidate = programs.create_candidate(
            uow, program.id, {"name": "Lead A", "heavy_chain": "evql vesg\n", "light_chain": "DIQ"}
        )
        uow.commit()
    assert candidate.heavy_chain == "EVQLVESG"
    assert candidate.definition_kind == "antibody_chains"
    with UnitOfWork(factory, actor) as uow:
        edited = programs.update_candidate(
            uow, candidate.id, {"heavy_chain": "EVQLVQSG"}, version=1, reason="humanised"
        )
        programs.archive_candidate(uow, candidate.id, version=edited.version, reason="dropped")
        uow.commit()
    with UnitOfWork(factory, actor) as uow:
        from opencmc.platform.audit import trail

        actions = [e.action for e in trail(uow.session, "candidate", candidate.id)]
    assert actions == ["create", "update", "archive"]
