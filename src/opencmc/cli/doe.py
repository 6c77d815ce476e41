"""`opencmc doe` commands: build a design's run sheet, analyse the results, optimise responses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from opencmc.cli.engine_io import fail as _fail
from opencmc.cli.engine_io import read_table as _read_table
from opencmc.science.stats import doe
from opencmc.science.stats._validation import StatsInputError
from opencmc.science.stats.doe.analyze import BOOKKEEPING

app = typer.Typer(
    help="Design of experiments: run sheets, analysis of results, multi-response optimisation.",
    no_args_is_help=True,
)
_out = Console(emoji=False)

KINDS = ("full", "fractional", "pb", "dsd", "ccd", "bbd", "optimal", "lattice", "centroid")


def parse_factor(text: str, mixture: bool = False) -> doe.Factor:
    """``T=160:180:°C`` (continuous), ``K=A,B`` (categorical), ``n=1,2,4`` (discrete)."""
    if "=" not in text:
        raise StatsInputError(
            f"factor {text!r}: write NAME=LOW:HIGH[:UNITS] or NAME=LEVEL1,LEVEL2,..."
        )
    name, spec = (s.strip() for s in text.split("=", 1))
    if "," in spec:
        levels = [v.strip() for v in spec.split(",")]
        try:
            return doe.Factor(name, kind="discrete", levels=tuple(float(v) for v in levels))
        except ValueError:
            return doe.Factor(name, kind="categorical", levels=tuple(levels))
    parts = spec.split(":")
    if len(parts) < 2:
        raise StatsInputError(f"factor {text!r}: expected NAME=LOW:HIGH[:UNITS]")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError as exc:
        raise StatsInputError(f"factor {text!r}: low and high must be numbers") from exc
    units = ":".join(parts[2:])
    return doe.Factor(name, low, high, units=units, kind="mixture" if mixture else "continuous")


def _split(value: str | None) -> list[str] | None:
    return None if value is None else [v.strip() for v in value.split(",") if v.strip()]


@app.command("design")
def design_command(
    kind: str = typer.Argument(..., help=f"One of: {', '.join(KINDS)}."),
    factor: list[str] = typer.Option(
        ..., "--factor", "-f", help="NAME=LOW:HIGH[:UNITS] or NAME=L1,L2,... (repeat)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the run sheet (.csv or .xlsx)."),
    resolution: int | None = typer.Option(None, "--resolution", help="Fraction: resolution."),
    runs: int | None = typer.Option(None, "--runs", help="Number of runs (fraction, PB, optimal)."),
    generators: str | None = typer.Option(None, "--generators", help="Fraction: e.g. E=ABC,F=BCD."),
    levels: int = typer.Option(2, "--levels", help="Full factorial: levels of continuous factors."),
    centre: int | None = typer.Option(None, "--centre", help="Centre points."),
    replicates: int = typer.Option(1, "--replicates", help="Replicates of the whole design."),
    blocks: int = typer.Option(1, "--blocks", help="Blocks (two-level factorials, CCD)."),
    face: str = typer.Option(
        "circumscribed", "--face", help="CCD: circumscribed, inscribed, faced."
    ),
    alpha: str = typer.Option(
        "rotatable", "--alpha", help="CCD: rotatable, orthogonal or a number."
    ),
    model: str = typer.Option("quadratic", "--model", help="Optimal: model or terms A,B,A:B."),
    criterion: str = typer.Option("D", "--criterion", help="Optimal: D or I."),
    constraint: list[str] = typer.Option([], "--constraint", help="Linear constraint (repeat)."),
    degree: int = typer.Option(2, "--degree", help="Simplex lattice degree."),
    mixture: bool = typer.Option(False, "--mixture", help="Factors are mixture components."),
    seed: int | None = typer.Option(None, "--seed", help="Seed of the randomised run order."),
    no_randomize: bool = typer.Option(False, "--no-randomize", help="Keep standard order."),
    response: list[str] = typer.Option(["response"], "--response", help="Response columns."),
    as_json: bool = typer.Option(False, "--json", help="Print the design as JSON."),
) -> None:
    """Build a design and write its run sheet."""
    if kind not in KINDS:
        _fail(f"design kind must be one of {', '.join(KINDS)}, not {kind!r}")
    try:
        factors = [parse_factor(f, mixture) for f in factor]
        common: dict[str, Any] = {"randomize": not no_randomize, "seed": seed}
        c = {} if centre is None else {"centre_points": centre}
        if kind == "full":
            d = doe.full_factorial(
                factors, levels, replicates=replicates, blocks=blocks, **c, **common
            )
        elif kind == "fractional":
            d = doe.fractional_factorial(
                factors,
                resolution=resolution,
                runs=runs,
                generators=_split(generators),
                replicates=replicates,
                blocks=blocks,
                **c,
                **common,
            )
        elif kind == "pb":
            d = doe.plackett_burman(factors, runs=runs, replicates=replicates, **c, **common)
        elif kind == "dsd":
            d = doe.definitive_screening(factors, extra_centre_points=centre or 0, **common)
        elif kind == "ccd":
            try:
                a: str | float = float(alpha)
            except ValueError:
                a = alpha
            d = doe.central_composite(
                factors, face=face, alpha=a, centre_points=centre, blocks=blocks, **common
            )
        elif kind == "bbd":
            d = doe.box_behnken(factors, centre_points=centre, **common)
        elif kind == "optimal":
            terms: Any = model if "," not in model and ":" not in model else _split(model)
            d = doe.optimal_design(
                factors, terms, runs, criterion=criterion, constraints=constraint, **common
            )
        elif kind == "lattice":
            d = doe.simplex_lattice(factors, degree, replicates=replicates, **common)
        else:
            d = doe.simplex_centroid(factors, replicates=replicates, **common)
    except StatsInputError as exc:
        _fail(str(exc))
    if out is not None:
        if out.suffix.lower() == ".xlsx":
            d.to_excel(out, response)
        elif out.suffix.lower() == ".csv":
            d.to_csv(out, response)
        else:
            _fail(f"{out}: the run sheet must end in .csv or .xlsx")
    if as_json:
        typer.echo(json.dumps(d.to_dict(), indent=2))
        return
    typer.echo(d.summary())
    if "aliases" in d.info:
        for effect, chain in d.info["aliases"].items():
            if chain:
                typer.echo(f"  {effect} = {' = '.join(chain)}")
    if out is None:
        typer.echo(d.run_sheet(response).to_string(index=False))
    else:
        typer.echo(f"run sheet written to {out}")


def _analyze(
    data: pd.DataFrame,
    file: Path,
    response: str,
    factors: str | None,
    model: str | None,
    reduce: bool,
    alpha: float,
) -> doe.Analysis:
    terms: Any = None
    if model is not None:
        terms = model if "," not in model and ":" not in model else _split(model)
    try:
        return doe.analyze(
            data,
            response=response,
            factors=_split(factors),
            model=terms,
            alpha=alpha,
            reduce=reduce,
        )
    except StatsInputError as exc:
        _fail(f"{file}: {exc}")
    raise AssertionError("unreachable")


@app.command("analyze")
def analyze_command(
    file: Path = typer.Argument(..., help="Run sheet with results (CSV or XLSX)."),
    response: str = typer.Option(..., "--response", help="Response column."),
    factors: str | None = typer.Option(
        None, "--factors", help="Factor columns A,B,... (default: every other numeric column)."
    ),
    model: str | None = typer.Option(None, "--model", help="Model name or terms A,B,A:B."),
    reduce: bool = typer.Option(False, "--reduce", help="Hierarchical backward elimination."),
    alpha: float = typer.Option(0.05, "--alpha", help="Significance level."),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet name for XLSX files."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Directory to write plots into."),
) -> None:
    """Effects, coefficients, ANOVA and diagnostics of a designed experiment."""
    data = _read_table(file, sheet)
    result = _analyze(data, file, response, factors, model, reduce, alpha)
    if plot is not None:
        plot.mkdir(parents=True, exist_ok=True)
        if result.effects:
            result.half_normal_plot(plot / f"{response}_half_normal.png")
        result.residual_plot(plot / f"{response}_residuals.png")
        numeric = [f.name for f in result.factors if f.kind != "categorical"]
        if len(numeric) >= 2:
            result.contour_plot(numeric[0], numeric[1], plot / f"{response}_contour.png")
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    table = Table(title=f"Analysis of {response}")
    for col in ("term", "effect", "coefficient", "std error", "p"):
        table.add_column(col, justify="left" if col == "term" else "right")
    for name, c in result.coefficients.items():
        e = result.effects.get(name)
        se = result.standard_errors.get(name)
        p = result.p_values.get(name)
        table.add_row(
            name,
            "" if e is None else f"{e:.4g}",
            f"{c:.4g}",
            "" if se is None else f"{se:.3g}",
            "" if p is None else f"{p:.3g}",
        )
    _out.print(table)
    typer.echo("\n".join(result.summary().splitlines()[len(result.coefficients) + 2 :]))


def parse_goal(text: str) -> doe.Goal:
    """``yield:maximize:LOW:TARGET``, ``imp:minimize:TARGET:HIGH``, ``v:target:LOW:T:HIGH``."""
    parts = [p.strip() for p in text.split(":")]
    if len(parts) < 4:
        raise StatsInputError(
            f"goal {text!r}: write RESPONSE:maximize:LOW:TARGET, RESPONSE:minimize:TARGET:HIGH "
            "or RESPONSE:target:LOW:TARGET:HIGH"
        )
    name, kind, *nums = parts
    try:
        values = [float(v) for v in nums]
    except ValueError as exc:
        raise StatsInputError(f"goal {text!r}: limits must be numbers") from exc
    kind = kind.lower()
    if kind == "maximize" and len(values) == 2:
        return doe.Goal(name, kind, lower=values[0], target=values[1])
    if kind == "minimize" and len(values) == 2:
        return doe.Goal(name, kind, target=values[0], upper=values[1])
    if kind == "target" and len(values) == 3:
        return doe.Goal(name, kind, lower=values[0], target=values[1], upper=values[2])
    raise StatsInputError(f"goal {text!r}: wrong number of limits for {kind}")


@app.command("optimize")
def optimize_command(
    file: Path = typer.Argument(..., help="Run sheet with results (CSV or XLSX)."),
    goal: list[str] = typer.Option(..., "--goal", help="RESPONSE:maximize:LOW:TARGET etc."),
    factors: str | None = typer.Option(None, "--factors", help="Factor columns A,B,..."),
    model: str | None = typer.Option(None, "--model", help="Model for every response."),
    constraint: list[str] = typer.Option([], "--constraint", help="Linear constraint (repeat)."),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet name for XLSX files."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Settings that best meet several responses' goals (Derringer-Suich desirability)."""
    data = _read_table(file, sheet)
    try:
        goals = [parse_goal(g) for g in goal]
    except StatsInputError as exc:
        _fail(str(exc))
    responses = [g.response for g in goals]
    fac = _split(factors)
    if fac is None:
        fac = [
            str(c)
            for c in data.columns
            if c not in responses
            and str(c).strip().lower() not in BOOKKEEPING
            and pd.api.types.is_numeric_dtype(data[c])
        ]
    fits = [_analyze(data, file, r, ",".join(fac), model, False, 0.05) for r in responses]
    try:
        best = doe.optimize(fits, goals, constraints=constraint)
    except StatsInputError as exc:
        _fail(f"{file}: {exc}")
    if as_json:
        typer.echo(json.dumps(best.to_dict(), indent=2))
        return
    table = Table(title=f"Best settings (overall desirability {best.overall:.3f})")
    table.add_column("factor")
    table.add_column("setting", justify="right")
    for k, v in best.settings.items():
        table.add_row(k, f"{v:.4g}" if isinstance(v, float) else str(v))
    _out.print(table)
    for r, v in best.predicted.items():
        d = best.desirability.get(r)
        typer.echo(f"{r}: predicted {v:.4g}" + ("" if d is None else f", desirability {d:.3f}"))
