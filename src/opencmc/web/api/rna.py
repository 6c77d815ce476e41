"""RNA design over JSON: mRNA metrics and codon optimisation, siRNA and gapmer ASO candidates."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from opencmc.jobs import design_jobs
from opencmc.platform.errors import InvalidInput
from opencmc.platform.models import Job
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import aso, mrna, sirna
from opencmc.science.design.sequences import SequenceError, looks_like_protein, read_fasta
from opencmc.web.auth import CurrentApiUow
from opencmc.web.state import app_state

router = APIRouter(prefix="/design", tags=["design"])

# Folding dominates the run time, so the web keeps requests to a size that answers in about
# a minute; longer proteins go to a design job (POST /design/mrna/jobs, up to
# design_jobs.MAX_JOB_PROTEIN aa), longer sequences through the command line, which has no
# such bound.
MAX_PROTEIN = 1500
MAX_MRNA_NT = 6000
MAX_TARGET_NT = 20000
MAX_UTR_NT = 2000
CLI_HINT = "use the command line ({command}), which has no bound, for longer sequences"

Host = Literal["human", "cho", "mouse", "e_coli", "yeast"]


def sequence_text(text: str, what: str) -> str:
    """The sequence of pasted text: plain letters, or the first record of FASTA text."""
    if text.lstrip().startswith(">"):
        try:
            return read_fasta(text)[0].sequence
        except SequenceError as error:
            raise InvalidInput(f"{what}: {error}", field=what) from None
    return text


def residue_count(text: str, sequence_type: str = "auto") -> int:
    """How many amino acids ``text`` encodes, read the way the optimiser reads it."""
    as_protein = sequence_type == "protein" or (
        sequence_type == "auto"
        and (looks_like_protein(text) or len(re.sub(r"[\s\d*]", "", text)) % 3 != 0)
    )
    letters = re.sub(r"[\s\d/*]", "", text)
    return len(letters) if as_protein else len(letters) // 3


def check_protein_size(text: str, sequence_type: str = "auto") -> None:
    """Refuse a protein longer than the web serves (the command line has no bound)."""
    residues = residue_count(text, sequence_type)
    if residues > MAX_PROTEIN:
        raise InvalidInput(
            f"protein: {residues} aa is over the {MAX_PROTEIN} aa the web designs in a request; "
            f"submit it as a design job (POST /api/v1/design/mrna/jobs, up to "
            f"{design_jobs.MAX_JOB_PROTEIN} aa) or "
            + CLI_HINT.format(command="opencmc design mrna optimise"),
            field="protein",
        )


def check_length(text: str, limit: int, what: str, command: str) -> None:
    """Refuse a nucleotide sequence longer than ``limit`` nt."""
    n = len(re.sub(r"[\s\d/]", "", text))
    if n > limit:
        raise InvalidInput(
            f"{what}: {n} nt is over the {limit} nt the web accepts; "
            + CLI_HINT.format(command=command),
            field=what,
        )


def run_engine(call: Callable[[], Any], field: str | None = None) -> Any:
    """Call an engine; its input errors (bad letters, stops, unmeetable constraints, which
    are :class:`SequenceError` or :class:`ValueError`) become :class:`InvalidInput`."""
    try:
        return call()
    except (SequenceError, ValueError) as error:
        raise InvalidInput(str(error), field=field) from None


class ProfileRequest(BaseModel):
    """An mRNA (or a CDS with UTRs and a tail around it) and what to measure."""

    model_config = ConfigDict(extra="forbid")

    sequence: str = Field(description="the mRNA, or the CDS when utr5/utr3 are given; FASTA ok")
    host: Host = "human"
    utr5: str | None = Field(None, max_length=MAX_UTR_NT, description="5' UTR around a CDS")
    utr3: str | None = Field(None, max_length=MAX_UTR_NT, description="3' UTR around a CDS")
    poly_a: int | None = Field(None, ge=0, le=500, description="tail length to add")
    cds: tuple[int, int] | None = Field(None, description="CDS span, 1-based inclusive")
    fold: bool = True
    max_bp_span: int | None = Field(None, ge=10)
    temperature: float = Field(37.0, ge=0, le=100)
    gc_window: int = Field(50, ge=3)
    gc_step: int = Field(10, ge=1)
    homopolymer_min: int = Field(6, ge=2)
    repeat_min: int = Field(12, ge=4)
    motifs: list[str] | None = Field(None, max_length=50)
    restriction_sites: list[str] | None = Field(None, max_length=50)
    cap: Literal["none", "cap0", "cap1"] = "cap1"
    modified_uridine: Literal["m1psi"] | None = None

    def run(self) -> mrna.MrnaProfile:
        sequence = sequence_text(self.sequence, "sequence")
        check_length(sequence, MAX_MRNA_NT, "sequence", "opencmc design mrna profile")
        options = self.model_dump(exclude={"sequence", "host"})
        return run_engine(lambda: mrna.profile(sequence, self.host, **options), "sequence")


class ConstraintsIn(BaseModel):
    """Hard constraints every design meets."""

    model_config = ConfigDict(extra="forbid")

    gc_min: float = Field(0.30, ge=0, le=1)
    gc_max: float = Field(0.70, ge=0, le=1)
    gc_window: int = Field(50, ge=3)
    max_homopolymer: int | None = Field(5, ge=1)
    avoid: list[str] = Field(default_factory=list, max_length=50, description="motifs (IUPAC)")
    avoid_sites: list[str] = Field(default_factory=list, max_length=50, description="enzymes")
    uridine_depletion: bool = False

    def build(self) -> mrna.Constraints:
        values = self.model_dump()
        values["avoid"] = tuple(values["avoid"])
        values["avoid_sites"] = tuple(values["avoid_sites"])
        return run_engine(lambda: mrna.Constraints(**values), "constraints")


class OptimiseRequest(BaseModel):
    """A protein (or a CDS to re-design), the host and the objective's weights."""

    model_config = ConfigDict(extra="forbid")

    protein: str = Field(description="one-letter protein or a coding sequence; FASTA ok")
    sequence_type: Literal["auto", "protein", "cds"] = "auto"
    host: Host = "human"
    cai_weight: float = Field(mrna.DEFAULT_CAI_WEIGHT, ge=0, description="the chosen design's")
    weights: list[float] | None = Field(
        None, max_length=10, description="the front's weights (kcal/mol per nat); CAI-only added"
    )
    min_cai: float | None = Field(None, ge=0, le=1, description="choose the most stable above")
    constraints: ConstraintsIn = Field(default_factory=ConstraintsIn)
    utr5: str = Field("", max_length=MAX_UTR_NT)
    utr3: str = Field("", max_length=MAX_UTR_NT)
    poly_a: int = Field(0, ge=0, le=500)
    stop_codon: str | None = None
    half_window: int = Field(40, ge=6, le=150)
    sweeps: int = Field(4, ge=1, le=8)
    fold_mrna: bool = False
    time_limit: float | None = Field(None, gt=0, le=600, description="seconds per search")

    def job_params(self) -> dict[str, Any]:
        """The parameters of an "mrna-design" job: this body with the protein as bare
        letters (FASTA read) and infinite weights written "inf" (JSON has no infinity)."""
        params = self.model_dump()
        params["protein"] = sequence_text(self.protein, "protein")
        return design_jobs.json_safe(params)  # type: ignore[no-any-return]

    def run(self) -> mrna.MrnaDesignResult:
        protein = sequence_text(self.protein, "protein")
        check_protein_size(protein, self.sequence_type)
        constraints = self.constraints.build()
        options = self.model_dump(exclude={"protein", "host", "constraints"})
        return run_engine(
            lambda: mrna.optimise(
                protein, self.host, constraints=constraints, workers=1, **options
            ),
            "protein",
        )


