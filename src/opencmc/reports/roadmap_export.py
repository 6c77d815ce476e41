"""A program's roadmap as an XLSX workbook and a PDF: the plan, the readiness, what waits."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages

from opencmc import __version__
from opencmc.knowledge import Readiness, Roadmap
from opencmc.reports.gantt import gantt_figure


def _plan(roadmap: Roadmap, readiness: Readiness) -> pd.DataFrame:
    frame = roadmap.to_frame()
    frame.insert(2, "status", [readiness.by_activity[i].status for i in frame["id"]])
    return frame


def roadmap_xlsx(roadmap: Roadmap, readiness: Readiness, title: str) -> bytes:
    """Sheets: plan (schedule, status, costs), CTD sections, gaps, not needed yet."""
    buffer = io.BytesIO()
    sections = pd.DataFrame(
        [
            {"section": n, "done": s.done, "total": s.total, "gaps": ", ".join(s.gaps)}
            for n, s in sorted(readiness.by_ctd_section.items())
        ]
    )
    gaps = pd.DataFrame([g.to_dict() for g in readiness.gaps])
    deferred = pd.DataFrame(
        [{"id": n.activity.id, "title": n.activity.title, "reason": n.reason}
         for n in roadmap.not_needed]
    )  # fmt: skip
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _plan(roadmap, readiness).to_excel(writer, sheet_name="Plan", index=False)
        sections.to_excel(writer, sheet_name="CTD sections", index=False)
        gaps.to_excel(writer, sheet_name="Gaps", index=False)
        deferred.to_excel(writer, sheet_name="Not needed yet", index=False)
        about = pd.DataFrame({"": [title, f"OpenCMC {__version__}",
                                   datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                                   "Weeks use the longest typical durations."]})  # fmt: skip
        about.to_excel(writer, sheet_name="About", index=False, header=False)
    return buffer.getvalue()


def roadmap_pdf(roadmap: Roadmap, readiness: Readiness, title: str) -> bytes:
    """The Gantt chart, then the plan and the gaps as text pages."""
    from matplotlib.figure import Figure

    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": f"OpenCMC {__version__}"}) as pdf:
        pdf.savefig(gantt_figure(roadmap.gantt(), title))
        lines = [title, "", f"{readiness.fraction_done:.0%} done; "
                 f"{len(readiness.blocking_gaps)} gaps block the milestone", ""]  # fmt: skip
        lines.append(f"{'activity':<58}{'status':<13}{'weeks':>12}")
        for item in roadmap.items:
            status = readiness.by_activity[item.id].status
            weeks = f"{item.earliest_start_weeks:g}-{item.earliest_finish_weeks:g}"
            lines.append(f"{item.activity.title[:56]:<58}{status:<13}{weeks:>12}")
        lines += ["", "Not needed yet", ""]
        lines += [f"{n.activity.title[:56]:<58}{n.reason[:60]}" for n in roadmap.not_needed]
        for start in range(0, len(lines), 70):
            page = Figure(figsize=(8.27, 11.69))
            axes = page.add_axes((0.06, 0.04, 0.9, 0.92))
            axes.axis("off")
            axes.text(0, 1, "\n".join(lines[start : start + 70]), va="top",
                      family="monospace", fontsize=7.5)  # fmt: skip
            pdf.savefig(page)
    return buffer.getvalue()
