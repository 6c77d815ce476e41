"""What every command shares: settings, the database, JSON output and clear errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from opencmc.config import ConfigError, Settings, load_settings
from opencmc.platform.db import create_db_engine, make_session_factory
from opencmc.platform.errors import DomainError

console = Console()
errors = Console(stderr=True)

JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as error:
        fail(str(error))


def database(config: Settings | None = None) -> tuple[Engine, sessionmaker[Session]]:
    config = config or settings()
    engine = create_db_engine(config.database_url)
    return engine, make_session_factory(engine)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, default=str) + "\n")


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn a workflow's error into a one-line message and exit code 2."""
    try:
        yield
    except DomainError as error:
        fail(error.message)
