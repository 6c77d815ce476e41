"""Stability statistics over JSON: ICH Q1E shelf life (with a PDF report) and out-of-trend."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from opencmc.platform.tables import read_table, table_from_rows
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.stability_report import shelf_life_pdf
from opencmc.science.stats import oot, stability
from opencmc.web.auth import CurrentApiUow

router = APIRouter(prefix="/stability", tags=["stability"])


class ShelfLifeRequest(BaseModel):
    """The data as JSON rows or CSV text, the columns to use and the acceptance limits."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, Any]] | None = Field(None, description="one object per measurement")
    csv: str | None = Field(None, description="or the same as CSV text with a header row")
    time: str = Field(description="the time column (its unit is the shelf life's unit)")
    value: str = Field(description="the measured attribute's column")
    batch: str | None = Field(None, description="the batch (lot) column")
    lower: float | None = None
    upper: float | None = None
    confidence: float = 0.95
    pool_alpha: float = 0.25
    separate_slopes_mse: Literal["per_batch", "pooled"] = "per_batch"
    transform: Literal["log"] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ShelfLifeRequest:
        if (self.rows is None) == (self.csv is None):
            raise ValueError("give the data either as rows or as csv, not both or neither")
        return self

    def table(self) -> pd.DataFrame:
        if self.rows is not None:
            return table_from_rows(self.rows)
        return read_table((self.csv or "").encode("utf-8"), "data.csv", field="csv")

    def run(self) -> stability.ShelfLifeResult:
        return stability.shelf_life(
            self.table(),
            time=self.time,
            value=self.value,
            batch=self.batch,
            lower=self.lower,
            upper=self.upper,
            confidence=self.confidence,
            pool_alpha=self.pool_alpha,
            separate_slopes_mse=self.separate_slopes_mse,
            transform=self.transform,
        )


class OutOfTrendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    times: list[float] = Field(description="the batch's earlier time points")
    values: list[float] = Field(description="their results")
    new_time: float
    new_value: float
    level: float = 0.95


@router.post("/shelf-life")
def shelf_life(body: ShelfLifeRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Shelf life per ICH Q1E: poolability by ANCOVA, then the confidence bound's crossing."""
    result = body.run()
    return {**result.to_dict(), "summary": result.summary(), "plot": result.to_plot_data()}


@router.post("/shelf-life/report.pdf", response_class=Response)
def shelf_life_report(body: ShelfLifeRequest, uow: UnitOfWork = CurrentApiUow) -> Response:
    """The same analysis as a PDF report (reasoning, per-batch table, plot)."""
    pdf = shelf_life_pdf(body.run(), title=f"Shelf life of {body.value}")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="shelf-life.pdf"'},
    )


@router.post("/out-of-trend")
def out_of_trend(body: OutOfTrendRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Is a new result outside the prediction interval of its batch's earlier trend?"""
    return oot.out_of_trend(
        body.times, body.values, body.new_time, body.new_value, level=body.level
    ).to_dict()
