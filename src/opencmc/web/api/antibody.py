"""Antibody developability over JSON: profile and rank leads, redesign, screen a library."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from opencmc.platform.errors import InvalidInput
from opencmc.platform.tables import read_table
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import antibody
from opencmc.science.design.antibody_input import (
    AntibodyInputError,
    AntibodyRecord,
    as_records,
    parse_fasta_text,
)
from opencmc.science.design.antibody_metrics import DEFAULT_FORMULATION_PH
from opencmc.science.design.antibody_screen import COLUMNS, screen_frame
from opencmc.web.auth import CurrentApiUow

router = APIRouter(prefix="/design/antibody", tags=["design"])

MAX_LEADS = 200  # profiled one by one with germline assignment; a campaign's leads, not a library
MAX_SCREEN_VARIANTS = 5_000  # larger libraries: `opencmc design antibody screen` or a job
MAX_PROBLEMS = 20  # listed in one error message
Risk = Literal["high", "medium", "low"]


def invalid(error: AntibodyInputError | ValueError, field: str) -> InvalidInput:
    """The engine's input error as a 422 naming each record, chain and position (at most 20)."""
    problems = getattr(error, "problems", None) or [str(error)]
    more = len(problems) - MAX_PROBLEMS
    message = "; ".join(problems[:MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
    return InvalidInput(message, field=field)


class Lead(BaseModel):
    """One lead: its name, heavy (or single) chain and optional light chain."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    heavy: str = Field(description="heavy chain (VH or full HC), or a VHH / other protein")
    light: str | None = Field(None, description="light chain (VL or full LC); omit for VHH")


class LeadsRequest(BaseModel):
    """Leads as JSON records or as FASTA text (``>NAME|heavy`` / ``>NAME|light``)."""

    model_config = ConfigDict(extra="forbid")

    records: list[Lead] | None = Field(None, description="one object per lead")
    fasta: str | None = Field(None, description="or FASTA text, chains paired by NAME|heavy/light")
    formulation_ph: float = Field(DEFAULT_FORMULATION_PH, ge=2, le=10)

    @model_validator(mode="after")
    def _one_source(self) -> LeadsRequest:
        if (self.records is None) == (self.fasta is None):
            raise ValueError("give the leads either as records or as fasta, not both or neither")
        return self

    def leads(self) -> list[AntibodyRecord]:
        """The checked records; :class:`InvalidInput` names every bad record, chain, position."""
        field = "records" if self.records is not None else "fasta"
        try:
            if self.records is not None:
                leads = as_records((r.name, r.heavy, r.light or None) for r in self.records)
            else:
                leads = parse_fasta_text(self.fasta or "", "fasta")
        except AntibodyInputError as error:
            raise invalid(error, field) from None
        if len(leads) > MAX_LEADS:
            raise InvalidInput(
                f"{field}: {len(leads)} leads; the web profiles at most {MAX_LEADS} at a time "
                "(screen a library instead)",
                field=field,
            )
        return leads


def ranking(profiles: list[antibody.AntibodyProfile]) -> list[dict[str, Any]]:
    """Leads best first, with the counts the order comes from."""
    out = []
    for place, p in enumerate(antibody.rank(profiles), start=1):
        red, high, amber, medium = p.risk_score
        out.append(
            {
                "rank": place,
                "name": p.name,
                "red_flags": red,
                "amber_flags": amber,
                "high_liabilities": high,
                "medium_liabilities": medium,
            }
        )
    return out


def profile_leads(
    leads: list[AntibodyRecord], formulation_ph: float
) -> list[antibody.AntibodyProfile]:
    """Profile the leads, turning an engine input error into a 422."""
    try:
        return antibody.profile_records(leads, formulation_ph)
    except AntibodyInputError as error:
        raise invalid(error, "records") from None


class RedesignRequest(Lead):
    """One lead and which liabilities to design out."""

    risks: list[Risk] = Field(["high"], min_length=1, description="liability risks to remove")
    allow_cdr: bool = Field(True, description="propose substitutions inside CDRs too")
    formulation_ph: float = Field(DEFAULT_FORMULATION_PH, ge=2, le=10)


class Bounds(BaseModel):
    """A kept range of one metric; either end may be open."""

    model_config = ConfigDict(extra="forbid")

    min: float | None = None
    max: float | None = None


class ScreenRequest(BaseModel):
    """A small variant library as JSON rows or CSV text (columns name, heavy[, light])."""

    model_config = ConfigDict(extra="forbid")

    rows: list[Lead] | None = Field(None, description="one object per variant")
    csv: str | None = Field(None, description="or CSV text with columns name, heavy[, light]")
    criteria: dict[str, Bounds] = Field(default_factory=dict, description="metric -> range kept")
    sort_by: str | None = Field("motif_high", description="metric to sort by, ascending")
    formulation_ph: float = Field(DEFAULT_FORMULATION_PH, ge=2, le=10)

    @model_validator(mode="after")
    def _one_source(self) -> ScreenRequest:
        if (self.rows is None) == (self.csv is None):
            raise ValueError("give the variants either as rows or as csv, not both or neither")
        return self

    def frame(self) -> pd.DataFrame:
        """The library as a ``name, heavy, light`` table, at most ``MAX_SCREEN_VARIANTS`` rows."""
        if self.rows is not None:
            field = "rows"
            frame = pd.DataFrame(
                [r.model_dump() for r in self.rows], columns=["name", "heavy", "light"]
            )
        else:
            field = "csv"
            frame = read_table((self.csv or "").encode("utf-8"), "library.csv", field="csv")
            frame.columns = [str(c).strip().lower() for c in frame.columns]
            if "name" not in frame.columns or "heavy" not in frame.columns:
                raise InvalidInput("csv: needs columns name, heavy[, light]", field="csv")
        if len(frame) > MAX_SCREEN_VARIANTS:
            raise InvalidInput(
                f"{field}: {len(frame)} variants; the web screens at most {MAX_SCREEN_VARIANTS:,}. "
                "Screen larger libraries with `opencmc design antibody screen FILE --out OUT` "
                "or as a job.",
                field=field,
            )
        if frame.empty:
            raise InvalidInput(f"{field}: no variants", field=field)
        for column in [*self.criteria, *([self.sort_by] if self.sort_by else [])]:
            if column not in COLUMNS:
                raise InvalidInput(f"unknown metric {column!r}; one of {', '.join(COLUMNS)}")
        return frame


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def screen_library(body: ScreenRequest) -> dict[str, Any]:
    """Metrics of every variant, the kept rows sorted, as JSON-safe records."""
    frame = body.frame()
    try:
        table = screen_frame(frame, body.formulation_ph)
    except AntibodyInputError as error:
        raise invalid(error, "rows" if body.rows is not None else "csv") from None
    keep = np.ones(len(table), dtype=bool)
    for column, bounds in body.criteria.items():
        values = table[column].to_numpy(dtype=float)
        if bounds.min is not None:
            keep &= values >= bounds.min
        if bounds.max is not None:
            keep &= values <= bounds.max
    kept = table[keep]
    if body.sort_by:
        kept = kept.sort_values([body.sort_by, "name"], kind="stable")
    variants = [{k: _json_value(v) for k, v in row.items()} for row in kept.to_dict("records")]
    return {
        "rows": len(table),
        "kept": len(kept),
        "not_numbered": int((table["status"] != "ok").sum()),
        "variants": variants,
    }


@router.post("/profile")
def profile(body: LeadsRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Each lead's CDRs (IMGT, Kabat, Chothia), germline, liabilities, properties and flags."""
    profiles = profile_leads(body.leads(), body.formulation_ph)
    return {"profiles": [p.to_dict() for p in profiles], "ranking": ranking(profiles)}


@router.post("/redesign")
def redesign(body: RedesignRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Substitutions that remove the lead's liabilities, each with its re-profiled metrics."""
    lead = LeadsRequest(records=[Lead(name=body.name, heavy=body.heavy, light=body.light)])
    (candidate,) = profile_leads(lead.leads(), body.formulation_ph)
    proposals = antibody.redesign(candidate, risks=tuple(body.risks), allow_cdr=body.allow_cdr)
    return {"name": candidate.name, "proposals": [p.to_dict() for p in proposals]}


@router.post("/screen")
def screen(body: ScreenRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Vectorised metrics of up to 5,000 variants, filtered and sorted; larger ones: the CLI."""
    return screen_library(body)
