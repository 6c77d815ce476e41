"""The audit trail's hash chain: intact after real work, and a tampered row is named."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from opencmc.cli import app as cli
from opencmc.platform import audit, programs
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PROGRAM, actor_of


def _work(factory) -> int:  # type: ignore[no-untyped-def]
    actor = actor_of(factory, "a.sci")
    with UnitOfWork(factory, actor) as uow:
        program = programs.create_program(uow, PROGRAM)
        uow.commit()
    with UnitOfWork(factory, actor) as uow:
        programs.update_program(
            uow, program.id, {"description": "Ünïcode ✓ 한국어"}, version=1, reason="why"
        )
        uow.commit()
    return program.id


def _verify(factory) -> audit.ChainReport:  # type: ignore[no-untyped-def]
    with UnitOfWork(factory, None, system=True) as uow:
        return audit.verify_chain(uow.session)


def _cli_verify(engine, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENCMC_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("OPENCMC_DATA_DIR", str(tmp_path))
    return CliRunner().invoke(cli, ["audit", "verify", "--json"])


def test_chain_is_intact_after_work(factory, engine, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _work(factory)
    report = _verify(factory)
    assert report.ok, report
    assert report.events_checked > 10  # the seeded world plus this work
    result = _cli_verify(engine, monkeypatch, tmp_path)
    assert result.exit_code == 0, result.output
    assert '"ok": true' in result.output


def test_database_refuses_to_edit_or_delete_events(engine, factory) -> None:  # type: ignore[no-untyped-def]
    _work(factory)
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert _verify(factory).ok


def test_verify_names_the_tampered_event(engine, factory, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _work(factory)
    # someone with direct database access removes the guard and rewrites a reason
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_update"))
        target = connection.execute(
            text("SELECT seq, id FROM audit_events WHERE action = 'update'")
        ).one()
        connection.execute(
            text("UPDATE audit_events SET reason = 'nothing to see' WHERE id = :id"),
            {"id": target.id},
        )
    report = _verify(factory)
    assert not report.ok
    assert report.broken_seq == target.seq
    assert "altered" in (report.problem or "")
    result = _cli_verify(engine, monkeypatch, tmp_path)
    assert result.exit_code == 1
    assert f'"broken_seq": {target.seq}' in result.output


def test_verify_finds_a_removed_event(engine, factory) -> None:  # type: ignore[no-untyped-def]
    _work(factory)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_events_no_delete"))
        connection.execute(text("DELETE FROM audit_events WHERE seq = 3"))
    report = _verify(factory)
    assert report.broken_seq == 4
    assert "gap" in (report.problem or "")


def test_export_csv_has_every_event(factory) -> None:  # type: ignore[no-untyped-def]
    import csv
    import io

    _work(factory)
    with UnitOfWork(factory, None, system=True) as uow:
        from sqlalchemy import select

        from opencmc.platform.models import AuditEvent

        events = list(uow.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        rows = list(csv.DictReader(io.StringIO("".join(audit.export_csv(events)))))
    assert len(rows) == len(events)
    assert rows[-1]["reason"] == "why"
    assert "한국어" in rows[-1]["changes"]
