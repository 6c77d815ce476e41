"""`opencmc roadmap`: the phase-appropriate CMC roadmap of a modality to a milestone."""

from __future__ import annotations

import json
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table

from opencmc.knowledge.loader import KnowledgeError, load_knowledge
from opencmc.knowledge.roadmap import Roadmap, build_roadmap

app = typer.Typer(
    help="The CMC activities a modality needs to reach a milestone, scheduled, with what is "
    "not needed yet.",
)
_out = Console()


def _fail(message: str) -> NoReturn:
    """One clear line on stderr and exit code 2 (bad input), never a traceback."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=2)


@app.callback(invoke_without_command=True)
def roadmap_command(
    program_id: int | None = typer.Argument(
        None, help="A program on this server's database: its roadmap with readiness."
    ),
    modality: str | None = typer.Option(
        None,
        "--modality",
        "-m",
        help="Modality or alias: mab, protein, sm, mrna, sirna, aso, cell, aav, lenti.",
    ),
    from_stage: str = typer.Option(
        "candidate_optimisation",
        "--from",
        help="Current stage or alias (candidate, pd, nc, phase1, phase2, phase3).",
    ),
    to: str | None = typer.Option(
        None, "--to", help="Target milestone or alias: nc, phase1, phase2, phase3, ma."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the roadmap as JSON."),
) -> None:
    """Show the roadmap of a program, or of a modality from a stage to a milestone (the
    second form needs no database)."""
    if program_id is not None:
        show_program_roadmap(program_id, as_json=as_json)
        return
    if modality is None or to is None:
        _fail("give --modality and --to, e.g. opencmc roadmap --modality mab --to phase1")
    show_roadmap(modality, from_stage, to, as_json=as_json)


def show_roadmap(modality: str, current_stage: str, target: str, *, as_json: bool) -> None:
    """Build and print a roadmap; the program form of the command reuses it."""
    try:
        roadmap = build_roadmap(modality, current_stage, target, load_knowledge())
    except (ValueError, KnowledgeError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(roadmap.to_dict(), indent=2))
    else:
        render_roadmap(roadmap, _out)


def show_program_roadmap(program_id: int, *, as_json: bool) -> None:
    """A program's roadmap with the readiness recorded for it (read in the system scope)."""
    from opencmc.cli.common import database
    from opencmc.platform.errors import DomainError
    from opencmc.platform.readiness import program_readiness
    from opencmc.platform.uow import UnitOfWork

    _, factory = database()
    with UnitOfWork(factory, None, system=True) as uow:
        try:
            found = program_readiness(uow.session, program_id)
        except DomainError as error:
            _fail(error.message)
        if as_json:
            typer.echo(json.dumps(found.to_dict(), indent=2, default=str))
            return
        render_roadmap(found.roadmap, _out)
        ready = found.readiness
        _out.print(
            f"Readiness of {found.program.name}: {ready.fraction_done:.0%} done, "
            f"{len(ready.blocking_gaps)} gaps block the milestone"
        )
        for gap in ready.blocking_gaps:
            _out.print(f"  missing: {gap.title} ({', '.join(gap.guidelines) or 'no guideline'})")


def _weeks(low: float, high: float) -> str:
    return f"{low:g}" if low == high else f"{low:g}-{high:g}"


def _money(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.2g}M" if value < 10_000_000 else f"{value / 1e6:.0f}M"
    return f"{value / 1000:.0f}k"


def render_roadmap(roadmap: Roadmap, console: Console) -> None:
    """Print the schedule table, totals, critical path and the not-needed-yet list."""
    title = (
        f"CMC roadmap: {roadmap.modality.label}, {roadmap.current_stage.label} -> "
        f"{roadmap.target.label}"
    )
    currency = roadmap.cost.currency
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("Activity")
    table.add_column("Done before")
    table.add_column("Weeks", justify="right")
    table.add_column("Start-finish (wk)", justify="right")
    table.add_column(f"Cost ({currency})", justify="right")
    table.add_column("Critical")
    for n, item in enumerate(roadmap.items, start=1):
        table.add_row(
            str(n),
            f"{item.activity.title}\n[dim]{item.id}[/]",
            item.due_stage.label,
            _weeks(*item.duration_weeks),
            f"{item.earliest_start_weeks:g}-{item.earliest_finish_weeks:g}",
            f"{_money(item.cost.min)}-{_money(item.cost.max)}",
            "[bold yellow]critical[/]" if item.critical else f"slack {item.slack_weeks:g}",
        )
    console.print(table)
    low, high = roadmap.duration_weeks
    console.print(
        f"Duration along the critical path: {low:g}-{high:g} weeks "
        "(start-finish columns use the longest durations)"
    )
    console.print(
        f"Cost, all activities: {currency} {_money(roadmap.cost.min)}-"
        f"{_money(roadmap.cost.max)} (typical ranges, not quotes)"
    )
    console.print("Critical path: " + " -> ".join(roadmap.critical_path))
    if roadmap.prerequisites:
        names = ", ".join(a.id for a in roadmap.prerequisites)
        console.print(f"Expected done before {roadmap.current_stage.label}: {names}")
    if roadmap.not_needed:
        deferred = Table(title=f"Not needed yet for {roadmap.target.label}", title_justify="left")
        deferred.add_column("Activity")
        deferred.add_column("Needed from")
        deferred.add_column("Why not now")
        for entry in roadmap.not_needed:
            deferred.add_row(
                f"{entry.activity.title}\n[dim]{entry.activity.id}[/]",
                entry.needed_from.label if entry.needed_from else "-",
                entry.reason,
            )
        console.print(deferred)
