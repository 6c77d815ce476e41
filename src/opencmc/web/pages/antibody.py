"""Antibody developability page: paste or upload leads, read flags, liabilities, CDRs on the
annotated sequence, ranking and redesigns."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from opencmc.platform.errors import InvalidInput
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import antibody
from opencmc.science.design.antibody_input import (
    AntibodyInputError,
    AntibodyRecord,
    as_records,
    parse_fasta_text,
    records_from_table,
)
from opencmc.science.design.antibody_liabilities import Liability
from opencmc.science.design.antibody_metrics import DEFAULT_FORMULATION_PH
from opencmc.web.api.antibody import MAX_LEADS, invalid, profile_leads, ranking
from opencmc.web.auth import CurrentPageUow
from opencmc.web.pages.save_candidate import own_programs
from opencmc.web.templating import render

router = APIRouter(prefix="/tools")

_TEMPLATE = "tools/antibody.html"
_FIELDS = ("fasta", "name", "heavy", "light", "lead", "formulation_ph")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
FASTA_SUFFIXES = (".fa", ".fasta", ".faa", ".fas")
ROW_WIDTH = 50  # residues per line of the annotated sequence, in blocks of 10
_RISK_ORDER = {"high": 0, "medium": 1, "low": 2}


def read_upload(content: bytes, filename: str) -> list[AntibodyRecord]:
    """Leads from an uploaded FASTA (``>NAME|heavy``, ``>NAME|light``) or a CSV, TSV or XLSX
    table (columns ``name``, ``heavy``, ``light``), read by the engine's readers."""
    name = PurePath(filename).name or "upload"
    suffix = PurePath(name).suffix.lower()
    try:
        text = None if content.startswith(b"PK\x03\x04") else content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"file: {name} is not UTF-8 text or an XLSX workbook", field="file"
        ) from None
    try:
        if text is not None and (suffix in FASTA_SUFFIXES or text.lstrip().startswith(">")):
            return parse_fasta_text(text, name)
        if text is None or suffix in TABLE_SUFFIXES:
            return records_from_table(read_table(content, name, field="file"), name)
    except AntibodyInputError as error:
        raise invalid(error, "file") from None
    raise InvalidInput(
        f"file: {name} is neither FASTA (records starting with '>') nor a CSV, TSV or XLSX "
        "table with the columns name, heavy, light",
        field="file",
    )


def as_fasta(leads: list[AntibodyRecord]) -> str | None:
    """The leads as FASTA text in the page's naming convention, or None if a name would not
    survive it (white space, or a ``|`` that could read as a chain tag)."""
    if any(not r.name or "|" in r.name or len(r.name.split()) != 1 for r in leads):
        return None
    parts = []
    for r in leads:
        if r.light:
            parts.append(f">{r.name}|heavy\n{r.heavy}\n>{r.name}|light\n{r.light}\n")
        else:
            parts.append(f">{r.name}\n{r.heavy}\n")
    return "".join(parts)


async def _upload(form: FormData) -> tuple[bytes, str] | None:
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        return await upload.read(), upload.filename
    return None


def _leads(values: dict[str, str]) -> list[AntibodyRecord]:
    """The pasted FASTA if there is one, else the single lead's VH (and VL)."""
    try:
        if values["fasta"]:
            leads = parse_fasta_text(values["fasta"], "FASTA")
        elif values["heavy"]:
            name = values["name"] or "lead"
            leads = as_records([(name, values["heavy"], values["light"] or None)])
        else:
            raise InvalidInput("paste a FASTA or the heavy chain of a lead", field="fasta")
    except AntibodyInputError as error:
        raise invalid(error, "fasta" if values["fasta"] else "heavy") from None
    return _check_count(leads)


def _ph(values: dict[str, str]) -> float:
    raw = values["formulation_ph"]
    if not raw:
        return DEFAULT_FORMULATION_PH
    try:
        ph = float(raw)
    except ValueError:
        raise InvalidInput(f"formulation pH: {raw!r} is not a number", field="ph") from None
    if not 2 <= ph <= 10:
        raise InvalidInput(f"formulation pH: {ph} is outside 2-10", field="ph")
    return ph


def _check_count(leads: list[AntibodyRecord]) -> list[AntibodyRecord]:
    if len(leads) > MAX_LEADS:
        raise InvalidInput(f"{len(leads)} leads: the page profiles at most {MAX_LEADS} at a time")
    return leads


