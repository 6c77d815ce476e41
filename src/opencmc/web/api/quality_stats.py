"""Quality statistics over JSON: control charts, capability, method validation, comparability.

Each request model holds the data (JSON ``rows`` or ``csv`` text), the columns to use and
the engine's options, and ``run()`` calls the engine; the web pages build the same models
from their forms, so page and API give the same answer.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from opencmc.platform.errors import InvalidInput
from opencmc.platform.tables import read_table, table_from_rows
from opencmc.platform.uow import UnitOfWork
from opencmc.reports.validation_report import ValidationReport, build_report, render_html, write_pdf
from opencmc.science.stats import comparability, spc, validation
from opencmc.science.stats._validation import numeric_column, require_columns
from opencmc.web.auth import CurrentApiUow

router = APIRouter(tags=["quality statistics"])

ChartType = Literal["imr", "xbar-r", "xbar-s", "p", "np", "c", "u", "ewma", "cusum"]
_PHASE_I = {"true", "1", "yes", "y", "i", "phase1", "phase i", "t"}
_PHASE_II = {"false", "0", "no", "n", "ii", "phase2", "phase ii", "f"}


@contextmanager
def engine_errors() -> Iterator[None]:
    """An engine's refusal of its input (any ValueError or KeyError) as a 422 InvalidInput."""
    try:
        yield
    except InvalidInput:
        raise
    except (ValueError, KeyError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        raise InvalidInput(str(message)) from None


def plain(value: Any) -> Any:
    """JSON-ready: numpy scalars and arrays to Python, non-finite numbers to null."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _Data(BaseModel):
    """The data as JSON rows or CSV text with a header row."""

    model_config = ConfigDict(extra="forbid")

    rows: list[dict[str, Any]] | None = Field(None, description="one object per row")
    csv: str | None = Field(None, description="or the same as CSV text with a header row")

    @model_validator(mode="after")
    def _one_source(self) -> _Data:
        if (self.rows is None) == (self.csv is None) and self._needs_data():
            raise ValueError("give the data either as rows or as csv, not both or neither")
        return self

    def _needs_data(self) -> bool:
        return True

    def table(self, *columns: str | None, numeric: tuple[str | None, ...] = ()) -> pd.DataFrame:
        """The table, checked to hold every named column and numbers in ``numeric`` ones."""
        if self.rows is not None:
            frame = table_from_rows(self.rows)
        else:
            frame = read_table((self.csv or "").encode("utf-8"), "data.csv", field="csv")
        with engine_errors():
            require_columns(frame, [*columns, *numeric])
            for column in numeric:
                if column is not None:
                    numeric_column(frame, column)
        return frame


def _phase_mask(column: pd.Series, name: str) -> np.ndarray:
    text = column.astype(str).str.strip().str.lower()
    bad = ~text.isin(_PHASE_I | _PHASE_II)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise InvalidInput(
            f"phase1: column {name!r}, row {row + 1}: {column.iloc[row]!r} is not true/false",
            field="phase1",
        )
    mask = text.isin(_PHASE_I).to_numpy()
    if not mask.any():
        raise InvalidInput(f"phase1: column {name!r} marks no rows as phase I", field="phase1")
    return mask


class ChartRequest(_Data):
    """A control chart: type, columns, run rules, phase I rows and exclusions."""

    type: ChartType = Field(description="imr, xbar-r, xbar-s, p, np, c, u, ewma or cusum")
    value: str = Field(description="measured value; nonconforming (p, np) or defect count (c, u)")
    subgroup: str | None = Field(None, description="subgroup label column (xbar-r, xbar-s)")
    subgroup_size: int | None = Field(None, description="or consecutive subgroups of this size")
    size: str | None = Field(None, description="sample size (p, np) or units (u) column")
    sample_size: float | None = Field(None, description="or one sample size for every sample")
    label: str | None = Field(None, description="column naming each point")
    rules: str | None = Field(None, description="nelson, western_electric, limits, none or 1,2,5")
    phase1: str | None = Field(None, description="true/false column: true rows set the limits")
    exclude: list[int] | None = Field(None, description="0-based phase I points to exclude")
    reason: str | None = Field(None, description="the assignable cause of the exclusion")
    lam: float = Field(0.2, description="EWMA weight")
    L: float = Field(3.0, description="EWMA limit width in sigmas")
    k: float = Field(0.5, description="CUSUM reference value in sigmas")
    h: float = Field(5.0, description="CUSUM decision interval in sigmas")
    target: float | None = Field(None, description="EWMA/CUSUM target mean")
    sigma: float | None = Field(None, description="EWMA/CUSUM known sigma")

    def _build(self, frame: pd.DataFrame, limits: Any = None) -> spc.ControlChart:
        common: dict[str, Any] = {}
        if self.rules:
            common["rules"] = self.rules
        if limits is not None:
            common["limits"] = limits
        labels = frame[self.label].to_numpy() if self.label else None
        values = frame[self.value]
        kind = self.type
        if kind in ("xbar-r", "xbar-s"):
            if self.subgroup:
                sub: Any = frame[self.subgroup]
            elif self.subgroup_size:
                sub = int(self.subgroup_size)
            else:
                raise InvalidInput(f"subgroup: a {kind} chart needs a subgroup column or size",
                                   field="subgroup")  # fmt: skip
            return (spc.xbar_r if kind == "xbar-r" else spc.xbar_s)(values, sub, **common)
        if kind in ("p", "np", "u"):
            size: Any = frame[self.size] if self.size else self.sample_size
            if size is None:
                raise InvalidInput(f"size: a {kind} chart needs a sample-size column or number",
                                   field="size")  # fmt: skip
            if kind == "np" and np.ndim(size):
                sizes = pd.to_numeric(size, errors="coerce")
                if sizes.nunique() != 1:
                    raise InvalidInput("size: an np chart needs one sample size; use p",
                                       field="size")  # fmt: skip
                size = float(sizes.iloc[0])
            chart_fn = {"p": spc.p_chart, "np": spc.np_chart, "u": spc.u_chart}[kind]
            return chart_fn(values, size, labels=labels, **common)
        if kind == "imr":
            return spc.imr(values, labels=labels, **common)
        if kind == "c":
            return spc.c_chart(values, labels=labels, **common)
        extra = {"target": self.target, "sigma": self.sigma} if limits is None else {}
        if kind == "ewma":
            return spc.ewma(values, self.lam, self.L, labels=labels, **extra, **common)
        return spc.cusum(values, self.k, self.h, labels=labels, **extra, **common)

    def run(self) -> tuple[spc.ControlChart, spc.ControlChart | None]:
        """The phase I chart (exclusions applied) and the phase II chart, if any rows remain."""
        frame = self.table(self.subgroup, self.label, self.phase1, numeric=(self.value, self.size))
        if self.exclude and not (self.reason and self.reason.strip()):
            raise InvalidInput("reason: excluding points needs the assignable cause",
                               field="reason")  # fmt: skip
        mask = None if self.phase1 is None else _phase_mask(frame[self.phase1], self.phase1)
        with engine_errors():
            first = self._build(frame if mask is None else frame[mask])
            if self.exclude:
                first = first.exclude(self.exclude, self.reason or "")
            second = None
            if mask is not None and (~mask).any():
                second = self._build(frame[~mask], limits=first.parameters)
        return first, second


class CapabilityRequest(_Data):
    """Process capability of one column against the specification limits."""

    value: str = Field(description="the measured values' column")
    lsl: float | None = Field(None, description="lower specification limit")
    usl: float | None = Field(None, description="upper specification limit")
    target: float | None = Field(None, description="target (for Cpm)")
    subgroup: str | None = Field(None, description="subgroup label column (within sigma)")
    within: Literal["rbar", "sbar", "pooled"] | None = None
    method: Literal["auto", "normal", "box-cox", "percentile"] = "auto"
    confidence: float = 0.95

    def run(self) -> Any:
        frame = self.table(self.subgroup, numeric=(self.value,))
        with engine_errors():
            return spc.capability(
                frame[self.value], lsl=self.lsl, usl=self.usl, target=self.target,
                subgroup=None if self.subgroup is None else frame[self.subgroup],
                within=self.within, confidence=self.confidence, method=self.method,
            )  # fmt: skip


class LinearityRequest(_Data):
    """Linearity of response on concentration (ICH Q2(R2))."""

    concentration: str
    response: str
    target: float | None = Field(None, description="the 100 % test concentration")
    confidence: float = 0.95

    def run(self) -> validation.LinearityResult:
        frame = self.table(numeric=(self.concentration, self.response))
        with engine_errors():
            return validation.linearity(frame[self.concentration], frame[self.response],
                                        target=self.target, confidence=self.confidence)  # fmt: skip


class AccuracyRequest(_Data):
    """Recovery per level and overall."""

    nominal: str
    measured: str
    level: str | None = None
    limits: tuple[float, float] | None = Field(None, description="recovery limits in %")
    confidence: float = 0.95

    def run(self) -> validation.AccuracyResult:
        frame = self.table(self.level, numeric=(self.nominal, self.measured))
        with engine_errors():
            return validation.accuracy(
                frame[self.nominal], frame[self.measured],
                None if self.level is None else frame[self.level],
                limits=self.limits, confidence=self.confidence,
            )  # fmt: skip


class PrecisionRequest(_Data):
    """Repeatability (no factors) or intermediate precision (one or two nested factors)."""

    value: str
    factors: list[str] = Field(default_factory=list, description="outer factor first")
    method: Literal["auto", "anova", "reml"] = "auto"
    ci: Literal["mls", "satterthwaite"] = "mls"
    confidence: float = 0.95

    def run(self) -> Any:
        frame = self.table(*self.factors, numeric=(self.value,))
        with engine_errors():
            if not self.factors:
                return validation.repeatability(frame[self.value], confidence=self.confidence)
            return validation.intermediate_precision(
                frame, self.value, self.factors, method=self.method, ci=self.ci,
                confidence=self.confidence,
            )  # fmt: skip


class LodRequest(_Data):
    """LOD and LOQ from a calibration (data and columns) or from signal-to-noise."""

    concentration: str | None = None
    response: str | None = None
    sigma: Literal["residual", "intercept"] = "residual"
    signal: float | None = Field(None, description="peak height H (signal-to-noise route)")
    noise: float | None = Field(None, description="peak-to-peak noise h")
    at: float | None = Field(None, description="concentration of the signal-to-noise sample")

    def _needs_data(self) -> bool:
        return self.signal is None and self.noise is None

    def run(self) -> validation.LimitResult:
        if not self._needs_data():
            if self.signal is None or self.noise is None or self.at is None:
                raise InvalidInput("signal-to-noise needs signal, noise and at", field="at")
            with engine_errors():
                return validation.lod_signal_to_noise(self.at, self.signal, self.noise)
        if not self.concentration or not self.response:
            raise InvalidInput("concentration and response: name both columns",
                               field="concentration")  # fmt: skip
        frame = self.table(numeric=(self.concentration, self.response))
        with engine_errors():
            return validation.lod_loq(frame[self.concentration], frame[self.response],
                                      sigma=self.sigma)  # fmt: skip


class Criteria(BaseModel):
    """The protocol's acceptance criteria; leave out what is not required."""

    model_config = ConfigDict(extra="forbid")

    linearity_r_min: float | None = None
    linearity_r_squared_min: float | None = None
    intercept_percent_max: float | None = None
    recovery_limits: tuple[float, float] | None = None
    repeatability_rsd_max: float | None = None
    intermediate_rsd_max: float | None = None
    loq_max: float | None = None


class ReportRequest(BaseModel):
    """A validation report: any of the four analyses, with the acceptance criteria."""

    model_config = ConfigDict(extra="forbid")

    title: str = "Analytical procedure validation report"
    method: str = ""
    analyte: str = ""
    criteria: Criteria = Field(default_factory=Criteria)
    linearity: LinearityRequest | None = None
    accuracy: AccuracyRequest | None = None
    precision: PrecisionRequest | None = None
    lod: LodRequest | None = None

    def run(self) -> ValidationReport:
        precision = None if self.precision is None else self.precision.run()
        repeat = precision if isinstance(precision, validation.PrecisionResult) else None
        with engine_errors():
            return build_report(
                validation.AcceptanceCriteria(**self.criteria.model_dump()),
                title=self.title, method=self.method, analyte=self.analyte,
                linearity=None if self.linearity is None else self.linearity.run(),
                accuracy=None if self.accuracy is None else self.accuracy.run(),
                repeatability=repeat,
                intermediate=None if precision is None or repeat is not None else precision,
                limits=None if self.lod is None else self.lod.run(),
            )  # fmt: skip


def report_pdf(report: ValidationReport) -> bytes:
    """The report as PDF bytes (the writer needs a file)."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_pdf(report, Path(folder) / "validation-report.pdf")
        return path.read_bytes()


Method = Literal["tost", "quality_range", "min_max", "tolerance"]


class ComparabilityRequest(_Data):
    """Pre- against post-change lots across attributes (ICH Q5E)."""

    group: str = Field(description="column telling pre- from post-change lots")
    attributes: list[str] = Field(default_factory=list, description="default: numeric columns")
    pre: str | None = Field(None, description="the group value of pre-change lots")
    post: str | None = Field(None, description="the group value of post-change lots")
    methods: list[Method] = Field(default_factory=lambda: ["tost", "quality_range", "tolerance"])
    margin: float | dict[str, float] | None = Field(None, description="TOST margin(s)")
    margin_sd: float = Field(1.5, description="else margin = this × SD(pre)")
    alpha: float = 0.05
    k: float = Field(3.0, description="quality range: mean ± k·SD")
    coverage: float = 0.99
    confidence: float = 0.95

    def run(self) -> comparability.ComparabilitySummary:
        frame = self.table(self.group, *self.attributes)
        attributes = self.attributes or [
            c for c in frame.columns if c != self.group and pd.api.types.is_numeric_dtype(frame[c])
        ]
        if not attributes:
            raise InvalidInput("attributes: no numeric attribute columns; name them",
                               field="attributes")  # fmt: skip
        with engine_errors():
            return comparability.compare(
                frame, self.group, attributes,
                pre=_group_value(frame[self.group], self.pre),
                post=_group_value(frame[self.group], self.post),
                methods=tuple(self.methods), margin=self.margin, margin_sd=self.margin_sd,
                alpha=self.alpha, k=self.k, coverage=self.coverage, confidence=self.confidence,
            )  # fmt: skip


def _group_value(column: pd.Series, text: str | None) -> object:
    """The group named as text matched to the column's own values (which may be numbers)."""
    if text is None:
        return None
    for value in pd.unique(column.dropna()):
        if str(value) == text:
            return value
    return text


# --- endpoints ------------------------------------------------------------------------------


@router.post("/spc/chart")
def spc_chart(body: ChartRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """A control chart with its run-rule signals; phase II against the frozen phase I limits."""
    first, second = body.run()
    shown = second or first
    return plain({**first.to_dict(), "summary": first.summary(),
                  "monitoring": None if second is None else second.to_dict(),
                  "plot": shown.to_plot_data()})  # fmt: skip


@router.post("/spc/capability")
def spc_capability(body: CapabilityRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Cp, Cpk, Pp, Ppk and Cpm with intervals, normality and expected PPM."""
    result = body.run()
    return plain({**result.to_dict(), "summary": result.summary()})


@router.post("/validation/linearity")
def validation_linearity(body: LinearityRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Slope and intercept with CIs, r, R², residuals and lack of fit."""
    result = body.run()
    return plain({**result.to_dict(), "summary": result.summary()})


@router.post("/validation/accuracy")
def validation_accuracy(body: AccuracyRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Recovery per level and overall, with confidence intervals."""
    result = body.run()
    return plain({**result.to_dict(), "summary": result.summary()})


@router.post("/validation/precision")
def validation_precision(body: PrecisionRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Repeatability, or intermediate precision as variance components."""
    result = body.run()
    return plain({**result.to_dict(), "summary": result.summary()})


@router.post("/validation/lod")
def validation_lod(body: LodRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """LOD and LOQ as 3.3·σ/S and 10·σ/S, or from signal-to-noise."""
    result = body.run()
    return plain({**result.to_dict(), "summary": result.summary()})


@router.post("/validation/report.pdf", response_class=Response)
def validation_report_pdf(body: ReportRequest, uow: UnitOfWork = CurrentApiUow) -> Response:
    """The validation report (tables, plots, pass/fail against the criteria) as PDF."""
    return Response(
        report_pdf(body.run()),
        media_type="application/pdf",
        headers={"content-disposition": 'attachment; filename="validation-report.pdf"'},
    )


@router.post("/validation/report.html", response_class=Response)
def validation_report_html(body: ReportRequest, uow: UnitOfWork = CurrentApiUow) -> Response:
    """The same report as one self-contained HTML file."""
    return Response(render_html(body.run()), media_type="text/html; charset=utf-8")


@router.post("/comparability")
def comparability_summary(
    body: ComparabilityRequest, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """TOST, quality ranges and tolerance intervals per attribute, and the overall verdict."""
    result = body.run()
    return plain({**result.to_dict(), "summary": result.summary(), "plot": result.to_plot_data()})
