"""`opencmc design vector` commands: AAV, lentiviral and plasmid manufacturability checks."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Vector and plasmid manufacturability: AAV packaging and ITRs, lentiviral insert "
    "size, GC, homopolymers, repeats, CpG, restriction sites, ORFs and Kozak context.",
    no_args_is_help=True,
)
_out = Console()
_LEVEL_STYLE = {"info": "dim", "low": "green", "medium": "yellow", "high": "bold red"}


@app.callback()
def _group() -> None:
    """Vector and plasmid manufacturability checks."""


def _fail(message: str) -> None:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=2)


@app.command("check")
def check_command(
    file: Path = typer.Argument(..., help="FASTA or GenBank file (one or more records)."),
    as_json: bool = typer.Option(False, "--json", help="Print machine-readable JSON."),
    kind: str = typer.Option("auto", "--kind", help="auto, aav, lenti or plasmid."),
    genome: str = typer.Option("auto", "--genome", help="AAV genome: auto, ss or sc."),
    topology: str | None = typer.Option(
        None, "--topology", help="circular or linear (default: the record's, FASTA circular)."
    ),
    enzyme: list[str] = typer.Option(
        [], "--enzyme", help="Restriction enzyme to look for (repeatable; default: a common set)."
    ),
    min_repeat: int | None = typer.Option(None, "--min-repeat", help="Shortest repeat (bp)."),
    min_orf: int = typer.Option(100, "--min-orf", help="Shortest ORF reported (codons)."),
    show_info: bool = typer.Option(False, "--all", help="Also list info-level findings."),
) -> None:
    """Check each construct; every finding with its position (1-based) and risk level."""
    from opencmc.science.design.plasmid import DEFAULT_ENZYMES
    from opencmc.science.design.vector import ConstructInputError, check, read_constructs

    if not file.exists():
        _fail(f"{file}: file not found")
    if kind not in ("auto", "aav", "lenti", "plasmid"):
        _fail(f"--kind must be auto, aav, lenti or plasmid, not {kind!r}")
    if genome not in ("auto", "ss", "sc"):
        _fail(f"--genome must be auto, ss or sc, not {genome!r}")
    if topology not in (None, "circular", "linear"):
        _fail(f"--topology must be circular or linear, not {topology!r}")
    try:
        records = read_constructs(file)
        reports = [
            check(
                record,
                kind=kind,
                genome=genome,
                circular=None if topology is None else topology == "circular",
                enzymes=enzyme or DEFAULT_ENZYMES,
                min_repeat=min_repeat,
                min_orf_aa=min_orf,
            )
            for record in records
        ]
    except (ConstructInputError, ValueError) as exc:
        _fail(f"{file}: {exc}")
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], indent=2))
        return
    for report in reports:
        genome_text = f", {report.genome}AAV" if report.genome else ""
        table = Table(
            title=(
                f"{report.record_id}: {report.length} bp "
                f"{'circular' if report.circular else 'linear'}, {report.kind}{genome_text}, "
                f"GC {report.gc_percent:.1f}%"
            ),
            title_justify="left",
        )
        table.add_column("level")
        table.add_column("check")
        table.add_column("position", justify="right")
        table.add_column("finding")
        shown = [f for f in report if show_info or f.level != "info"]
        for f in shown:
            where = "" if f.start is None else f"{f.start}-{f.end}"
            style = _LEVEL_STYLE[f.level]
            table.add_row(f"[{style}]{f.level}[/]", f.check, where, f.message)
        if not shown:
            table.add_row("", "", "", "no finding above info level (use --all to list them)")
        _out.print(table)
        hidden = len(report) - len(shown)
        if hidden:
            _out.print(
                f"{hidden} info-level finding(s) not shown; --all lists them", highlight=False
            )