def _line(
    sequence: str, regions: list[str | None], hits: list[list[Liability]], start: int, stop: int
) -> dict[str, Any]:
    """One line of the annotated view: residues ``start:stop`` in blocks of 10."""
    cdr_track, risk_track, runs = [], [], []
    previous: tuple[Any, ...] | None = None
    for i in range(start, stop):
        if i > start and (i - start) % 10 == 0:
            cdr_track.append(" ")
            risk_track.append(" ")
            runs.append({"text": " ", "gap": True})
            previous = None
        label = regions[i] if (regions[i] or "").startswith("CDR") else None
        here = hits[i]
        risk = min((h.risk for h in here), key=_RISK_ORDER.__getitem__, default=None)
        cdr_track.append(label[3:] if label else " ")
        risk_track.append(risk[0].upper() if risk else " ")
        key = (label, tuple(id(h) for h in here))
        if key == previous:
            runs[-1]["text"] += sequence[i]
            continue
        previous = key
        runs.append({"text": sequence[i], "cdr": label, "risk": risk, "hits": here})
    return {
        "position": start + 1,
        "cdrs": "".join(cdr_track).rstrip(),
        "runs": runs,
        "risks": "".join(risk_track).rstrip(),
    }


def sequence_view(profile: antibody.AntibodyProfile) -> list[dict[str, Any]]:
    """Each chain in lines of :data:`ROW_WIDTH` residues for the annotated view.

    A line has its first position, a track with the IMGT CDR number (1, 2, 3) above each
    CDR residue, runs of residues sharing their CDR and liabilities (for the colour, the
    underline and the title the template writes), and a track with the letter of the
    highest risk (H, M, L) below each residue a liability covers: the marks do not rely
    on colour.
    """
    chains = []
    for chain, sequence in (("heavy", profile.heavy), ("light", profile.light)):
        if not sequence:
            continue
        numbering = profile.numbering.get(chain)
        regions: list[str | None] = (
            list(numbering.regions["imgt"]) if numbering is not None else [None] * len(sequence)
        )
        hits: list[list[Liability]] = [[] for _ in sequence]
        for hit in profile.liabilities:
            if hit.chain == chain:
                first = hit.position - 1
                for i in range(first, min(first + max(len(hit.residues), 1), len(sequence))):
                    hits[i].append(hit)
        lines = [
            _line(sequence, regions, hits, start, min(start + ROW_WIDTH, len(sequence)))
            for start in range(0, len(sequence), ROW_WIDTH)
        ]
        chains.append({"chain": chain, "numbered": numbering is not None, "lines": lines})
    return chains


def _context(
    values: dict[str, str], uploaded: list[AntibodyRecord] | None = None
) -> dict[str, Any]:
    """Profiles, ranking and the chosen lead's redesign proposals for the template."""
    ph = _ph(values)
    leads = _check_count(uploaded) if uploaded is not None else _leads(values)
    profiles = profile_leads(leads, ph)
    by_name = {p.name: p for p in profiles}
    chosen = by_name.get(values["lead"]) or profiles[0]
    values["lead"] = chosen.name
    proposals = antibody.redesign(chosen)
    return {
        "profiles": [p.to_dict() for p in profiles],
        "views": [sequence_view(p) for p in profiles],
        "ranking": ranking(profiles),
        "chosen": chosen.name,
        "proposals": [p.to_dict() for p in proposals],
    }


@router.get("/antibody")
def antibody_form(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """The empty form."""
    values = dict.fromkeys(_FIELDS, "")
    values["formulation_ph"] = str(DEFAULT_FORMULATION_PH)
    return render(request, _TEMPLATE, {"values": values, "own_programs": own_programs(uow)})


@router.post("/antibody")
async def antibody_run(request: Request, uow: UnitOfWork = CurrentPageUow) -> Response:
    """Profile the pasted or uploaded leads: flags, annotated sequences, liabilities, ranking
    and redesigns. An uploaded file's leads go into the FASTA box, so that choosing another
    lead for redesign sends them again."""
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in _FIELDS}
    context: dict[str, Any] = {"values": values, "own_programs": own_programs(uow)}
    try:
        upload = await _upload(form)
        uploaded = None
        if upload is not None:
            uploaded = read_upload(*upload)
            context["source"] = PurePath(upload[1]).name
            fasta = as_fasta(uploaded)
            values["fasta"] = fasta or ""  # the box shows what was profiled, or nothing
            context["source_in_box"] = fasta is not None
        context.update(_context(values, uploaded))
    except InvalidInput as error:
        context["error"] = error.message
        return render(request, _TEMPLATE, context, status_code=422)
    return render(request, _TEMPLATE, context)
