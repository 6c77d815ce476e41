"""Small-molecule and vector pages: paste or upload, read the profile or the construct map."""

from __future__ import annotations

import io
from html import escape
from types import SimpleNamespace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from opencmc.platform.errors import InvalidInput
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import molecule
from opencmc.science.design.smallmol_input import iter_smiles_lines, parse_smiles
from opencmc.web.api.design_molecule import (
    VectorOptions,
    check_constructs,
    check_count,
    profile_records,
    read_upload,
)
from opencmc.web.auth import CurrentPageUow
from opencmc.web.pages.save_candidate import own_programs
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

MAX_PAGE_MOLECULES = 100  # each drawn and tabulated; the API takes 500, the CLI any number
LEVEL_COLOURS = {"info": "#8a8f98", "low": "#2e7d32", "medium": "#e08a00", "high": "#c62828"}
FEATURE_COLOURS = {
    "cds": "#4c78a8",
    "promoter": "#72b7b2",
    "rep_origin": "#b279a2",
    "repeat_region": "#e45756",
    "ltr": "#e45756",
    "polya_signal": "#f2cf5b",
}
TICK_STEPS = (100, 250, 500, 1000, 2500, 5000, 10_000, 25_000, 50_000, 10**9)
VECTOR_CHOICES = {
    "kind": ("auto", "aav", "lenti", "plasmid"),
    "genome": ("auto", "ss", "sc"),
    "topology": ("", "circular", "linear"),
}
_MOLECULE_DEFAULTS = {"smiles": "", "canonical_tautomer": "on"}
_VECTOR_DEFAULTS = {"sequence": "", "kind": "auto", "genome": "auto", "topology": ""}


async def _upload(form: FormData) -> tuple[bytes, str] | None:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return await upload.read(), upload.filename
    return None


# --- molecules --------------------------------------------------------------------------


def profile_svg(p: molecule.MoleculeProfile) -> str:
    return molecule.draw_profile_svg(p, width=360, height=260)


def svg_from_result(result: dict[str, Any], canonical_tautomer: bool = True) -> str:
    """The drawing of a stored profile: its input standardised again, its alerts lit."""
    mol, _reason = parse_smiles(str(result.get("input_smiles", "")))
    if mol is None:
        return ""
    parent = molecule.standardise(mol, canonical_tautomer=canonical_tautomer).parent
    alerts = [SimpleNamespace(atoms=a["atoms"], level=a["level"]) for a in result["alerts"]]
    return molecule.draw_svg(parent, alerts, width=360, height=260, legend=result.get("name", ""))


@router.get("/molecule")
def molecule_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(
        request,
        "tools/molecule.html",
        {"values": dict(_MOLECULE_DEFAULTS), "own_programs": own_programs(uow)},
    )


@router.post("/molecule")
async def molecule_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """Profile the pasted or uploaded molecules: drawings, descriptors, alerts, a ranking."""
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in _MOLECULE_DEFAULTS}
    context: dict[str, Any] = {"values": values, "own_programs": own_programs(uow)}
    try:
        upload = await _upload(form)
        if upload is not None:
            raw, field = read_upload(*upload), "file"
            context["source"] = upload[1]
        else:
            raw, field = list(iter_smiles_lines(io.StringIO(values["smiles"]))), "smiles"
            check_count(len(raw), field)
        if len(raw) > MAX_PAGE_MOLECULES:
            raise InvalidInput(
                f"{field}: {len(raw)} molecules; the page draws at most {MAX_PAGE_MOLECULES}; "
                "the API (/api/v1/design/molecule/profile) takes 500 and "
                "`opencmc design molecule screen` any number",
                field=field,
            )
        profiles, errors = profile_records(raw, field, bool(values["canonical_tautomer"]))
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "tools/molecule.html", context, status_code=422)
    anchors: dict[str, str] = {}
    for i, p in enumerate(profiles, start=1):
        anchors.setdefault(p.name, f"molecule-{i}")
    context.update(
        profiles=[{"p": p.to_dict(), "svg": profile_svg(p)} for p in profiles],
        ranking=[{**r.to_dict(), "anchor": anchors[r.name]} for r in molecule.rank(profiles)],
        errors=errors,
    )
    return render(request, "tools/molecule.html", context)


