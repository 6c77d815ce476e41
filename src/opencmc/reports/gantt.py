"""Gantt charts of a roadmap: SVG for pages, a matplotlib figure for PDF reports."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

ROW = 22
LABEL_WIDTH = 300
CHART_WIDTH = 620


def gantt_svg(bars: Sequence[Mapping[str, Any]], status: Mapping[str, str] | None = None) -> str:
    """One row a bar: ``id``, ``title``, ``start`` and ``finish`` (weeks), ``critical``.

    Critical-path bars are drawn dark; a bar's status (done, in progress) shades it, so the
    chart is a progress view as well as a plan. Pure SVG, no script.
    """
    status = status or {}
    end = max((float(b["finish"]) for b in bars), default=1.0) or 1.0
    scale = CHART_WIDTH / end
    height = ROW * (len(bars) + 2)
    width = LABEL_WIDTH + CHART_WIDTH + 20
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="Roadmap schedule in weeks">'
    ]
    step = _tick_step(end)
    week = 0.0
    while week <= end + 1e-9:
        x = LABEL_WIDTH + week * scale
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="{height - ROW}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle">{week:g}</text>')
        week += step
    for row, bar in enumerate(bars):
        y = row * ROW + 4
        start, finish = float(bar["start"]), float(bar["finish"])
        state = status.get(str(bar["id"]), "not_started")
        classes = " ".join(
            c for c in ("bar", "critical" if bar.get("critical") else "", state) if c
        )
        title = escape(str(bar["title"]))
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 13}" text-anchor="end" class="label">'
            f"{title}</text>"
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH + start * scale:.1f}" y="{y}" '
            f'width="{max((finish - start) * scale, 2):.1f}" height="{ROW - 8}" rx="3" '
            f'class="{classes}" data-activity="{escape(str(bar["id"]))}">'
            f"<title>{title}: weeks {start:g} to {finish:g} ({state.replace('_', ' ')})</title>"
            "</rect>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _tick_step(end: float) -> float:
    for step in (1, 2, 4, 8, 13, 26, 52):
        if end / step <= 12:
            return float(step)
    return 104.0


def gantt_figure(bars: Sequence[Mapping[str, Any]], title: str) -> Any:
    """The same chart as a matplotlib figure (for the PDF export)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11.69, max(3.0, 0.3 * len(bars) + 1.5)))  # A4 landscape wide
    FigureCanvasAgg(figure)
    axes = figure.add_subplot(1, 1, 1)
    for row, bar in enumerate(bars):
        start, finish = float(bar["start"]), float(bar["finish"])
        axes.barh(row, finish - start, left=start,
                  color="#14233a" if bar.get("critical") else "#8fb3de")  # fmt: skip
    axes.set_yticks(range(len(bars)), [str(b["title"]) for b in bars], fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel("weeks")
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return figure
