"""`opencmc design molecule` commands: small-molecule developability from SMILES, SDF or CSV."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Small-molecule developability: descriptors, rule sets, QED, SA score, ESOL, "
    "PAINS/Brenk/ICH M7 alerts, risk ranking and streaming screens.",
    no_args_is_help=True,
)
_out = Console()
_LEVEL_STYLE = {"low": "green", "medium": "yellow", "high": "bold red"}
_SHORT = {
    "mutagenicity (ICH M7)": "mutagenicity",
    "nitrosamine": "nitrosamine",
    "synthesis (SA score)": "synthesis",
    "solubility (ESOL)": "solubility",
    "drug-likeness": "drug-likeness",
    "stereochemistry": "stereo",
    "assay interference (PAINS)": "PAINS",
    "unwanted groups (Brenk)": "Brenk",
}


def _fail(message: str) -> None:
    """One clear line on stderr and exit code 2 (bad input), never a traceback."""
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    raise typer.Exit(code=2)


def _read(file: Path, smiles_column: str | None, name_column: str | None) -> Any:
    from opencmc.science.design.smallmol_input import MoleculeInputError, read_molecules

    try:
        batch = read_molecules(file, smiles_column=smiles_column, name_column=name_column)
    except MoleculeInputError as exc:
        _fail(str(exc))
    for error in batch.errors:
        typer.echo(
            f"{file}:{error.line}: skipped record {error.name or error.index + 1}: {error.reason}",
            err=True,
        )
    if not batch.records:
        _fail(f"{file}: no readable molecule ({len(batch.errors)} record(s) failed)")
    return batch


def _profiles(file: Path, smiles_column: str | None, name_column: str | None) -> list[Any]:
    from opencmc.science.design.smallmol_profile import profile

    batch = _read(file, smiles_column, name_column)
    results = []
    for record in batch.records:
        text = record.text if "\n" not in record.text else None
        name = record.name or f"#{record.index + 1}"
        try:
            results.append(profile(record.mol, name=name, input_smiles=text))
        except Exception as exc:  # one molecule RDKit cannot process must not stop the file
            typer.echo(f"{file}:{record.line}: cannot profile {name}: {exc}", err=True)
    if not results:
        _fail(f"{file}: no molecule could be profiled")
    return results


def _emit_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2))


def _level(level: str) -> str:
    return f"[{_LEVEL_STYLE.get(level, '')}]{level}[/]"


SmilesColumn = typer.Option(None, "--smiles-column", help="CSV column holding the SMILES.")
NameColumn = typer.Option(None, "--name-column", help="CSV column holding the name.")
JsonFlag = typer.Option(False, "--json", help="Print machine-readable JSON.")


@app.command("profile")
def profile_command(
    file: Path = typer.Argument(..., help="SMILES (.smi), SDF (.sdf) or CSV (.csv) file."),
    as_json: bool = JsonFlag,
    smiles_column: str | None = SmilesColumn,
    name_column: str | None = NameColumn,
) -> None:
    """Profile every molecule: parent, descriptors, rule sets, QED, SA, ESOL, alerts, risks.

    Unreadable records are reported on stderr with their line and RDKit's reason.
    """
    results = _profiles(file, smiles_column, name_column)
    if as_json:
        _emit_json([p.to_dict() for p in results])
        return
    for p in results:
        _print_profile(p)


def _print_profile(p: Any) -> None:
    d = p.descriptors
    title = f"{p.name}: {p.parent_smiles}"
    table = Table(title=title, show_header=True, title_justify="left")
    table.add_column("property")
    table.add_column("value", justify="right")
    rows = [
        ("MW (g/mol)", f"{d.molecular_weight:.2f}"),
        ("cLogP (Crippen)", f"{d.clogp:.2f}"),
        ("TPSA (A^2)", f"{d.tpsa:.1f}"),
        ("H-bond donors / acceptors", f"{d.hbd} / {d.hba}"),
        ("rotatable bonds", str(d.rotatable_bonds)),
        ("aromatic rings", str(d.aromatic_rings)),
        ("fraction sp3", f"{d.fraction_csp3:.2f}"),
        (
            "stereocentres defined / undefined",
            f"{len(p.stereocentres) - len(p.undefined_stereocentres)} / "
            f"{len(p.undefined_stereocentres)}",
        ),
        ("QED", f"{p.qed:.3f}"),
        ("SA score (1-10)", "n/a" if p.sa_score is None else f"{p.sa_score:.2f}"),
        ("ESOL log S (mol/L)", f"{p.esol_log_s:.2f} ({p.esol.solubility_class}, +/- 0.9)"),
    ]
    for rule in p.rules:
        rows.append((rule.name, "pass" if rule.passed else "fail"))
    for name, value in rows:
        table.add_row(name, value)
    _out.print(table)
    removed = p.standardisation.removed
    if removed:
        _out.print(
            "removed: " + ", ".join(f"{r.name or r.smiles} x{r.count}" for r in removed),
            markup=False,
            highlight=False,
        )
    risks = Table(show_header=True)
    risks.add_column("risk area")
    risks.add_column("level")
    risks.add_column("finding")
    for r in p.risks:
        risks.add_row(r.area, _level(r.level), r.finding)
    _out.print(risks)


@app.command("alerts")
def alerts_command(
    file: Path = typer.Argument(..., help="SMILES (.smi), SDF (.sdf) or CSV (.csv) file."),
    family: list[str] = typer.Option(
        [],
        "--family",
        help="Only these families: 'PAINS A', 'PAINS B', 'PAINS C', Brenk, 'ICH M7'.",
    ),
    as_json: bool = JsonFlag,
    smiles_column: str | None = SmilesColumn,
    name_column: str | None = NameColumn,
) -> None:
    """List the structural alerts of each molecule with SMARTS, matched atoms and source."""
    from opencmc.science.design.smallmol_alerts import FAMILIES, find_alerts
    from opencmc.science.design.smallmol_standardise import standardise

    families = family or list(FAMILIES)
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        _fail(f"unknown alert family {unknown}; choose from {list(FAMILIES)}")
    batch = _read(file, smiles_column, name_column)
    payload = []
    for record in batch.records:
        parent = standardise(record.mol)
        alerts = find_alerts(parent.parent, families)
        payload.append(
            {
                "name": record.name or f"#{record.index + 1}",
                "line": record.line,
                "parent_smiles": parent.parent_smiles,
                "alerts": [a.to_dict() for a in alerts],
            }
        )
    if as_json:
        _emit_json(payload)
        return
    table = Table(title="Structural alerts (atoms: 0-based indices of the parent)")
    for column in ("molecule", "family", "alert", "level", "atoms", "SMARTS"):
        table.add_column(column)
    for item in payload:
        if not item["alerts"]:
            table.add_row(item["name"], "", "no alert", "", "", "")
        for a in item["alerts"]:
            table.add_row(
                item["name"],
                a["family"],
                a["name"],
                _level(a["level"]),
                ",".join(map(str, a["atoms"])),
                a["smarts"],
            )
    _out.print(table)


@app.command("rank")
def rank_command(
    file: Path = typer.Argument(..., help="SMILES (.smi), SDF (.sdf) or CSV (.csv) file."),
    top: int | None = typer.Option(None, "--top", help="Show only the first N."),
    as_json: bool = JsonFlag,
    smiles_column: str | None = SmilesColumn,
    name_column: str | None = NameColumn,
) -> None:
    """Rank a series from least to most developability risk, with the risk table."""
    from opencmc.science.design.smallmol_rank import AREAS, rank

    ranked = rank(_profiles(file, smiles_column, name_column))
    if top is not None:
        ranked = ranked[: max(0, top)]
    if as_json:
        _emit_json([r.to_dict() for r in ranked])
        return
    table = Table(title="Series ranked by developability risk (3 per high, 1 per medium area)")
    table.add_column("#", justify="right")
    table.add_column("molecule")
    table.add_column("score", justify="right")
    table.add_column("QED", justify="right")
    table.add_column("SA", justify="right")
    table.add_column("log S", justify="right")
    table.add_column("medium and high risks")
    for r in ranked:
        concerns = [
            f"{_SHORT[a]} {_level(r.levels[a])}" for a in AREAS if r.levels[a] in ("medium", "high")
        ]
        table.add_row(
            str(r.rank),
            r.name,
            str(r.risk_score),
            f"{r.qed:.2f}",
            "n/a" if r.sa_score is None else f"{r.sa_score:.1f}",
            f"{r.esol_log_s:.1f}",
            ", ".join(concerns) or "none",
        )
    _out.print(table)


@app.command("screen")
def screen_command(
    file: Path = typer.Argument(..., help="SMILES (.smi), SDF (.sdf) or CSV (.csv) file."),
    out: Path = typer.Option(..., "--out", help="Output: .csv, or JSON Lines (.jsonl)."),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes (all CPUs)."),
    chunk_size: int = typer.Option(200, "--chunk-size", help="Records per task."),
    full: bool = typer.Option(False, "--full", help="Write full profiles (JSON Lines only)."),
    smiles_column: str | None = SmilesColumn,
    name_column: str | None = NameColumn,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Profile a file of any size, streaming, on every core, one output row per record."""
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from opencmc.science.design.smallmol_input import MoleculeInputError
    from opencmc.science.design.smallmol_screen import screen

    if not file.exists():
        _fail(f"{file}: file not found")
    if workers is not None and workers < 1:
        _fail("--workers must be at least 1")
    if chunk_size < 1:
        _fail("--chunk-size must be at least 1")
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[done]} molecules"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=quiet,
    )
    task = progress.add_task("screening", total=max(file.stat().st_size, 1), done=0)

    def report(done: int, bytes_read: int, total: int) -> None:
        progress.update(task, completed=bytes_read, done=done)

    try:
        with progress:
            summary = screen(
                file,
                out,
                workers=workers,
                chunk_size=chunk_size,
                full=full,
                smiles_column=smiles_column,
                name_column=name_column,
                progress=report,
            )
    except MoleculeInputError as exc:
        _fail(str(exc))
    typer.echo(
        f"{summary.records} records ({summary.profiled} profiled, {summary.errors} unreadable) "
        f"-> {summary.out} in {summary.seconds:.1f} s on {summary.workers} worker(s), "
        f"{summary.molecules_per_second:.0f} molecules/s"
    )


@app.command("draw")
def draw_command(
    smiles: str = typer.Argument(..., help="A SMILES string."),
    out: Path = typer.Option(..., "--out", help="SVG file to write."),
    name: str = typer.Option("", "--name", help="Legend under the drawing."),
) -> None:
    """Draw a molecule's parent as SVG with its structural alerts highlighted."""
    from opencmc.science.design.smallmol_draw import draw_profile_svg
    from opencmc.science.design.smallmol_input import MoleculeInputError
    from opencmc.science.design.smallmol_profile import profile

    try:
        result = profile(smiles, name=name)
    except MoleculeInputError as exc:
        _fail(str(exc))
    out.write_text(draw_profile_svg(result), encoding="utf-8")
    typer.echo(f"wrote {out}")
