"""The certificate of analysis of a released (or tested) batch, as PDF."""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime
from typing import Any

from matplotlib.backends.backend_pdf import PdfPages

from opencmc import __version__
from opencmc.platform.quality.evaluation import describe


def coa_lines(panel: Any, inputs: list[Any], signatures: list[Any], program_name: str) -> list[str]:
    """The certificate's text, line by line (the PDF and the tests read the same lines)."""
    batch, spec = panel.batch, panel.specification
    lines = [
        "CERTIFICATE OF ANALYSIS",
        "",
        f"Product: {program_name}",
        f"Material: {batch.material.name} ({batch.material.kind.replace('_', ' ')})",
        f"Batch: {batch.number}    Purpose: {batch.purpose}    Status: {batch.status}",
        f"Manufactured: {batch.manufactured_on or 'not recorded'}    Site: {batch.site or '-'}"
        f"    Process: {batch.process_version or '-'}",
    ]
    if spec is not None:
        effective = spec.effective_at.strftime("%Y-%m-%d") if spec.effective_at else "-"
        lines.append(f"Specification: {spec.title}, version {spec.number} (effective {effective})")
    lines += ["", f"{'Test':<26}{'Method':<16}{'Acceptance criterion':<30}{'Result':<16}Conclusion"]
    for line in panel.lines:
        result = line.result
        shown = "-" if result is None else (result.rounded or result.reported_text)
        unit = line.attribute.unit if result is not None and result.rounded else ""
        lines.append(
            f"{line.attribute.name[:25]:<26}{line.attribute.test_method[:15]:<16}"
            f"{describe(line.attribute)[:29]:<30}{(shown + ' ' + unit).strip()[:15]:<16}"
            f"{line.status}"
        )
    lines += [
        "",
        "Results are rounded to the criterion's decimal places (half away from zero) "
        "before comparison.",
    ]
    if inputs:
        lines += ["", "Genealogy: made from " + ", ".join(b.number for b in inputs)]
    lines += ["", "Signature manifest"]
    for status in signatures:
        s = status.signature
        lines.append(
            f"  {s.user_name} <{s.user_email}>  {s.meaning}  "
            f"{s.signed_at.strftime('%Y-%m-%d %H:%M:%S UTC')}"
            f"  {'valid' if status.valid else 'NO LONGER VALID'}  content {s.content_hash[:16]}"
        )
    if not signatures:
        lines.append("  not signed: this is not a release certificate")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines += ["", f"Generated {stamp} by OpenCMC {__version__} from the recorded data."]
    return lines


def coa_pdf(lines: list[str], title: str) -> bytes:
    from matplotlib.figure import Figure

    wrapped: list[str] = []
    for line in lines:
        wrapped += textwrap.wrap(line, 110, subsequent_indent="    ") or [""]
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": f"OpenCMC {__version__}"}) as pdf:
        for start in range(0, len(wrapped), 75):
            page = Figure(figsize=(8.27, 11.69))
            axes = page.add_axes((0.05, 0.04, 0.9, 0.92))
            axes.axis("off")
            axes.text(
                0,
                1,
                "\n".join(wrapped[start : start + 75]),
                va="top",
                family="monospace",
                fontsize=7.2,
            )
            pdf.savefig(page)
    return buffer.getvalue()