# --- vectors ----------------------------------------------------------------------------


def _lanes(spans: list[tuple[int, int]]) -> list[int]:
    """A lane for each span so that spans in one lane do not overlap (greedy, at most 4)."""
    ends: list[int] = []
    lanes = []
    for start, end in spans:
        lane = next((i for i, last in enumerate(ends) if start > last), None)
        if lane is None:
            lane = min(len(ends), 3)
            if lane == len(ends):
                ends.append(end)
        ends[lane] = max(ends[lane], end)
        lanes.append(lane)
    return lanes


def vector_map_svg(
    report: dict[str, Any], features: list[dict[str, Any]] | None = None, width: int = 960
) -> str:
    """A linear map of one construct: features, ITRs/LTRs, repeats, homopolymers, GC windows,
    ORFs, sites, each finding drawn at its position in its level's colour (hover: why)."""
    length = max(int(report["length"]), 1)
    left, right = 130, 20
    track = width - left - right

    def x(position: float) -> float:
        return left + (min(max(position, 1), length) - 1) / length * track

    def box(start: int, end: int, y: float, h: float, colour: str, title: str) -> str:
        w = max(x(end + 1) - x(start), 1.5)
        return (
            f'<rect x="{x(start):.1f}" y="{y:.1f}" width="{w:.1f}" height="{h}" fill="{colour}"'
            f"><title>{escape(title)}</title></rect>"
        )

    parts: list[str] = []
    features = features or []
    feature_lanes = _lanes([(f["start"], f["end"]) for f in features])
    n_lanes = max(feature_lanes, default=-1) + 1
    y = 70
    rows: list[tuple[str, float]] = [(report.get("record_id") or "construct", 42)]
    parts.append(f'<rect x="{left}" y="34" width="{track}" height="8" fill="#c8ccd2"/>')
    step = next(s for s in TICK_STEPS if length / s <= 10)
    for tick in range(0, length + 1, step):
        tx = x(max(tick, 1))
        parts.append(f'<line x1="{tx:.1f}" y1="42" x2="{tx:.1f}" y2="48" stroke="#666"/>')
        parts.append(f'<text x="{tx:.1f}" y="58" text-anchor="middle">{max(tick, 1):,}</text>')
    region = report.get("region") or {}
    if report.get("kind") in ("aav", "lenti") and region:
        name = "vector genome" if report["kind"] == "aav" else "provirus"
        rows.append((name, 27))
        parts.append(box(region["start"], region["end"], 19, 9, "#c8ccd2", name))
    for f, lane in zip(features, feature_lanes, strict=True):
        colour = FEATURE_COLOURS.get(f["type"].lower(), "#9d9d9d")
        fy = y + lane * 18
        title = f"{f['label']} ({f['type']}) {f['start']}-{f['end']}"
        parts.append(box(f["start"], f["end"], fy, 12, colour, title))
        if x(f["end"]) - x(f["start"]) > 7 * len(f["label"][:24]):
            parts.append(
                f'<text x="{(x(f["start"]) + x(f["end"])) / 2:.1f}" y="{fy + 10:.1f}" '
                f'text-anchor="middle" fill="#fff">{escape(f["label"][:24])}</text>'
            )
    if n_lanes:
        rows.append(("features", y + 8))
        y += n_lanes * 18 + 8
    lane_y = {"elements": y, "repeats": y + 40, "homopolymers": y + 62, "gc": y + 80,
              "orfs": y + 98, "sites": y + 116}  # fmt: skip
    rows += [("ITR / LTR", y + 9), ("repeats", y + 47), ("homopolymers", y + 69),
             ("GC windows", y + 87), ("ORFs, Kozak", y + 105), ("sites", y + 123)]  # fmt: skip
    for finding in report.get("findings", []):
        check, level = finding["check"], finding["level"]
        colour = LEVEL_COLOURS.get(level, "#8a8f98")
        title = f"{level}: {finding['message']}"
        start, end = finding.get("start"), finding.get("end")
        if start is None or end is None:
            continue
        if check in ("aav.packaging", "lenti.provirus", "lenti.insert"):
            parts.append(box(start, end, 19, 9, colour, title))
        elif check in ("aav.itr", "lenti.ltr"):
            parts.append(box(start, end, lane_y["elements"], 14, colour, title))
        elif check.startswith("repeat."):
            d = finding.get("details", {})
            a, b = d.get("first_start", start), d.get("second_start", end)
            ry = lane_y["repeats"]
            dash = ' stroke-dasharray="4 3"' if check == "repeat.inverted" else ""
            parts.append(box(a, d.get("first_end", a), ry, 8, colour, title))
            parts.append(box(b, d.get("second_end", b), ry, 8, colour, title))
            mid, peak = (x(a) + x(b)) / 2, ry - 26
            parts.append(
                f'<path d="M{x(a):.1f},{ry} Q{mid:.1f},{peak} {x(b):.1f},{ry}" fill="none" '
                f'stroke="{colour}"{dash}><title>{escape(title)}</title></path>'
            )
        elif check == "homopolymer":
            hx, hy = x(start), lane_y["homopolymers"]
            parts.append(
                f'<path d="M{hx:.1f},{hy} l-5,10 h10 z" fill="{colour}">'
                f"<title>{escape(title)}</title></path>"
            )
        elif check == "gc.window":
            parts.append(box(start, end, lane_y["gc"], 10, colour, title))
        elif check in ("orf", "kozak"):
            parts.append(box(start, end, lane_y["orfs"], 10, colour, title))
        elif check == "restriction_site":
            for cut in finding.get("details", {}).get("cuts", [start]):
                cx = x(cut)
                parts.append(
                    f'<line x1="{cx:.1f}" y1="{lane_y["sites"]}" x2="{cx:.1f}" '
                    f'y2="{lane_y["sites"] + 10}" stroke="{colour}" stroke-width="1.5">'
                    f"<title>{escape(title)}</title></line>"
                )
    labels = "".join(
        f'<text x="{left - 8}" y="{ry:.1f}" text-anchor="end">{escape(str(name))}</text>'
        for name, ry in rows
    )
    height = lane_y["sites"] + 40
    legend = "".join(
        f'<rect x="{left + i * 90}" y="{height - 16}" width="10" height="10" fill="{c}"/>'
        f'<text x="{left + i * 90 + 14}" y="{height - 7}">{level}</text>'
        for i, (level, c) in enumerate(LEVEL_COLOURS.items())
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vector-map" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" font-size="11" '
        f'aria-label="map of {escape(str(report.get("record_id", "")))}, {length} bp">'
        f"{labels}{''.join(parts)}{legend}</svg>"
    )


