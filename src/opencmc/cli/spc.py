"""`opencmc spc` commands: control charts with run rules, and process capability."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from opencmc.cli.engine_io import check_plot_path, columns, fail, print_json, read_table
from opencmc.science.stats import spc
from opencmc.science.stats._validation import StatsInputError

app = typer.Typer(
    help="Statistical process control: control charts (phase I and II) and capability.",
    no_args_is_help=True,
)
_out = Console()

_TRUE = {"true", "1", "yes", "y", "i", "phase1", "phase i", "t"}


def _phase_mask(series: pd.Series, name: str) -> np.ndarray:
    text = series.astype(str).str.strip().str.lower()
    known = _TRUE | {"false", "0", "no", "n", "ii", "phase2", "phase ii", "f"}
    bad = ~text.isin(known)
    if bad.any():
        row = series.index[int(np.flatnonzero(bad.to_numpy())[0])]
        fail(f"column {name!r}, row {row}: {series[row]!r} is not true/false (phase I or not)")
    return text.isin(_TRUE).to_numpy()


def _build(
    kind: str, frame: pd.DataFrame, o: dict[str, Any], limits: Any = None
) -> spc.ControlChart:
    value = frame[o["value"]]
    common: dict[str, Any] = {}
    if o["rules"] is not None:
        common["rules"] = o["rules"]
    if limits is not None:
        common["limits"] = limits
    if kind in ("imr", "ewma", "cusum", "c"):
        labels = frame[o["label"]].to_numpy() if o["label"] else None
        common["labels"] = labels
    if kind == "imr":
        return spc.imr(value, **common)
    if kind in ("xbar-r", "xbar-s"):
        common.pop("labels", None)
        if o["subgroup"]:
            sub: Any = frame[o["subgroup"]]
        elif o["subgroup_size"]:
            sub = int(o["subgroup_size"])
        else:
            fail(f"--type {kind} needs --subgroup COLUMN or --subgroup-size N")
        fn = spc.xbar_r if kind == "xbar-r" else spc.xbar_s
        return fn(value, sub, **common)
    if kind in ("p", "np", "u"):
        if o["size"]:
            size: Any = frame[o["size"]]
        elif o["sample_size"] is not None:
            size = o["sample_size"]
        else:
            what = "units inspected" if kind == "u" else "sample size"
            fail(f"--type {kind} needs --size COLUMN or --sample-size N ({what})")
        if kind == "np" and np.ndim(size):
            sizes = pd.to_numeric(size, errors="coerce")
            if sizes.nunique() != 1:
                fail("--type np needs one sample size; use --type p for varying sizes")
            size = float(sizes.iloc[0])
        labels = frame[o["label"]].to_numpy() if o["label"] else None
        fn = {"p": spc.p_chart, "np": spc.np_chart, "u": spc.u_chart}[kind]
        return fn(value, size, labels=labels, **common)
    if kind == "c":
        return spc.c_chart(value, **common)
    extra = {"target": o["target"], "sigma": o["sigma"]} if limits is None else {}
    if kind == "ewma":
        return spc.ewma(value, o["lam"], o["L"], **extra, **common)
    return spc.cusum(value, o["k"], o["h"], **extra, **common)


@app.command("chart")
def chart_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per value or sample."),
    chart_type: str = typer.Option(
        ..., "--type", help="imr, xbar-r, xbar-s, p, np, c, u, ewma or cusum."
    ),
    value: str = typer.Option(
        ..., "--value", help="Measured value; nonconforming count (p, np); defect count (c, u)."
    ),
    subgroup: str | None = typer.Option(None, "--subgroup", help="Subgroup label column."),
    subgroup_size: int | None = typer.Option(None, "--subgroup-size", help="Consecutive size."),
    size: str | None = typer.Option(None, "--size", help="Sample-size (p) or units (u) column."),
    sample_size: float | None = typer.Option(None, "--sample-size", help="One sample size."),
    label: str | None = typer.Option(None, "--label", help="Column naming each point."),
    rules: str | None = typer.Option(
        None, "--rules", help="nelson, western_electric, limits, none, or e.g. 1,2,5."
    ),
    phase: str | None = typer.Option(
        None,
        "--phase1",
        help="True/false column: true rows set the limits, the rest are monitored.",
    ),
    exclude: str | None = typer.Option(None, "--exclude", help="0-based points to exclude: 3,7."),
    reason: str | None = typer.Option(None, "--reason", help="Assignable cause for --exclude."),
    lam: float = typer.Option(0.2, "--lambda", help="EWMA weight."),
    big_l: float = typer.Option(3.0, "--L", help="EWMA limit width in sigmas."),
    k: float = typer.Option(0.5, "--k", help="CUSUM reference value in sigmas."),
    h: float = typer.Option(5.0, "--h", help="CUSUM decision interval in sigmas."),
    target: float | None = typer.Option(None, "--target", help="EWMA/CUSUM target mean."),
    sigma: float | None = typer.Option(None, "--sigma", help="EWMA/CUSUM known sigma."),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet name for XLSX files."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Write the chart (PNG/SVG/PDF)."),
) -> None:
    """Draw a control chart, apply the run rules and list every signal."""
    if chart_type not in spc.CHART_TYPES:
        fail(f"--type must be one of {', '.join(spc.CHART_TYPES)}, got {chart_type!r}")
    check_plot_path(plot)
    if exclude is not None and not (reason and reason.strip()):
        fail("--exclude needs --reason (the assignable cause)")
    data = read_table(file, sheet)
    columns(data, file, value, subgroup, size, label, phase)
    opts = {
        "value": value, "subgroup": subgroup, "subgroup_size": subgroup_size, "size": size,
        "sample_size": sample_size, "label": label, "rules": rules, "lam": lam, "L": big_l,
        "k": k, "h": h, "target": target, "sigma": sigma,
    }  # fmt: skip
    try:
        if phase is not None:
            mask = _phase_mask(data[phase], phase)
            if not mask.any():
                fail(f"column {phase!r} marks no rows as phase I")
            first = _build(chart_type, data[mask], opts)
        else:
            first = _build(chart_type, data, opts)
        if exclude is not None:
            try:
                points = [int(p) for p in exclude.split(",") if p.strip()]
            except ValueError:
                fail(f"--exclude must be whole numbers like 3,7; got {exclude!r}")
            first = first.exclude(points, reason or "")
        second = None
        if phase is not None and (~mask).any():
            second = _build(chart_type, data[~mask], opts, limits=first.parameters)
    except StatsInputError as exc:
        fail(f"{file}: {exc}")
    if plot is not None:
        (second or first).plot(plot)
    if as_json:
        payload = first.to_dict()
        payload["monitoring"] = None if second is None else second.to_dict()
        print_json(payload)
        return
    _print_chart(first)
    if second is not None:
        _print_chart(second)


def _print_chart(chart: spc.ControlChart) -> None:
    _out.print(chart.summary(), markup=False, highlight=False)
    signals = list(chart.signals)
    if chart.dispersion is not None:
        signals += list(chart.dispersion.signals)
    if not signals:
        return
    table = Table(title=f"Signals (phase {chart.phase})")
    for col in ("chart", "point", "label", "rule", "zone", "side", "points"):
        table.add_column(col)
    for s in signals:
        table.add_row(
            s.chart, str(s.index), str(s.to_dict()["label"]), s.rule, s.zone,
            s.side or "-", ",".join(map(str, s.points)),
        )  # fmt: skip
    _out.print(table)


@app.command("capability")
def capability_command(
    file: Path = typer.Argument(..., help="CSV or XLSX file, one row per value."),
    value: str = typer.Option(..., "--value", help="Column with the measured values."),
    lsl: float | None = typer.Option(None, "--lsl", help="Lower specification limit."),
    usl: float | None = typer.Option(None, "--usl", help="Upper specification limit."),
    target: float | None = typer.Option(None, "--target", help="Target (for Cpm)."),
    subgroup: str | None = typer.Option(None, "--subgroup", help="Subgroup label column."),
    within: str | None = typer.Option(None, "--within", help="rbar, sbar or pooled (subgroups)."),
    method: str = typer.Option("auto", "--method", help="auto, normal, box-cox or percentile."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level."),
    sheet: str | None = typer.Option(None, "--sheet", help="Worksheet name for XLSX files."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Cp, Cpk, Pp, Ppk and Cpm with confidence intervals, normality and expected PPM."""
    data = read_table(file, sheet)
    columns(data, file, value, subgroup)
    try:
        result = spc.capability(
            data[value],
            lsl=lsl,
            usl=usl,
            target=target,
            subgroup=None if subgroup is None else data[subgroup],
            within=within,
            confidence=confidence,
            method=method,
        )
    except StatsInputError as exc:
        fail(f"{file}: {exc}")
    if as_json:
        print_json(result.to_dict())
        return
    _out.print(result.summary(), markup=False, highlight=False)
