"""Design of experiments over JSON: build and compare designs, run sheets, analysis, design space.

Each request model checks the JSON and calls the engine (:mod:`opencmc.science.stats.doe`);
the web page builds the same models from its forms, so both give the same answers.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from opencmc.platform.tables import read_table, table_from_rows
from opencmc.platform.uow import UnitOfWork
from opencmc.science.stats import doe
from opencmc.web.auth import CurrentApiUow

router = APIRouter(prefix="/doe", tags=["doe"])

DesignKind = Literal[
    "full", "fractional", "pb", "dsd", "ccd", "bbd", "optimal", "lattice", "centroid", "vertices"
]
ModelSpec = str | list[str]


def plain(value: Any) -> Any:
    """Numbers and arrays as JSON: NumPy to Python, NaN and infinities to null."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class FactorIn(BaseModel):
    """One factor: a name, its range (or levels), its unit and its type."""

    model_config = ConfigDict(extra="forbid")

    name: str
    low: float | str | None = Field(
        None, description="low setting (a level's label if categorical)"
    )
    high: float | str | None = Field(None, description="high setting")
    units: str = ""
    kind: Literal["continuous", "discrete", "categorical", "mixture"] = "continuous"
    levels: list[float | str] = Field(
        default_factory=list, description="all levels of a discrete or categorical factor"
    )

    @model_validator(mode="after")
    def _numbers_where_needed(self) -> FactorIn:
        if self.kind in ("continuous", "mixture"):
            for side in ("low", "high"):
                value = getattr(self, side)
                if value is None:
                    raise ValueError(f"factor {self.name!r}: {side} is required")
                if isinstance(value, str):
                    raise ValueError(f"factor {self.name!r}: {side} {value!r} is not a number")
        return self

    def to_factor(self) -> doe.Factor:
        if self.kind in ("continuous", "mixture"):
            return doe.Factor(self.name, self.low, self.high, self.units, self.kind)  # type: ignore[arg-type]
        levels = list(self.levels) or [v for v in (self.low, self.high) if v not in (None, "")]
        if self.kind == "discrete":
            try:
                levels = [float(v) for v in levels]  # type: ignore[arg-type]
            except ValueError:
                raise doe.DesignError(
                    f"factor {self.name!r}: discrete levels must be numbers, got {levels}"
                ) from None
        return doe.Factor(self.name, units=self.units, kind=self.kind, levels=tuple(levels))


class DesignOptions(BaseModel):
    """A design by name with its options; unset options keep the textbook defaults."""

    model_config = ConfigDict(extra="forbid")

    design: DesignKind
    levels: int | None = Field(None, description="full factorial: levels of continuous factors")
    resolution: int | None = Field(None, description="fractional factorial: at least this")
    runs: int | None = Field(None, description="fractional, Plackett-Burman, optimal: run count")
    generators: list[str] | None = Field(None, description='fractional: e.g. ["E=ABC"]')
    centre_points: int | None = None
    replicates: int | None = None
    blocks: int | None = None
    face: Literal["circumscribed", "inscribed", "faced"] | None = None
    axial_distance: float | Literal["rotatable", "orthogonal", "blocked"] | None = Field(
        None, description="central composite: alpha, by name or as a number"
    )
    model: ModelSpec | None = Field(None, description='optimal: "quadratic" or ["A", "B", "A:B"]')
    criterion: Literal["D", "I"] | None = None
    degree: int | None = Field(None, description="simplex lattice degree")
    disallowed: list[dict[str, Any]] | None = Field(
        None, description="optimal: combinations not to run"
    )

    def options(self) -> dict[str, Any]:
        """The engine's keyword arguments (``axial_distance`` is its ``alpha``)."""
        own = set(DesignOptions.model_fields) - {"design", "axial_distance"}
        out = self.model_dump(include=own, exclude_none=True)
        if self.axial_distance is not None:
            out["alpha"] = self.axial_distance
        return out


