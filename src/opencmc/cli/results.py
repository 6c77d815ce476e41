"""`opencmc results import`: load a results table into batches on this server's database."""

from __future__ import annotations

from pathlib import Path

import typer

from opencmc.cli.common import JsonOption, console, domain_errors, emit_json, fail
from opencmc.cli.programs import AsOption, _actor
from opencmc.platform.quality.results import ImportRefused, import_results
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork

app = typer.Typer(help="Test results: import a CSV/XLSX into batches.", no_args_is_help=True)


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="CSV or XLSX: attribute, value, unit (and batch)."),
    user: str = AsOption,
    batch: str | None = typer.Option(None, "--batch", help="Batch number for every row."),
    as_json: bool = JsonOption,
) -> None:
    """Check every row first; any problem imports nothing and lists each row and column."""
    if not file.exists():
        fail(f"{file}: file not found")
    factory, actor = _actor(user)
    with domain_errors(), UnitOfWork(factory, actor) as uow:
        try:
            table = read_table(file.read_bytes(), file.name)
            count = import_results(uow, table, batch_number=batch)
        except ImportRefused as refused:  # every problem, one a line
            if as_json:
                problems = [
                    {"row": p.row, "column": p.column, "message": p.message}
                    for p in refused.problems
                ]
                emit_json({"imported": 0, "problems": problems})
                raise typer.Exit(2) from None
            for problem in refused.problems:
                console.print(f"{file.name}: {problem}", highlight=False)
            fail(f"nothing imported: {len(refused.problems)} problem(s)")
        uow.commit()
    if as_json:
        emit_json({"imported": count})
    else:
        console.print(f"{count} result(s) imported from {file.name}")
