"""The method-validation report (ICH Q2(R2)): tables, plots and pass/fail, as HTML and PDF.

The report takes the engines' results and the protocol's acceptance criteria and shows,
for each validation characteristic, the numbers, the plot where there is one, and each
criterion with its verdict. HTML is a single self-contained file (plots embedded as
PNG); the PDF is drawn with matplotlib's ``PdfPages``, so no extra dependency is needed.
A value the data cannot give is printed as "not estimable", never as NaN.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opencmc.science.stats._quality import fmt
from opencmc.science.stats.validation import (
    AcceptanceCriteria,
    AccuracyResult,
    Check,
    CombinedResult,
    LimitResult,
    LinearityResult,
    PrecisionResult,
    assess,
)
from opencmc.science.stats.variance_components import VarianceComponents


@dataclass(frozen=True, eq=False)
class ValidationReport:
    """Everything one validation report shows; build it with :func:`build_report`."""

    title: str
    method: str
    analyte: str
    criteria: AcceptanceCriteria
    checks: tuple[Check, ...]
    linearity: LinearityResult | None = None
    accuracy: AccuracyResult | None = None
    repeatability: PrecisionResult | None = None
    intermediate: VarianceComponents | None = None
    limits: LimitResult | None = None
    combined: CombinedResult | None = None
    prepared: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def verdict(self) -> str:
        """ "pass" (all criteria met), "fail" (any not met) or "incomplete" (some not assessed)."""
        if any(c.passed is False for c in self.checks):
            return "fail"
        if not self.checks or any(c.passed is None for c in self.checks):
            return "incomplete"
        return "pass"

    def to_dict(self) -> dict[str, Any]:
        parts = ("linearity", "accuracy", "repeatability", "intermediate", "limits", "combined")
        return {
            "title": self.title,
            "method": self.method,
            "analyte": self.analyte,
            "prepared": self.prepared,
            "verdict": self.verdict,
            "criteria": self.criteria.to_dict(),
            "checks": [c.to_dict() for c in self.checks],
            **{
                p: (None if getattr(self, p) is None else getattr(self, p).to_dict()) for p in parts
            },
        }


def build_report(
    criteria: AcceptanceCriteria,
    *,
    title: str = "Analytical procedure validation report",
    method: str = "",
    analyte: str = "",
    linearity: LinearityResult | None = None,
    accuracy: AccuracyResult | None = None,
    repeatability: PrecisionResult | None = None,
    intermediate: VarianceComponents | None = None,
    limits: LimitResult | None = None,
    combined: CombinedResult | None = None,
) -> ValidationReport:
    """Check the results against ``criteria`` and gather them into a report."""
    checks = assess(
        criteria,
        linearity=linearity,
        accuracy=accuracy,
        repeatability=repeatability,
        intermediate=intermediate,
        limits=limits,
        combined=combined,
    )
    return ValidationReport(
        title, method, analyte, criteria, checks, linearity, accuracy, repeatability,
        intermediate, limits, combined,
    )  # fmt: skip


# --- HTML ---------------------------------------------------------------------------------

_CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1b5e20; font-weight: 600; } .fail { color: #b71c1c; font-weight: 600; }
.incomplete, .not-assessed { color: #8d6e00; font-weight: 600; }
.note { color: #555; font-size: 0.9em; } img { max-width: 100%; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value))


def _num(value: Any, digits: int = 5) -> str:
    return _e(fmt(value, digits))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, int | float) and not isinstance(v, bool):
                cells.append(f'<td class="num">{_num(v)}</td>')
            else:
                cells.append(f"<td>{v if str(v).startswith('<span') else _e(v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _verdict(v: str) -> str:
    cls = v.replace(" ", "-")
    return f'<span class="{cls}">{_e(v)}</span>'


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _notes(notes: Sequence[str]) -> str:
    return "".join(f'<p class="note">Note: {_e(n)}</p>' for n in notes)


def _ci(pair: Any) -> str:
    if not pair:
        return "not estimable"
    return f"{fmt(pair[0], 5)} to {fmt(pair[1], 5)}"


def render_html(report: ValidationReport) -> str:
    """The report as one self-contained HTML page."""
    r = report
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{_e(r.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(r.title)}</h1>",
        _table(
            ["method", "analyte", "prepared", "overall verdict"],
            [[r.method or "-", r.analyte or "-", r.prepared, _verdict(r.verdict)]],
        ),
        "<h2>Acceptance criteria</h2>",
    ]
    if r.checks:
        out.append(
            _table(
                ["test", "criterion", "observed", "verdict"],
                [[c.test, c.criterion, c.observed, _verdict(c.verdict)] for c in r.checks],
            )
        )
    else:
        out.append("<p>No acceptance criteria were given.</p>")
    if r.linearity is not None:
        lin = r.linearity
        pct = f"{lin.confidence:.0%}"
        out += [
            "<h2>Linearity and range</h2>",
            _table(
                ["quantity", "estimate", f"{pct} confidence interval"],
                [
                    ["slope", lin.slope, _ci(lin.slope_ci)],
                    ["intercept", lin.intercept, _ci(lin.intercept_ci)],
                    ["residual SD", lin.residual_sd, "-"],
                    ["r", lin.r, "-"],
                    ["R²", lin.r_squared, "-"],
                    ["intercept, % of target response", fmt(lin.intercept_percent_of_target), "-"],
                ],
            ),
            f"<p>{lin.n} points at {lin.levels} concentrations, range {_num(lin.range[0])} to "
            f"{_num(lin.range[1])}. Lack of fit: {_e(lin.lack_of_fit.note)}.</p>",
            _png(lin.plot()),
            _notes(lin.notes),
        ]
    if r.accuracy is not None:
        acc = r.accuracy
        rows = [[lv.level, lv.n, lv.mean_recovery, fmt(lv.rsd), _ci(lv.ci)] for lv in acc.levels]
        rows.append(["overall", acc.n, acc.mean_recovery, "-", _ci(acc.ci)])
        out += [
            "<h2>Accuracy (recovery, %)</h2>",
            _table(["level", "n", "mean recovery", "RSD %", f"{acc.confidence:.0%} CI"], rows),
            _notes(acc.notes),
        ]
    if r.repeatability is not None:
        rep = r.repeatability
        out += [
            "<h2>Repeatability</h2>",
            _table(
                ["n", "mean", "SD", f"SD {rep.confidence:.0%} CI", "RSD %", "RSD CI"],
                [[rep.n, rep.mean, rep.sd, _ci(rep.sd_ci), fmt(rep.rsd), _ci(rep.rsd_ci)]],
            ),
            _notes(rep.notes),
        ]
    if r.intermediate is not None:
        vc = r.intermediate
        out += [
            "<h2>Intermediate precision (variance components)</h2>",
            f"<p>{_e(vc.method)}; factors: {_e(', '.join(vc.factors))}; n = {vc.n}.</p>",
            _table(
                ["source", "variance", "SD", "% of total"],
                [[c.source, c.variance, c.sd, c.percent_of_total] for c in vc.components],
            ),
            _table(
                ["intermediate precision SD", "RSD %", f"{vc.confidence:.0%} CI of SD", "interval"],
                [[vc.total_sd, fmt(vc.rsd_total), _ci(vc.ci_total_sd), vc.ci_method]],
            ),
            _notes(vc.notes),
        ]
    if r.limits is not None:
        lim = r.limits
        out += [
            "<h2>Detection and quantitation limits</h2>",
            _table(
                ["LOD", "LOQ", "method", "basis"], [[lim.lod, lim.loq, lim.method, lim.sigma_basis]]
            ),
            _notes(lim.notes),
        ]
    if r.combined is not None:
        cmb = r.combined
        out += [
            "<h2>Combined accuracy and precision</h2>",
            f"<p>{_e(cmb.interval)}; limits {_num(cmb.limits[0])} to {_num(cmb.limits[1])} %.</p>",
            _table(
                ["level", "n", "mean recovery", "SD", "k", "interval", "verdict"],
                [
                    [
                        lv.level,
                        lv.n,
                        lv.mean_recovery,
                        lv.sd,
                        lv.k,
                        f"{fmt(lv.lower, 5)} to {fmt(lv.upper, 5)}",
                        _verdict("pass" if lv.passed else "fail"),
                    ]
                    for lv in cmb.levels
                ],
            ),
            _notes(cmb.notes),
        ]
    out.append(
        '<p class="note">Prepared with OpenCMC following ICH Q2(R2). Statistics: least squares '
        "on the OpenCMC core; intervals as stated in each table.</p></body></html>"
    )
    return "\n".join(out)


def write_html(report: ValidationReport, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_html(report), encoding="utf-8")
    return path


# --- PDF ----------------------------------------------------------------------------------


def _text_page(pdf: Any, title: str, lines: Sequence[str]) -> None:
    import matplotlib.pyplot as plt

    per_page = 52
    for start in range(0, max(len(lines), 1), per_page):
        fig = plt.figure(figsize=(8.27, 11.69))  # A4
        fig.text(0.07, 0.96, title, fontsize=14, weight="bold", va="top")
        chunk = lines[start : start + per_page]
        fig.text(0.07, 0.92, "\n".join(chunk), fontsize=8.5, family="monospace", va="top")
        pdf.savefig(fig)
        plt.close(fig)


def _check_lines(report: ValidationReport) -> list[str]:
    lines = [
        f"Method: {report.method or '-'}    Analyte: {report.analyte or '-'}",
        f"Prepared: {report.prepared}    Overall verdict: {report.verdict.upper()}",
        "",
        "Acceptance criteria",
    ]
    if not report.checks:
        lines.append("  (none given)")
    for c in report.checks:
        lines.append(f"  [{c.verdict:^12}] {c.test}: {c.criterion}; observed {c.observed}")
    return lines


def write_pdf(report: ValidationReport, path: str | Path) -> Path:
    """The report as a PDF: criteria and verdicts, each section's summary, the plots."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = Path(path)
    lines = _check_lines(report)
    for part in (
        report.linearity,
        report.accuracy,
        report.repeatability,
        report.intermediate,
        report.limits,
        report.combined,
    ):
        if part is not None:
            lines += ["", *part.summary().splitlines()]
    with PdfPages(path) as pdf:
        _text_page(pdf, report.title, lines)
        if report.linearity is not None:
            fig = report.linearity.plot()
            pdf.savefig(fig)
            plt.close(fig)
        info = pdf.infodict()
        info["Title"] = report.title
        info["Subject"] = "ICH Q2(R2) analytical procedure validation"
        info["Creator"] = "OpenCMC"
    return path
