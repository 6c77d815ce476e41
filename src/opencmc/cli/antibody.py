"""`opencmc design antibody` commands: developability profile, library screen and redesign."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from opencmc.cli.engine_io import fail as _fail

app = typer.Typer(
    help="Antibody and protein developability from sequence: profile, screen, redesign.",
    no_args_is_help=True,
)
_out = Console()
_COLOURS = {"green": "green", "amber": "yellow", "red": "red", None: "dim"}


def _profiles(file: Path, formulation_ph: float) -> list[Any]:
    from opencmc.science.design.antibody import profile_records
    from opencmc.science.design.antibody_input import AntibodyInputError, read_antibodies
    from opencmc.science.design.antibody_numbering import NumberingUnavailable

    try:
        records = read_antibodies(file)
        return profile_records(records, formulation_ph)
    except AntibodyInputError as exc:
        _fail("; ".join(exc.problems[:5]) + (" ..." if len(exc.problems) > 5 else ""))
    except NumberingUnavailable as exc:
        _fail(str(exc))
    raise AssertionError("unreachable")


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


@app.command("profile")
def profile_command(
    file: Path = typer.Argument(..., help="FASTA (NAME|heavy, NAME|light), CSV or XLSX."),
    formulation_ph: float = typer.Option(5.5, "--formulation-ph", help="pH for CSP and charge."),
    as_json: bool = typer.Option(False, "--json", help="Print a list of profiles as JSON."),
) -> None:
    """Profile each antibody: CDRs, germline, liabilities, properties and flags."""
    from opencmc.science.design.antibody import rank

    profiles = _profiles(file, formulation_ph)
    if as_json:
        typer.echo(json.dumps([p.to_dict() for p in profiles], indent=2))
        return
    table = Table(title=f"Developability of {len(profiles)} candidate(s), best first")
    table.add_column("rank")
    table.add_column("name", no_wrap=True)  # the record name must stay searchable
    for column in ("kind", "pI", "charge 7.4", "CDR hydroph.", "Fv CSP"):
        table.add_column(column)
    table.add_column("high / medium liabilities")
    table.add_column("flags")
    for i, p in enumerate(rank(profiles), start=1):
        flags = " ".join(
            f"[{_COLOURS[v]}]{k}[/]" for k, v in p.flags.items() if v in ("amber", "red")
        )
        high = sum(h.risk == "high" for h in p.liabilities)
        medium = sum(h.risk == "medium" for h in p.liabilities)
        table.add_row(
            str(i),
            p.name,
            p.kind,
            _fmt(p.pi),
            _fmt(p.net_charge),
            _fmt(p.cdr_hydrophobicity),
            _fmt(p.fv_csp),
            f"{high} / {medium}",
            flags or "[green]all green[/]",
        )
    _out.print(table)
    for p in profiles:
        for note in p.notes:
            _out.print(f"[yellow]{p.name}: {note}[/]")


@app.command("redesign")
def redesign_command(
    file: Path = typer.Argument(..., help="FASTA, CSV or XLSX of candidates."),
    no_cdr: bool = typer.Option(False, "--no-cdr", help="Never propose CDR substitutions."),
    as_json: bool = typer.Option(False, "--json", help="Print proposals as JSON."),
) -> None:
    """Propose substitutions that remove each high-risk liability, with before/after."""
    from opencmc.science.design.antibody import redesign

    payload = []
    for p in _profiles(file, 5.5):
        for r in redesign(p, allow_cdr=not no_cdr):
            payload.append({"name": p.name, **r.to_dict()})
    if as_json:
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(title="Redesign proposals")
    for column in ("name", "liability", "mutation", "CDR?", "removed", "pI before/after"):
        table.add_column(column)
    for row in payload:
        hit = row["liability"]
        table.add_row(
            row["name"],
            f"{hit['motif']} {hit['chain']} {hit['position']} ({hit['region']})",
            row["mutation"],
            "[yellow]changes a CDR[/]" if row["changes_cdr"] else "no",
            "yes" if row["removed"] else "no",
            f"{row['before']['pi']:.2f} / {row['after']['pi']:.2f}",
        )
    _out.print(table)


def _parse_criteria(items: list[str]) -> dict[str, tuple[float | None, float | None]]:
    criteria: dict[str, tuple[float | None, float | None]] = {}
    for item in items:
        try:
            column, bounds = item.split("=", 1)
            low, high = bounds.split(":", 1)
            criteria[column.strip()] = (
                float(low) if low.strip() else None,
                float(high) if high.strip() else None,
            )
        except ValueError:
            _fail(f"--keep {item!r}: expected COLUMN=MIN:MAX (either side may be empty)")
    return criteria


@app.command("screen")
def screen_command(
    file: Path = typer.Argument(..., help="CSV, TSV or Parquet with name, heavy[, light]."),
    out: Path = typer.Option(..., "--out", help="Result file (.csv or .parquet)."),
    keep: list[str] = typer.Option([], "--keep", help="Filter COLUMN=MIN:MAX, repeatable."),
    sort_by: str = typer.Option("motif_high", "--sort-by", help="Column to rank by."),
    formulation_ph: float = typer.Option(5.5, "--formulation-ph", help="pH for CSP."),
    chunk_size: int = typer.Option(50_000, "--chunk-size", help="Rows per chunk in memory."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Profile a library of variants in chunks, filter and rank, write CSV or Parquet."""
    from rich.progress import Progress

    from opencmc.science.design.antibody_input import AntibodyInputError
    from opencmc.science.design.antibody_numbering import NumberingUnavailable
    from opencmc.science.design.antibody_screen import screen

    criteria = _parse_criteria(keep)
    try:
        with Progress(console=Console(stderr=True), disable=as_json) as bar:
            task = bar.add_task("profiling", total=None)
            result = screen(
                file,
                out,
                formulation_ph,
                criteria,
                sort_by,
                chunk_size,
                progress=lambda n: bar.advance(task, n),
            )
    except (AntibodyInputError, NumberingUnavailable, KeyError) as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _out.print(
            f"{result.rows} variants profiled, {result.kept} kept, "
            f"{result.not_numbered} not numbered, written to {result.out}"
        )