class SirnaRequest(BaseModel):
    """A target transcript and, optionally, the transcripts searched for seed matches."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(description="the target mRNA; FASTA ok")
    length: int = Field(19, ge=19, le=21)
    overhang: str = Field("UU", max_length=4)
    transcripts: dict[str, str] | str | None = Field(
        None, description="name -> sequence, or FASTA text, searched for seed matches"
    )
    region: tuple[int, int] | None = Field(None, description="1-based inclusive")
    only_passing: bool = False
    top: int | None = Field(100, ge=1, description="how many candidates to return")

    def run(self) -> sirna.SirnaResult:
        target = sequence_text(self.target, "target")
        check_length(target, MAX_TARGET_NT, "target", "opencmc design sirna")
        transcripts: Any = self.transcripts
        if isinstance(transcripts, str):
            transcripts = run_engine(lambda: read_fasta(self.transcripts or ""), "transcripts")
        return run_engine(
            lambda: sirna.design(
                target,
                length=self.length,
                overhang=self.overhang,
                transcripts=transcripts,
                region=self.region,
                only_passing=self.only_passing,
            ),
            "target",
        )


class AsoRequest(BaseModel):
    """A target transcript, the region to cover and the gapmer's shape."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(description="the target mRNA; FASTA ok")
    region: tuple[int, int] | None = Field(None, description="1-based inclusive")
    lengths: list[int] = Field([16, 17, 18, 19, 20], min_length=1, max_length=23)
    wings: Literal["auto"] | tuple[int, int] = "auto"
    min_gap: int = Field(7, ge=1)
    gc_range: tuple[float, float] = (0.40, 0.65)
    temperature: float = Field(37.0, ge=0, le=100)
    top: int | None = Field(100, ge=1, description="how many candidates to return")

    def run(self) -> aso.AsoResult:
        target = sequence_text(self.target, "target")
        check_length(target, MAX_TARGET_NT, "target", "opencmc design aso")
        return run_engine(
            lambda: aso.design(
                target,
                region=self.region,
                lengths=self.lengths,
                wings=self.wings,
                min_gap=self.min_gap,
                gc_range=self.gc_range,
                temperature=self.temperature,
            ),
            "target",
        )