class DesignRequest(DesignOptions):
    """Factors, constraints and a design: the run sheet to take to the lab."""

    factors: list[FactorIn] = Field(min_length=1)
    constraints: list[str] = Field(default_factory=list, description='e.g. "T + 2*t <= 230"')
    seed: int | None = Field(None, description="seed of the randomised run order")
    randomize: bool = True
    responses: list[str] = Field(default_factory=lambda: ["response"], min_length=1)

    def build(self) -> doe.Design:
        return doe.make_design(
            self.design,
            [f.to_factor() for f in self.factors],
            seed=self.seed,
            randomize=self.randomize,
            constraints=self.constraints or None,
            **self.options(),
        )


class EvaluateRequest(BaseModel):
    """Candidate designs for the same factors, judged on one model before any run."""

    model_config = ConfigDict(extra="forbid")

    factors: list[FactorIn] = Field(min_length=1)
    constraints: list[str] = Field(default_factory=list)
    candidates: list[DesignOptions] = Field(min_length=1, max_length=12)
    model: ModelSpec | None = Field(None, description="default: each design's own model")
    effect_size: float = Field(2.0, gt=0, description="difference of means to detect")
    sigma: float = Field(1.0, gt=0, description="run-to-run standard deviation")
    alpha: float = 0.05
    seed: int = 0

    def run(self) -> list[doe.Candidate]:
        return doe.compare_designs(
            [f.to_factor() for f in self.factors],
            [{"design": c.design, **c.options()} for c in self.candidates],
            self.model,
            constraints=self.constraints,
            effect_size=self.effect_size,
            sigma=self.sigma,
            alpha=self.alpha,
            seed=self.seed,
        )


class RunSheetData(BaseModel):
    """A completed run sheet as JSON rows or CSV text, and how to model it."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, Any]] | None = Field(None, description="one object per run")
    csv: str | None = Field(None, description="or the run sheet as CSV text with a header row")
    factors: list[str] | list[FactorIn] | None = Field(
        None, description="factor columns (default: every numeric column but the responses)"
    )
    model: ModelSpec | None = Field(None, description='"linear", "quadratic" or a list of terms')
    alpha: float = 0.05
    reduce: bool = Field(False, description="hierarchical backward elimination at alpha")

    @model_validator(mode="after")
    def _one_source(self) -> RunSheetData:
        if (self.rows is None) == (self.csv is None):
            raise ValueError("give the run sheet either as rows or as csv, not both or neither")
        return self

    def table(self) -> pd.DataFrame:
        if self.rows is not None:
            return table_from_rows(self.rows)
        return read_table((self.csv or "").encode("utf-8"), "runs.csv", field="csv")

    def fit(self, responses: list[str]) -> dict[str, doe.Analysis]:
        factors: Any = self.factors
        if factors and not isinstance(factors[0], str):
            factors = [f.to_factor() for f in factors]  # type: ignore[union-attr]
        return doe.analyze_responses(
            self.table(), responses, factors or None, self.model, alpha=self.alpha,
            reduce=self.reduce,
        )  # fmt: skip


class AnalyzeRequest(RunSheetData):
    response: str = Field(description="the response column")
    other_responses: list[str] = Field(
        default_factory=list, description="other result columns, which are not factors"
    )

    def run(self) -> doe.Analysis:
        return self.fit([self.response, *self.other_responses])[self.response]


def analysis_report(result: doe.Analysis) -> dict[str, Any]:
    """The analysis with its summary and residual diagnostics, as JSON."""
    return {
        **result.to_dict(),
        "summary": result.summary(),
        "diagnostics": plain(result.residual_diagnostics()),
    }


class GoalIn(BaseModel):
    """What is wanted of one response (Derringer-Suich)."""

    model_config = ConfigDict(extra="forbid")

    response: str
    goal: Literal["maximize", "minimize", "target"]
    lower: float | None = None
    target: float | None = None
    upper: float | None = None
    shape: float = 1.0
    shape_upper: float = 1.0
    importance: float = 1.0


class OptimizeRequest(RunSheetData):
    goals: list[GoalIn] = Field(min_length=1)
    constraints: list[str] = Field(default_factory=list)
    hold: dict[str, float | str] | None = Field(None, description="factors fixed at a setting")
    starts: int = Field(20, ge=1, le=200)
    seed: int = 0

    def run(self) -> doe.Optimum:
        fits = self.fit([g.response for g in self.goals])
        return doe.optimize(
            fits,
            [doe.Goal(**g.model_dump()) for g in self.goals],
            constraints=self.constraints,
            hold=self.hold,
            starts=self.starts,
            seed=self.seed,
        )


class SpecificationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    response: str
    lower: float | None = None
    upper: float | None = None


class DesignSpaceRequest(RunSheetData):
    specifications: list[SpecificationIn] = Field(min_length=1)
    x: str = Field(description="factor on the horizontal axis")
    y: str = Field(description="factor on the vertical axis")
    probability: float = Field(0.9, description="required P(every specification met)")
    set_point: dict[str, float] | None = None
    # the map costs grid^2 x draws model evaluations per response: keep it bounded
    grid: int = Field(41, ge=5, le=61)
    draws: int = Field(2000, ge=200, le=4000)
    seed: int = 0

    def run(self) -> doe.DesignSpace:
        fits = self.fit([s.response for s in self.specifications])
        return doe.design_space(
            fits,
            [doe.Specification(**s.model_dump()) for s in self.specifications],
            self.x,
            self.y,
            probability=self.probability,
            set_point=self.set_point,
            grid=self.grid,
            draws=self.draws,
            seed=self.seed,
        )


def design_report(design: doe.Design, responses: list[str]) -> dict[str, Any]:
    """The design's run sheet rows, summary, aliases and efficiencies on its own model."""
    sheet = design.run_sheet(responses)
    evaluation = doe.evaluate(design)
    return {
        "design": design.to_dict(),
        "summary": design.summary(),
        "seed": design.info.get("seed"),
        "aliases": plain(design.info.get("aliases", {})),
        "efficiencies": plain(evaluation.efficiencies),
        "power": plain(evaluation.power),
        "run_sheet": plain(sheet.astype(object).where(sheet.notna(), None).to_dict("records")),
    }


