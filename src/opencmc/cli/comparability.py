"""`opencmc comparability`: pre- against post-change lots across attributes (ICH Q5E).

The command is the Typer app's callback, so ``opencmc comparability FILE --group COL``
works once the app is added with ``add_typer(app, name="comparability")``;
:func:`compare_command` may instead be registered directly as a command.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from opencmc.cli.engine_io import check_plot_path, columns, fail, print_json, read_table
from opencmc.science.stats import comparability
from opencmc.science.stats._validation import StatsInputError

app = typer.Typer(
    help="Comparability of pre- and post-change lots (ICH Q5E).",
    invoke_without_command=True,
    context_settings={"allow_interspersed_args": True},
)
_out = Console()


def _margins(items: list[str] | None) -> dict[str, float] | float | None:
    if not items:
        return None
    out: dict[str, float] = {}
    for item in items:
        name, sep, number = item.rpartition("=")
        try:
            value = float(number)
        except ValueError:
            fail(f"--margin must be ATTRIBUTE=NUMBER or NUMBER, got {item!r}")
        if not sep:
            if len(items) > 1:
                fail("give one --margin NUMBER for all attributes, or ATTRIBUTE=NUMBER each")
            return value
        out[name] = value
    return out


def compare_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per lot."),
    group: str = typer.Option(..., "--group", help="Column telling pre- from post-change lots."),
    attribute: list[str] = typer.Option(
        None, "--attribute", help="Attribute column (repeat); default: every numeric column."
    ),
    pre: str | None = typer.Option(None, "--pre", help="Value of --group for pre-change lots."),
    post: str | None = typer.Option(None, "--post", help="Value of --group for post-change lots."),
    method: list[str] = typer.Option(
        None, "--method", help="tost, quality_range, min_max, tolerance (repeat)."
    ),
    margin: list[str] = typer.Option(
        None, "--margin", help="TOST margin: NUMBER, or ATTRIBUTE=NUMBER (repeat)."
    ),
    margin_sd: float = typer.Option(1.5, "--margin-sd", help="Else margin = this × SD(pre)."),
    alpha: float = typer.Option(0.05, "--alpha", help="TOST significance (CI is 1-2·alpha)."),
    k: float = typer.Option(3.0, "--k", help="Quality range: mean ± k·SD."),
    coverage: float = typer.Option(0.99, "--coverage", help="Tolerance interval coverage."),
    confidence: float = typer.Option(0.95, "--confidence", help="Tolerance interval confidence."),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet name for XLSX files."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="The CI picture (PNG/SVG/PDF)."),
) -> None:
    """Compare post- with pre-change lots: TOST, quality ranges and tolerance intervals."""
    check_plot_path(plot)
    data = read_table(file, sheet)
    columns(data, file, group)
    attrs = list(attribute or [])
    if not attrs:
        attrs = [
            c for c in data.columns
            if c != group and pd.api.types.is_numeric_dtype(data[c])
        ]  # fmt: skip
        if not attrs:
            fail(f"{file}: no numeric attribute columns; name them with --attribute")
    columns(data, file, *attrs)
    pre_v, post_v = _group_value(data[group], pre), _group_value(data[group], post)
    try:
        summary = comparability.compare(
            data,
            group,
            attrs,
            pre=pre_v,
            post=post_v,
            methods=tuple(method) if method else ("tost", "quality_range", "tolerance"),
            margin=_margins(margin),
            margin_sd=margin_sd,
            alpha=alpha,
            k=k,
            coverage=coverage,
            confidence=confidence,
        )
    except StatsInputError as exc:
        fail(f"{file}: {exc}")
    if plot is not None:
        summary.plot(plot)
    if as_json:
        print_json(summary.to_dict())
        return
    _print_summary(summary)
    _out.print(
        "overall: " + ("comparable" if summary.comparable else "comparability not shown"),
        markup=False,
        highlight=False,
    )


def _print_summary(summary: comparability.ComparabilitySummary) -> None:
    """One row per attribute and test, so the table fits a terminal."""
    table = Table(title=f"Comparability: {summary.post} against {summary.pre}")
    for col in ("attribute", "test", "result", "outcome"):
        table.add_column(col)
    for a in summary.attributes:
        sd = "" if a.sd_pre is None else f" (SD {a.sd_pre:.4g})"
        table.add_row(
            a.attribute, "means", f"pre {a.mean_pre:.4g}{sd}, post {a.mean_post:.4g}",
            f"n {a.n_pre} / {a.n_post}",
        )  # fmt: skip
        if a.tost is not None:
            t = a.tost
            table.add_row(
                "", "TOST",
                f"diff {t.difference:.4g}, {t.ci_level:.0%} CI {t.ci_lower:.4g} to "
                f"{t.ci_upper:.4g}, margin ±{t.margin_upper:.4g}",
                "equivalent" if t.equivalent else "not shown",
            )  # fmt: skip
        for r in (a.quality_range, a.min_max, a.tolerance):
            if r is not None:
                table.add_row(
                    "", r.method, f"{r.lower:.4g} to {r.upper:.4g}: {r.n_within}/{r.n_post} within",
                    "pass" if r.passed else "fail",
                )  # fmt: skip
        for key, why in a.not_estimable.items():
            table.add_row("", key, why, "n/a")
        table.add_row("", "verdict", "", a.verdict, end_section=True)
    _out.print(table)


def _group_value(column: pd.Series, text: str | None) -> object:
    """Match a group given on the command line to the column's own values (e.g. numbers)."""
    if text is None:
        return None
    for v in pd.unique(column.dropna()):
        if str(v) == text:
            return v
    return text


app.callback()(compare_command)
