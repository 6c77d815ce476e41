"""Administration: database migrations, organisations, users, the audit trail."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import select

from opencmc.cli.common import (
    JsonOption,
    console,
    database,
    domain_errors,
    emit_json,
    settings,
)
from opencmc.config import VARIABLES
from opencmc.platform import accounts, audit, migrate
from opencmc.platform.models import AuditEvent
from opencmc.platform.uow import UnitOfWork

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
org_app = typer.Typer(
    help="Organisations: sponsors, providers, the operator.", no_args_is_help=True
)
user_app = typer.Typer(help="Users and their memberships.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit trail: verify the hash chain, export.", no_args_is_help=True
)


@db_app.command("upgrade")
def db_upgrade(as_json: bool = JsonOption) -> None:
    """Migrate the database to the newest schema."""
    engine, _ = database()
    revision = migrate.upgrade(engine)
    if as_json:
        emit_json({"revision": revision, "database": engine.url.render_as_string()})
    else:
        console.print(f"database at revision [bold]{revision}[/] ({engine.url.render_as_string()})")


@db_app.command("current")
def db_current(as_json: bool = JsonOption) -> None:
    """Show the database's schema revision and whether it is the newest."""
    engine, _ = database()
    current, head = migrate.current(engine), migrate.head()
    if as_json:
        emit_json({"current": current, "head": head, "up_to_date": current == head})
    else:
        state = "up to date" if current == head else f"behind (newest is {head})"
        console.print(f"revision {current or 'none'}: {state}")


@org_app.command("create")
def org_create(
    name: str = typer.Argument(..., help="The organisation's name."),
    kind: str = typer.Option(..., "--kind", help="sponsor, provider or operator."),
    as_json: bool = JsonOption,
) -> None:
    """Create an organisation."""
    _, factory = database()
    with domain_errors(), UnitOfWork(factory, None, system=True) as uow:
        org = accounts.create_organisation(uow, name, kind)
        uow.commit()
    if as_json:
        emit_json({"id": org.id, "name": org.name, "kind": org.kind})
    else:
        console.print(f"organisation {org.id} [bold]{org.name}[/] ({org.kind}) created")


@user_app.command("create")
def user_create(
    email: str = typer.Argument(..., help="The user's e-mail, used to sign in."),
    org: str = typer.Option(..., "--org", help="The organisation's name."),
    role: str = typer.Option("scientist", "--role", help="admin, scientist, qa or viewer."),
    name: str = typer.Option(..., "--name", help="Full name, as shown on signatures."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from standard input."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Create a user with a membership in an organisation."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    _, factory = database()
    with domain_errors(), UnitOfWork(factory, None, system=True) as uow:
        organisation = accounts.find_organisation(uow.session, org)
        user = accounts.create_user(
            uow,
            email=email,
            full_name=name,
            password=password,
            organisation=organisation,
            role=role,
        )
        uow.commit()
    if as_json:
        emit_json({"id": user.id, "email": user.email, "organisation": org, "role": role})
    else:
        console.print(f"user {user.id} [bold]{user.email}[/] created in {org} as {role}")


@audit_app.command("verify")
def audit_verify(as_json: bool = JsonOption) -> None:
    """Check every link of the audit trail's hash chain; exit 1 at the first broken one."""
    _, factory = database()
    with UnitOfWork(factory, None, system=True) as uow:
        report = audit.verify_chain(uow.session)
    if as_json:
        emit_json(report.to_dict())
    elif report.ok:
        console.print(f"[green]audit trail intact[/]: {report.events_checked} events checked")
    else:
        console.print(
            f"[bold red]audit trail broken[/] at event {report.broken_seq} "
            f"(row id {report.broken_id}): {report.problem}; "
            f"{report.events_checked} events before it are intact"
        )
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("export")
def audit_export(
    output: Path = typer.Argument(..., help="CSV file to write ('-' for standard output)."),
) -> None:
    """Export the whole audit trail as CSV."""
    _, factory = database()
    with UnitOfWork(factory, None, system=True) as uow:
        events = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))
        chunks = audit.export_csv(events)
        if str(output) == "-":
            for chunk in chunks:
                sys.stdout.write(chunk)
            return
        with output.open("w", newline="", encoding="utf-8") as handle:
            for chunk in chunks:
                handle.write(chunk)
    console.print(f"audit trail written to {output}")


def config_show(as_json: bool = JsonOption) -> None:
    """Show the effective settings (the secret key is never printed)."""
    config = settings()
    values = {
        name: str(getattr(config, field))
        for name, field in (
            ("OPENCMC_DATA_DIR", "data_dir"),
            ("OPENCMC_DATABASE_URL", "database_url"),
            ("OPENCMC_FILE_STORE", "file_store"),
            ("OPENCMC_MAX_BODY_BYTES", "max_body_bytes"),
            ("OPENCMC_MAX_UPLOAD_BYTES", "max_upload_bytes"),
            ("OPENCMC_LOG_LEVEL", "log_level"),
        )
    }
    if as_json:
        emit_json({"settings": values, "variables": list(VARIABLES)})
        return
    table = Table("variable", "value")
    for name, value in values.items():
        table.add_row(name, value)
    console.print(table)
