"""The shelf-life report: the stability plot as SVG for pages, and a PDF for the file."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime

from matplotlib.backends.backend_pdf import PdfPages

from opencmc import __version__
from opencmc.science.stats.stability import ShelfLifeResult


def shelf_life_svg(result: ShelfLifeResult, title: str | None = None) -> str:
    """The classic stability plot as an SVG document (inline in a page)."""
    figure = result.plot(title=title)
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # drop the XML prolog and doctype for inline use


def shelf_life_pdf(result: ShelfLifeResult, title: str, source: str = "") -> bytes:
    """A two-page PDF: the reasoning and per-batch table, then the plot."""
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": f"OpenCMC {__version__}"}) as pdf:
        page = Figure(figsize=(8.27, 11.69))  # A4 portrait
        text = page.add_axes((0.08, 0.05, 0.84, 0.9))
        text.axis("off")
        stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines = [title, "", f"Generated {stamp} by OpenCMC {__version__}"]
        if source:
            lines.append(f"Data: {source}")
        lines += ["", "Result (ICH Q1E)", ""]
        for paragraph in result.summary().splitlines():
            lines += textwrap.wrap(paragraph, 95) or [""]
        lines += ["", "Per batch", ""]
        lines.append(f"{'batch':<14}{'intercept':>12}{'slope':>12}{'n':>5}{'shelf life':>14}")
        for line in result.to_dict()["lines"]:
            shelf = line.get("shelf_life")
            shown = "not reached" if shelf is None else f"{shelf:.2f}"
            lines.append(
                f"{line['batch']!s:<14}{line['intercept']:>12.4g}{line['slope']:>12.4g}"
                f"{line['n']:>5}{shown:>14}"
            )
        text.text(0, 1, "\n".join(lines), va="top", family="monospace", fontsize=8.5)
        pdf.savefig(page)
        pdf.savefig(result.plot(title=title))
    return buffer.getvalue()
