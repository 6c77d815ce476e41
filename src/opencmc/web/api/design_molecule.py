"""Small-molecule developability and vector manufacturability over JSON.

Molecules: profile a series given as SMILES, as records or as an SDF/CSV/SMILES file; each
record RDKit cannot read is reported with its index, line and RDKit's reason. Vectors:
check a construct given as a sequence, FASTA or GenBank text, or a file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, Literal

from Bio.Restriction import AllEnzymes
from fastapi import APIRouter, Form, UploadFile
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from opencmc.platform.errors import InvalidInput
from opencmc.platform.uow import UnitOfWork
from opencmc.science.design import molecule, vector
from opencmc.science.design.smallmol_input import (
    RawRecord,
    detect_format,
    iter_csv_rows,
    iter_sdf_blocks,
    iter_smiles_lines,
    parse_record,
)
from opencmc.science.design.vector_input import label, span
from opencmc.web.auth import CurrentApiUow

router = APIRouter(prefix="/design", tags=["design"])

MAX_MOLECULES = 500  # profiled in the request; a library goes through the screen command
MAX_CONSTRUCTS = 20
MAX_CONSTRUCT_BP = 300_000
MAX_PROBLEMS = 20
SCREEN_HINT = "screen larger sets with `opencmc design molecule screen FILE --out OUT.csv`"

Kind = Literal["auto", "aav", "lenti", "plasmid"]
Genome = Literal["auto", "ss", "sc"]
Topology = Literal["circular", "linear"]


# --- molecules --------------------------------------------------------------------------


class MoleculeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    smiles: str = Field(max_length=5000)
    name: str = Field("", max_length=200)


class ProfileRequest(BaseModel):
    """A series as a list of SMILES or as records (SMILES with a name)."""

    model_config = ConfigDict(extra="forbid")

    smiles: list[str] | None = Field(None, description="one SMILES per molecule")
    records: list[MoleculeIn] | None = Field(None, description="or records with a name")
    canonical_tautomer: bool = True

    @model_validator(mode="after")
    def _one_source(self) -> ProfileRequest:
        if (self.smiles is None) == (self.records is None):
            raise ValueError("give the molecules either as smiles or as records, not both")
        return self

    def raw_records(self) -> list[RawRecord]:
        field = "smiles" if self.smiles is not None else "records"
        if self.smiles is not None:
            pairs = [(s, "") for s in self.smiles]
        else:
            pairs = [(r.smiles, r.name) for r in self.records or []]
        check_count(len(pairs), field)
        return [
            RawRecord(index=i, line=i + 1, name=name, text=text.strip())
            for i, (text, name) in enumerate(pairs)
        ]


def check_count(count: int, field: str) -> None:
    if count == 0:
        raise InvalidInput(f"{field}: no molecule given", field=field)
    if count > MAX_MOLECULES:
        raise InvalidInput(
            f"{field}: {count} molecules; a request profiles at most {MAX_MOLECULES}; "
            + SCREEN_HINT,
            field=field,
        )


def read_upload(content: bytes, filename: str, smiles_column: str | None = None) -> list[RawRecord]:
    """The raw records of an uploaded SMILES, SDF or CSV file (at most ``MAX_MOLECULES``)."""
    text = content.decode("utf-8", errors="replace")
    try:
        fmt = detect_format(Path(filename or "upload.smi"))
        stream = io.StringIO(text, newline="")
        if fmt == "sdf":
            records = iter_sdf_blocks(stream)
        elif fmt == "csv":
            delimiter = "\t" if filename.lower().endswith(".tsv") else ","
            records = iter_csv_rows(
                stream, smiles_column=smiles_column, source=filename, delimiter=delimiter
            )
        else:
            records = iter_smiles_lines(stream)
        raw = []
        for record in records:
            raw.append(record)
            if len(raw) > MAX_MOLECULES:
                break
    except molecule.MoleculeInputError as error:
        raise InvalidInput(f"file: {error}", field="file") from None
    if len(raw) > MAX_MOLECULES:
        raise InvalidInput(
            f"file: {filename} holds more than {MAX_MOLECULES} molecules; " + SCREEN_HINT,
            field="file",
        )
    check_count(len(raw), "file")
    return raw


def profile_records(
    raw: list[RawRecord], field: str, canonical_tautomer: bool = True
) -> tuple[list[molecule.MoleculeProfile], list[dict[str, Any]]]:
    """Profiles of the readable records and, for each other one, its index and RDKit's reason.

    When no record can be read, :class:`InvalidInput` names each (at most 20).
    """
    profiles: list[molecule.MoleculeProfile] = []
    errors: list[dict[str, Any]] = []
    for item in raw:
        parsed = parse_record(item)
        if isinstance(parsed, molecule.RecordError):
            errors.append(parsed.to_dict())
            continue
        name = parsed.name or f"molecule {parsed.index + 1}"
        text = parsed.text if item.fmt == "smiles" else None
        try:
            profiles.append(
                molecule.profile(
                    parsed.mol, name=name, input_smiles=text, canonical_tautomer=canonical_tautomer
                )
            )
        except Exception as exc:  # as in a screen: RDKit failing on one molecule is its error
            reason = f"profiling failed: {exc}"
            errors.append(
                molecule.RecordError(item.index, item.line, name, item.text, reason).to_dict()
            )
    if not profiles:
        problems = [f"record {e['index']} (line {e['line']}): {e['error']}" for e in errors]
        more = len(problems) - MAX_PROBLEMS
        message = "; ".join(problems[:MAX_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise InvalidInput(f"{field}: no molecule could be read: {message}", field=field)
    return profiles, errors


def series_payload(
    profiles: list[molecule.MoleculeProfile], errors: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "count": len(profiles),
        "profiles": [p.to_dict() for p in profiles],
        "errors": errors,
        "ranking": [r.to_dict() for r in molecule.rank(profiles)],
    }


@router.post("/molecule/profile")
def molecule_profile(body: ProfileRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Each molecule's parent, descriptors, rule sets, QED, SA, ESOL and alerts; a ranking."""
    field = "smiles" if body.smiles is not None else "records"
    profiles, errors = profile_records(body.raw_records(), field, body.canonical_tautomer)
    return series_payload(profiles, errors)