@router.post("/designs")
def design(body: DesignRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Build a design: the run sheet rows, generators and aliases, D-efficiency."""
    return design_report(body.build(), body.responses)


@router.post("/designs/evaluate")
def evaluate(body: EvaluateRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Compare candidate designs: runs, power per term, correlation map, FDS curve."""
    return {"candidates": [c.to_dict() for c in body.run()]}


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.post("/designs/runsheet.csv", response_class=Response)
def runsheet_csv(body: DesignRequest, uow: UnitOfWork = CurrentApiUow) -> Response:
    """The run sheet as CSV: run order, standard order, settings, empty response columns."""
    sheet = body.build().run_sheet(body.responses)
    return _download(sheet.to_csv(index=False).encode("utf-8"), "text/csv", "runsheet.csv")


@router.post("/designs/runsheet.xlsx", response_class=Response)
def runsheet_xlsx(body: DesignRequest, uow: UnitOfWork = CurrentApiUow) -> Response:
    """The run sheet as an XLSX workbook, with a second sheet describing the factors."""
    return _download(body.build().xlsx_bytes(body.responses), XLSX, "runsheet.xlsx")


@router.post("/analyze")
def analyze(body: AnalyzeRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Effects, coefficients, ANOVA, Lenth, lack of fit, curvature and diagnostics."""
    return analysis_report(body.run())


@router.post("/optimize")
def optimize(body: OptimizeRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Settings that best meet several responses' goals (Derringer-Suich desirability)."""
    return body.run().to_dict()


@router.post("/design-space")
def design_space(body: DesignSpaceRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Probability map of meeting every specification, and proven acceptable ranges."""
    return body.run().to_dict()
