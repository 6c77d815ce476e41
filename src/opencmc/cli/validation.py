"""`opencmc validation` commands: ICH Q2(R2) linearity, accuracy, precision and LOD/LOQ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from opencmc.cli.engine_io import (
    check_plot_path,
    columns,
    fail,
    float_pair,
    print_json,
    read_table,
)
from opencmc.science.stats import validation
from opencmc.science.stats._validation import StatsInputError

app = typer.Typer(
    help="Analytical method validation (ICH Q2(R2)): linearity, accuracy, precision, LOD.",
    no_args_is_help=True,
)
_out = Console()

JSON = typer.Option(False, "--json", help="Print the full result as JSON.")
SHEET = typer.Option(None, "--sheet", help="Worksheet name for XLSX files.")
CONFIDENCE = typer.Option(0.95, "--confidence", help="Confidence level.")


def _show(result: Any, as_json: bool) -> None:
    """The result's JSON, or its summary for people."""
    if as_json:
        print_json(result.to_dict())
    else:
        _out.print(result.summary(), markup=False, highlight=False)


@app.command("linearity")
def linearity_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per injection."),
    concentration: str = typer.Option(..., "--concentration", help="Concentration column."),
    response: str = typer.Option(..., "--response", help="Response (e.g. peak area) column."),
    target: float | None = typer.Option(None, "--target", help="100 % test concentration."),
    confidence: float = CONFIDENCE,
    sheet: str | None = SHEET,
    as_json: bool = JSON,
    plot: Path | None = typer.Option(None, "--plot", help="Line and residuals (PNG/SVG/PDF)."),
) -> None:
    """Linearity: slope, intercept (with CIs), r, R², residuals and lack of fit."""
    check_plot_path(plot)
    data = read_table(file, sheet)
    columns(data, file, concentration, response)
    try:
        result = validation.linearity(
            data[concentration], data[response], target=target, confidence=confidence
        )
    except StatsInputError as exc:
        fail(f"{file}: {exc}")
    if plot is not None:
        result.plot(plot)
    _show(result, as_json)


@app.command("accuracy")
def accuracy_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per determination."),
    nominal: str = typer.Option(..., "--nominal", help="Nominal (spiked) amount column."),
    measured: str = typer.Option(..., "--measured", help="Measured amount column."),
    level: str | None = typer.Option(None, "--level", help="Level label column."),
    limits: str | None = typer.Option(None, "--limits", help="Recovery limits in %, e.g. 98,102."),
    confidence: float = CONFIDENCE,
    sheet: str | None = SHEET,
    as_json: bool = JSON,
) -> None:
    """Accuracy: recovery per level and overall, with confidence intervals."""
    pair = float_pair(limits, "--limits")
    data = read_table(file, sheet)
    columns(data, file, nominal, measured, level)
    try:
        result = validation.accuracy(
            data[nominal],
            data[measured],
            None if level is None else data[level],
            limits=pair,
            confidence=confidence,
        )
    except StatsInputError as exc:
        fail(f"{file}: {exc}")
    _show(result, as_json)


@app.command("precision")
def precision_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per determination."),
    value: str = typer.Option(..., "--value", help="Result column."),
    factor: list[str] = typer.Option(
        None, "--factor", help="Run/day factor; give two for a nested design (outer first)."
    ),
    method: str = typer.Option("auto", "--method", help="auto, anova or reml."),
    ci: str = typer.Option("mls", "--ci", help="mls or satterthwaite (total variance)."),
    confidence: float = CONFIDENCE,
    sheet: str | None = SHEET,
    as_json: bool = JSON,
) -> None:
    """Repeatability (no --factor) or intermediate precision (variance components)."""
    data = read_table(file, sheet)
    factors = list(factor or [])
    columns(data, file, value, *factors)
    try:
        if factors:
            result = validation.intermediate_precision(
                data, value, factors, method=method, ci=ci, confidence=confidence
            )
        else:
            result = validation.repeatability(data[value], confidence=confidence)
    except StatsInputError as exc:
        fail(f"{file}: {exc}")
    _show(result, as_json)


@app.command("lod")
def lod_command(
    file: Path | None = typer.Argument(None, help="Calibration file (not for --signal)."),
    concentration: str | None = typer.Option(None, "--concentration", help="Concentration column."),
    response: str | None = typer.Option(None, "--response", help="Response column."),
    sigma: str = typer.Option("residual", "--sigma", help="residual or intercept."),
    signal: float | None = typer.Option(None, "--signal", help="Peak height H (S/N route)."),
    noise: float | None = typer.Option(None, "--noise", help="Peak-to-peak noise h."),
    at: float | None = typer.Option(None, "--at", help="Concentration of the S/N sample."),
    sheet: str | None = SHEET,
    as_json: bool = JSON,
) -> None:
    """LOD and LOQ: 3.3·σ/S and 10·σ/S from a calibration file, or from signal-to-noise."""
    try:
        if signal is not None or noise is not None:
            if signal is None or noise is None or at is None:
                fail("the signal-to-noise route needs --signal, --noise and --at")
            result = validation.lod_signal_to_noise(at, signal, noise)
        else:
            if file is None or concentration is None or response is None:
                fail("give FILE with --concentration and --response, or --signal/--noise/--at")
            data = read_table(file, sheet)
            columns(data, file, concentration, response)
            result = validation.lod_loq(data[concentration], data[response], sigma=sigma)
    except StatsInputError as exc:
        fail(f"{file or 'lod'}: {exc}")
    _show(result, as_json)
