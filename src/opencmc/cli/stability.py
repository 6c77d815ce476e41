"""`opencmc stability` commands: ICH Q1E shelf life and Arrhenius fits from CSV or XLSX files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from opencmc.cli.engine_io import fail as _fail
from opencmc.cli.engine_io import read_table as _read_table
from opencmc.science.stats import accelerated, stability
from opencmc.science.stats._validation import StatsInputError, require_columns

app = typer.Typer(
    help="Stability statistics: ICH Q1E shelf life and accelerated (Arrhenius) studies.",
    no_args_is_help=True,
)
_out = Console()


def _print_json(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, indent=2))


@app.command("shelf-life")
def shelf_life_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per measurement."),
    time: str = typer.Option(..., "--time", help="Column with the time points (e.g. months)."),
    value: str = typer.Option(..., "--value", help="Column with the measured values."),
    batch: str | None = typer.Option(None, "--batch", help="Column naming the batch (lot)."),
    lower: float | None = typer.Option(None, "--lower", help="Lower acceptance limit."),
    upper: float | None = typer.Option(None, "--upper", help="Upper acceptance limit."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level."),
    pool_alpha: float = typer.Option(0.25, "--pool-alpha", help="Poolability significance."),
    separate_mse: str = typer.Option(
        "per_batch", "--separate-mse", help="Separate-slopes error: per_batch or pooled."
    ),
    model: str = typer.Option("auto", "--model", help="auto, pooled, common_slope, separate."),
    transform: str | None = typer.Option(None, "--transform", help="Use 'log' to fit ln(value)."),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet name for XLSX files."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Write the stability plot (PNG/SVG)."),
) -> None:
    """Estimate the shelf life of a stability study by ICH Q1E."""
    data = _read_table(file, sheet)
    try:
        require_columns(data, [time, value, batch])
        result = stability.shelf_life(
            data,
            time=time,
            value=value,
            batch=batch,
            lower=lower,
            upper=upper,
            confidence=confidence,
            pool_alpha=pool_alpha,
            separate_slopes_mse=separate_mse,
            model=model,
            transform=transform,
        )
    except StatsInputError as exc:
        _fail(f"{file}: {exc}")
    if plot is not None:
        if plot.suffix.lower() not in (".png", ".svg", ".pdf"):
            _fail(f"{plot}: plot file must end in .png, .svg or .pdf")
        result.plot(plot)
    if as_json:
        _print_json(result.to_dict())
        return
    _print_shelf_life(result)


def _print_shelf_life(result: stability.ShelfLifeResult) -> None:
    table = Table(title=f"Shelf life of {result.value} (ICH Q1E)")
    table.add_column("batch")
    table.add_column("intercept", justify="right")
    table.add_column("slope", justify="right")
    table.add_column("n", justify="right")
    table.add_column(f"shelf life ({result.time})", justify="right")
    for line in result.lines:
        shown = "not reached" if line.shelf_life is None else f"{line.shelf_life:.2f}"
        table.add_row(line.batch, f"{line.intercept:.4g}", f"{line.slope:.4g}", str(line.n), shown)
    _out.print(table)
    _out.print(result.summary(), markup=False, highlight=False)


@app.command("arrhenius")
def arrhenius_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per stress condition."),
    temperature: str = typer.Option(..., "--temperature", help="Column with temperature (°C)."),
    time: str = typer.Option(..., "--time", help="Column with the isoconversion time."),
    humidity: str | None = typer.Option(None, "--humidity", help="Column with % RH."),
    storage_temperature: float = typer.Option(25.0, "--storage-temperature", help="°C."),
    storage_humidity: float | None = typer.Option(None, "--storage-humidity", help="% RH."),
    level: float = typer.Option(0.95, "--level", help="Confidence level of the interval."),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet name for XLSX files."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Fit an Arrhenius (or humidity-corrected) model and predict the storage shelf life."""
    data = _read_table(file, sheet)
    try:
        require_columns(data, [temperature, time, humidity])
        result = accelerated.arrhenius(
            data[temperature],
            data[time],
            humidity=None if humidity is None else data[humidity],
            storage_temperature_c=storage_temperature,
            storage_humidity=storage_humidity,
            level=level,
        )
    except StatsInputError as exc:
        _fail(f"{file}: {exc}")
    if as_json:
        _print_json(result.to_dict())
        return
    table = Table(title="Arrhenius fit of isoconversion times")
    table.add_column("quantity")
    table.add_column("estimate", justify="right")
    table.add_column("standard error", justify="right")
    table.add_row(
        "Ea (kJ/mol)",
        f"{result.activation_energy_kj_mol:.2f}",
        f"{result.activation_energy_se:.2f}",
    )
    table.add_row("ln A", f"{result.ln_a:.3f}", f"{result.ln_a_se:.3f}")
    if result.humidity_coefficient is not None:
        table.add_row(
            "B (per % RH)",
            f"{result.humidity_coefficient:.4f}",
            f"{result.humidity_coefficient_se:.4f}",
        )
    _out.print(table)
    p = result.prediction
    _out.print(
        f"Predicted shelf life at {p.temperature_c:g} °C"
        + (f" / {p.humidity:g} % RH" if p.humidity is not None else "")
        + f": {p.shelf_life:.3g} ({p.lower:.3g} to {p.upper:.3g}); {p.interval_method}",
        markup=False,
        highlight=False,
    )
