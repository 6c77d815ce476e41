"""`opencmc program ...`: programs on this server's database, acting as a named user.

For administrators and scripts on the server itself; everyone else uses the web pages
or the REST API. Every change goes through the same workflows (and audit trail) as the
pages, in the name of the user given with ``--as``.
"""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table
from sqlalchemy import select

from opencmc.cli.common import JsonOption, console, database, domain_errors, emit_json, fail
from opencmc.platform import accounts, programs
from opencmc.platform.actor import Actor
from opencmc.platform.models import Program, User
from opencmc.platform.uow import UnitOfWork

app = typer.Typer(help="Programs: list, show, register, edit with a reason, archive.",
                  no_args_is_help=True)  # fmt: skip
AsOption = typer.Option(..., "--as", help="E-mail of the user to act as.")


def _actor(email: str) -> tuple[Any, Actor]:
    _, factory = database()
    with UnitOfWork(factory, None, system=True) as uow:
        user = uow.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            fail(f"--as: no user {email}")
        with domain_errors():
            return factory, accounts.actor_for(uow.session, user)


def _out(program: Program) -> dict[str, Any]:
    fields = {f: getattr(program, f) for f in ("id", *Program.EDITABLE, "version")}
    fields["archived"] = program.archived_at is not None
    return fields


@app.command("list")
def list_programs(
    user: str = AsOption, archived: bool = typer.Option(False, "--archived"),
    as_json: bool = JsonOption,
) -> None:  # fmt: skip
    """The programs the user's organisation can see."""
    factory, actor = _actor(user)
    with UnitOfWork(factory, actor) as uow:
        items, _total = programs.list_programs(uow.session, include_archived=archived, limit=500)
        rows = [_out(p) for p in items]
    if as_json:
        emit_json(rows)
        return
    table = Table("id", "name", "modality", "stage", "target", "version")
    for row in rows:
        table.add_row(str(row["id"]), row["name"], row["modality"], row["current_stage"],
                      row["target_milestone"], str(row["version"]))  # fmt: skip
    console.print(table)


@app.command("show")
def show(program_id: int, user: str = AsOption, as_json: bool = JsonOption) -> None:
    """One program with its candidates."""
    factory, actor = _actor(user)
    with domain_errors(), UnitOfWork(factory, actor) as uow:
        program = programs.get_program(uow.session, program_id)
        data = _out(program)
        data["candidates"] = [
            {"id": c.id, "name": c.name, "code": c.code, "defined_by": c.definition_kind}
            for c in programs.list_candidates(uow.session, program)
        ]
    if as_json:
        emit_json(data)
        return
    for key, value in data.items():
        if key != "candidates":
            console.print(f"[bold]{key}[/]: {value}")
    for candidate in data["candidates"]:
        console.print(
            f"  candidate {candidate['id']}: {candidate['name']} ({candidate['defined_by']})"
        )


@app.command("create")
def create(
    user: str = AsOption,
    name: str = typer.Option(..., "--name"),
    modality: str = typer.Option(..., "--modality"),
    stage: str = typer.Option("candidate_optimisation", "--stage"),
    target: str = typer.Option("phase_1", "--target"),
    description: str = typer.Option("", "--description"),
    as_json: bool = JsonOption,
) -> None:
    """Register a program."""
    factory, actor = _actor(user)
    with domain_errors(), UnitOfWork(factory, actor) as uow:
        program = programs.create_program(uow, {
            "name": name, "modality": modality, "current_stage": stage,
            "target_milestone": target, "description": description})  # fmt: skip
        uow.commit()
    if as_json:
        emit_json(_out(program))
    else:
        console.print(f"program {program.id} [bold]{program.name}[/] registered")


@app.command("edit")
def edit(
    program_id: int,
    user: str = AsOption,
    version: int = typer.Option(..., "--version", help="The version you read."),
    reason: str = typer.Option(..., "--reason", help="Why it changes (kept in the trail)."),
    set_: list[str] = typer.Option([], "--set", help="field=value, repeatable."),
    as_json: bool = JsonOption,
) -> None:
    """Edit fields with a reason; a stale version is refused."""
    changes: dict[str, str] = {}
    for item in set_:
        field, sep, value = item.partition("=")
        if not sep:
            fail(f"--set: expected field=value, got {item!r}")
        changes[field.strip()] = value
    factory, actor = _actor(user)
    with domain_errors(), UnitOfWork(factory, actor) as uow:
        program = programs.update_program(uow, program_id, changes, version=version,
                                          reason=reason)  # fmt: skip
        uow.commit()
    if as_json:
        emit_json(_out(program))
    else:
        console.print(f"program {program.id} saved as version {program.version}")


@app.command("archive")
def archive(
    program_id: int,
    user: str = AsOption,
    version: int = typer.Option(..., "--version"),
    reason: str = typer.Option(..., "--reason"),
) -> None:
    """Archive a program (it stays readable with its trail)."""
    factory, actor = _actor(user)
    with domain_errors(), UnitOfWork(factory, actor) as uow:
        programs.archive_program(uow, program_id, version=version, reason=reason)
        uow.commit()
    console.print(f"program {program_id} archived")