@router.post("/molecule/profile-file")
def molecule_profile_file(
    file: UploadFile,
    smiles_column: str | None = Form(None),
    uow: UnitOfWork = CurrentApiUow,
) -> dict[str, Any]:
    """The same for an uploaded SMILES (.smi), SDF or CSV file of up to 500 molecules."""
    raw = read_upload(file.file.read(), file.filename or "upload.smi", smiles_column or None)
    profiles, errors = profile_records(raw, "file")
    return series_payload(profiles, errors)


# --- vectors ----------------------------------------------------------------------------


class VectorOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind = "auto"
    genome: Genome = Field("auto", description="AAV genome: single-stranded or self-complementary")
    topology: Topology | None = Field(None, description="default: the record's; FASTA circular")
    enzymes: list[str] | None = Field(None, max_length=100, description="default: a common set")
    min_repeat: int | None = Field(None, ge=8, le=10_000)
    min_homopolymer: int | None = Field(None, ge=3, le=1000)
    gc_window: int | None = Field(None, ge=10, le=10_000)
    min_orf_aa: int = Field(100, ge=10, le=10_000)

    @field_validator("enzymes")
    @classmethod
    def _known_enzymes(cls, enzymes: list[str] | None) -> list[str] | None:
        unknown = [e for e in enzymes or [] if e not in AllEnzymes.elements()]
        if unknown:
            raise ValueError(f"unknown restriction enzymes {unknown} (REBASE names, e.g. BsaI)")
        return enzymes


class VectorRequest(VectorOptions):
    """One construct as a bare sequence, or FASTA or GenBank text (one or more records)."""

    sequence: str | None = None
    fasta: str | None = None
    genbank: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> VectorRequest:
        given = [n for n in ("sequence", "fasta", "genbank") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of sequence, fasta or genbank")
        return self

    def source(self) -> tuple[str, str, str | None]:
        """(text, field, format) of the construct."""
        if self.sequence is not None:
            return self.sequence, "sequence", None
        if self.fasta is not None:
            return self.fasta, "fasta", "fasta"
        return self.genbank or "", "genbank", "genbank"


def check_constructs(
    text: str, field: str, fmt: str | None, options: VectorOptions
) -> list[dict[str, Any]]:
    """Each record's report with its annotated features; input errors name the field."""
    try:
        # text always ends in a newline, so that it is never taken for a file name
        records = vector.read_constructs(text if text.endswith("\n") else text + "\n", fmt=fmt)
    except vector.ConstructInputError as error:
        raise InvalidInput(f"{field}: {error}", field=field) from None
    if len(records) > MAX_CONSTRUCTS:
        raise InvalidInput(
            f"{field}: {len(records)} records; a request checks at most {MAX_CONSTRUCTS}; "
            "check more with `opencmc design vector check FILE`",
            field=field,
        )
    total = sum(len(r) for r in records)
    if total > MAX_CONSTRUCT_BP:
        raise InvalidInput(
            f"{field}: {total:,} bp is over the {MAX_CONSTRUCT_BP:,} bp a request checks; "
            "use `opencmc design vector check FILE`",
            field=field,
        )
    reports = []
    for record in records:
        try:
            report = vector.check(
                record,
                kind=options.kind,
                genome=options.genome,
                circular=None if options.topology is None else options.topology == "circular",
                enzymes=options.enzymes or vector.DEFAULT_ENZYMES,
                min_repeat=options.min_repeat,
                min_homopolymer=options.min_homopolymer,
                gc_window=options.gc_window,
                min_orf_aa=options.min_orf_aa,
            )
        except (vector.ConstructInputError, ValueError) as error:
            raise InvalidInput(f"{field}: record {record.id!r}: {error}", field=field) from None
        reports.append({**report.to_dict(), "features": features_of(record)})
    return reports


def features_of(record: Any) -> list[dict[str, Any]]:
    """The record's annotated features (all but ``source``), 1-based inclusive."""
    features = []
    for feature in record.features:
        if feature.type.lower() == "source":
            continue
        start, end = span(feature)
        features.append(
            {
                "type": feature.type,
                "label": label(feature) or feature.type,
                "start": start,
                "end": end,
                "strand": feature.location.strand,
            }
        )
    return features


@router.post("/vector/check")
def vector_check(body: VectorRequest, uow: UnitOfWork = CurrentApiUow) -> dict[str, Any]:
    """Findings of each construct (ITRs, packaging, GC, repeats, CpG, sites, ORFs, Kozak)."""
    text, field, fmt = body.source()
    return {"reports": check_constructs(text, field, fmt, body)}


@router.post("/vector/check-file")
def vector_check_file(
    file: UploadFile,
    kind: Kind = Form("auto"),
    genome: Genome = Form("auto"),
    topology: Topology | None = Form(None),
    uow: UnitOfWork = CurrentApiUow,
) -> dict[str, Any]:
    """The same for an uploaded FASTA or GenBank file (its format read from the content)."""
    text = file.file.read().decode("utf-8", errors="replace")
    options = VectorOptions(kind=kind, genome=genome, topology=topology)
    return {"reports": check_constructs(text, "file", None, options)}