def report_context(reports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each report with its map and its findings, most severe first."""
    order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    return [
        {
            "r": r,
            "map": vector_map_svg(r, r.get("features")),
            "findings": sorted(
                r["findings"], key=lambda f: (order[f["level"]], f.get("start") or 0)
            ),
        }
        for r in reports
    ]


def _vector_options(values: dict[str, str]) -> VectorOptions:
    for name, allowed in VECTOR_CHOICES.items():
        if values[name] not in allowed:
            raise InvalidInput(f"{name}: {values[name]!r} is not one of {', '.join(allowed)}")
    return VectorOptions(
        kind=values["kind"],  # type: ignore[arg-type]
        genome=values["genome"],  # type: ignore[arg-type]
        topology=values["topology"] or None,  # type: ignore[arg-type]
    )


@router.get("/vector")
def vector_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    return render(request, "tools/vector.html", {"values": dict(_VECTOR_DEFAULTS)})


@router.post("/vector")
async def vector_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """Check the pasted or uploaded construct: a map and the findings with their positions."""
    form = await request.form()
    values = {name: str(form.get(name, d)).strip() for name, d in _VECTOR_DEFAULTS.items()}
    context: dict[str, Any] = {"values": values}
    try:
        options = _vector_options(values)
        upload = await _upload(form)
        if upload is not None:
            text, field = upload[0].decode("utf-8", errors="replace"), "file"
            context["source"] = upload[1]
        elif values["sequence"]:
            text, field = values["sequence"], "sequence"
        else:
            raise InvalidInput("sequence: paste a sequence, FASTA or GenBank, or upload a file")
        reports = check_constructs(text, field, None, options)
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, "tools/vector.html", context, status_code=422)
    context["reports"] = report_context(reports)
    return render(request, "tools/vector.html", context)