@router.post("/mrna/profile")
def mrna_profile(body: ProfileRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Metrics of an mRNA: CAI, GC (and in windows), uridine, MFE, start region, motifs, mass."""
    result = body.run()
    return {**result.to_dict(), "summary": result.summary()}


@router.post("/mrna/optimise")
def mrna_optimise(body: OptimiseRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Codon-optimise a protein: the chosen design and the front from CAI-only to stable."""
    return body.run().to_dict()


def submit_design_job(request: Request, uow: UnitOfWork, body: OptimiseRequest) -> Job:
    """Queue the full design as a background job of the caller's organisation; bad input is
    refused (:class:`InvalidInput`, naming the field) before anything is queued."""
    params = body.job_params()
    design_jobs.check_params(params)
    return app_state(request).runner.submit(uow.require_actor(), design_jobs.KIND, params)


@router.post("/mrna/jobs", status_code=202)
def mrna_design_job(
    body: OptimiseRequest, request: Request, response: Response, uow: UnitOfWork = CurrentApiUow
) -> dict[str, Any]:
    """Codon-optimise a protein (up to 3,000 aa) in the background: the same body as
    /design/mrna/optimise; follow the job at ``url`` until ``status`` is succeeded (its
    ``result``: that endpoint's answer, its ``summary`` and the chosen mRNA's ``profile``)
    or failed (its ``error``)."""
    job = submit_design_job(request, uow, body)
    url = f"/api/v1/jobs/{job.id}"
    response.headers["location"] = url
    return {"id": job.id, "kind": job.kind, "status": job.status, "url": url,
            "page": f"/tools/mrna/jobs/{job.id}"}  # fmt: skip


@router.post("/sirna")
def sirna_design(body: SirnaRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Every 19-21-mer site of the target scored (Reynolds, Ui-Tei, asymmetry, seed), ranked."""
    result = body.run()
    return {**result.to_dict(body.top), "total": len(result.candidates)}


@router.post("/aso")
def aso_design(body: AsoRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Gapmer candidates for a target region, scored and ranked."""
    result = body.run()
    return {**result.to_dict(body.top), "total": len(result.candidates)}
