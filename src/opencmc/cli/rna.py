"""`opencmc design` RNA commands: mRNA profile and codon optimisation, siRNA and antisense.

Mount with ``design_app.add_typer(rna.mrna_app, name="mrna")``,
``design_app.command("sirna")(rna.sirna_command)`` and
``design_app.command("aso")(rna.aso_command)`` for ``opencmc design mrna optimise``,
``opencmc design mrna profile``, ``opencmc design sirna`` and ``opencmc design aso``; or mount
``app`` itself, which holds the same commands (and ``mrna-metrics``/``mrna-optimize``).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import typer

from opencmc.cli.engine_io import fail as _fail
from opencmc.science.design import aso, sirna
from opencmc.science.design import mrna as mrna_engine
from opencmc.science.design.sequences import FastaRecord, SequenceError, read_fasta

app = typer.Typer(
    help="RNA design: mRNA metrics and codon optimisation, siRNA and antisense gapmers.",
    no_args_is_help=True,
)
mrna_app = typer.Typer(
    help="mRNA: measure a sequence (profile) or design one for a protein (optimise).",
    no_args_is_help=True,
)
app.add_typer(mrna_app, name="mrna")


def _records(path: Path) -> list[FastaRecord]:
    if str(path) != "-" and not path.exists():
        _fail(f"{path}: file not found")
    try:
        text = typer.get_text_stream("stdin").read() if str(path) == "-" else path.read_text()
        return read_fasta(text)
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path}: cannot read ({exc})")
    except SequenceError as exc:
        _fail(f"{path}: {exc}")
    raise AssertionError("unreachable")


def _first(path: Path) -> FastaRecord:
    return _records(path)[0]


def _sequence_option(value: str | None, what: str) -> str | None:
    """A sequence given inline, or the first record of a FASTA file."""
    if value is None or value == "":
        return value
    candidate = Path(value)
    if candidate.exists():
        return _first(candidate).sequence
    return value


def _span(value: str | None, what: str) -> tuple[int, int] | None:
    if not value:
        return None
    try:
        a, b = value.replace("..", ":").replace("-", ":").split(":")
        return int(a), int(b)
    except ValueError:
        _fail(f"{what} must look like START:END (1-based, inclusive), not {value!r}")
    raise AssertionError("unreachable")


def _emit(payload: dict[str, Any]) -> None:
    typer.echo(json.dumps(payload, indent=2, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, tuple | set):
        return list(value)
    return str(value)


# --- mRNA ---------------------------------------------------------------------------------


@mrna_app.command("profile")
def profile_command(
    file: Path = typer.Argument(..., help="FASTA (or plain) mRNA or CDS; '-' reads stdin."),
    host: str = typer.Option("human", "--host", help="human, cho, mouse, e_coli or yeast."),
    utr5: str | None = typer.Option(None, "--utr5", help="5' UTR (sequence or FASTA file)."),
    utr3: str | None = typer.Option(None, "--utr3", help="3' UTR (sequence or FASTA file)."),
    cds: str | None = typer.Option(None, "--cds", help="CDS position START:END (1-based)."),
    poly_a: int | None = typer.Option(None, "--poly-a", help="Poly(A) tail length to add."),
    fold: bool = typer.Option(True, "--fold/--no-fold", help="Compute MFEs (ViennaRNA)."),
    max_bp_span: int | None = typer.Option(
        None, "--max-bp-span", help="Local folding: base pairs span at most this many nt."
    ),
    sites: list[str] = typer.Option([], "--site", help="Restriction enzyme or site (repeat)."),
    motifs: list[str] = typer.Option([], "--motif", help="Motif to find, IUPAC (repeat)."),
    cap: str = typer.Option("cap1", "--cap", help="none, cap0 or cap1 (for the mass)."),
    m1psi: bool = typer.Option(False, "--m1psi", help="All U as N1-methylpseudouridine."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Measure an mRNA: CAI, GC, uridine, MFE, start-codon structure, features, mass."""
    record = _first(file)
    try:
        result = mrna_engine.profile(
            record.sequence,
            host,
            utr5=_sequence_option(utr5, "5' UTR"),
            utr3=_sequence_option(utr3, "3' UTR"),
            poly_a=poly_a,
            cds=_span(cds, "--cds"),
            fold=fold,
            max_bp_span=max_bp_span,
            restriction_sites=sites,
            motifs=motifs,
            cap=cap,
            modified_uridine="m1psi" if m1psi else None,
        )
    except SequenceError as exc:
        _fail(f"{file}: {exc}")
    if as_json:
        _emit(result.to_dict())
        return
    typer.echo(result.summary())


def _weights(text: str | None) -> list[float] | None:
    if not text:
        return None
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        try:
            out.append(math.inf if part in ("inf", "infinity") else float(part))
        except ValueError:
            _fail(f"--weights: {part!r} is not a number (use e.g. inf,12,6,3,1.5)")
    return out


@mrna_app.command("optimise")
def optimise_command(
    file: Path = typer.Argument(..., help="FASTA protein (or CDS to re-design); '-' is stdin."),
    host: str = typer.Option("human", "--host", help="human, cho, mouse, e_coli or yeast."),
    out: Path | None = typer.Option(None, "--out", help="Write the chosen design (FASTA)."),
    front_out: Path | None = typer.Option(
        None, "--front-out", help="Write every design of the front (FASTA)."
    ),
    dna: bool = typer.Option(False, "--dna", help="Write T instead of U."),
    utr5: str | None = typer.Option(None, "--utr5", help="5' UTR (sequence or FASTA file)."),
    utr3: str | None = typer.Option(None, "--utr3", help="3' UTR (sequence or FASTA file)."),
    poly_a: int = typer.Option(0, "--poly-a", help="Poly(A) tail length."),
    gc_min: float = typer.Option(0.30, "--gc-min", help="Minimum GC in every window."),
    gc_max: float = typer.Option(0.70, "--gc-max", help="Maximum GC in every window."),
    gc_window: int = typer.Option(50, "--gc-window", help="GC window (nt)."),
    max_homopolymer: int = typer.Option(5, "--max-homopolymer", help="Longest run allowed."),
    avoid: list[str] = typer.Option([], "--avoid", help="Motif to avoid, IUPAC (repeat)."),
    sites: list[str] = typer.Option([], "--avoid-site", help="Enzyme or site to avoid."),
    uridine_depletion: bool = typer.Option(
        False, "--uridine-depletion", help="Use only the codons with the fewest U."
    ),
    cai_weight: float = typer.Option(
        mrna_engine.DEFAULT_CAI_WEIGHT, "--cai-weight", help="kcal/mol per nat of CAI."
    ),
    weights: str | None = typer.Option(
        None, "--weights", help="Front weights, e.g. inf,12,6,3,1.5,0.75."
    ),
    min_cai: float | None = typer.Option(
        None, "--min-cai", help="Choose the most stable design with at least this CAI."
    ),
    half_window: int = typer.Option(40, "--half-window", help="Search window half-width."),
    sweeps: int = typer.Option(4, "--sweeps", help="Most passes over the codons."),
    workers: int = typer.Option(0, "--workers", help="Processes (0: one per core)."),
    time_limit: float | None = typer.Option(None, "--time-limit", help="Seconds for search."),
    fold_mrna: bool = typer.Option(False, "--fold-mrna", help="Also fold the whole mRNA."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Codon-optimise a protein: CAI-only to stability-weighted designs (a Pareto front)."""
    record = _first(file)
    try:
        constraints = mrna_engine.Constraints(
            gc_min=gc_min,
            gc_max=gc_max,
            gc_window=gc_window,
            max_homopolymer=max_homopolymer,
            avoid=tuple(avoid),
            avoid_sites=tuple(sites),
            uridine_depletion=uridine_depletion,
        )
        result = mrna_engine.optimise(
            record.sequence,
            host,
            cai_weight=cai_weight,
            weights=_weights(weights),
            min_cai=min_cai,
            constraints=constraints,
            utr5=_sequence_option(utr5, "5' UTR") or "",
            utr3=_sequence_option(utr3, "3' UTR") or "",
            poly_a=poly_a,
            half_window=half_window,
            sweeps=sweeps,
            workers=workers or max(1, os.cpu_count() or 1),
            time_limit=time_limit,
            fold_mrna=fold_mrna,
        )
    except SequenceError as exc:
        _fail(f"{file}: {exc}")
    name = record.name.split()[0] if record.name else "design"

    def fasta(d: mrna_engine.Design) -> str:
        seq = d.mrna if (result.utr5 or result.utr3 or result.poly_a) else d.sequence
        seq = seq.replace("U", "T") if dna else seq
        lines = [seq[i : i + 60] for i in range(0, len(seq), 60)]
        header = f">{name} {d.label} host={result.host} CAI={d.cai:.3f} GC={d.gc:.3f} MFE={d.mfe}"
        return header + "\n" + "\n".join(lines) + "\n"

    if out is not None:
        out.write_text(fasta(result.chosen))
    if front_out is not None:
        front_out.write_text("".join(fasta(d) for d in result.front))
    if as_json:
        _emit(result.to_dict())
        return
    typer.echo(result.summary())
    if out is not None:
        typer.echo(f"chosen design written to {out}")


mrna_app.command("optimize", hidden=True)(optimise_command)
app.command("mrna-metrics", help="Same as 'mrna profile'.")(profile_command)
app.command("mrna-optimize", help="Same as 'mrna optimise'.")(optimise_command)


# --- siRNA and ASO ----------------------------------------------------------------------


@app.command("sirna")
def sirna_command(
    file: Path = typer.Argument(..., help="FASTA target mRNA; '-' reads stdin."),
    length: int = typer.Option(19, "--length", help="Duplex length, 19-21 nt."),
    overhang: str = typer.Option("UU", "--overhang", help="3' overhang of each strand."),
    transcripts: Path | None = typer.Option(
        None, "--transcripts", help="FASTA of transcripts to count seed matches in."
    ),
    region: str | None = typer.Option(None, "--region", help="START:END on the target."),
    top: int = typer.Option(20, "--top", help="How many to show (0: all)."),
    only_passing: bool = typer.Option(False, "--only-passing", help="Drop failed filters."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Rank siRNAs against a target: Reynolds, Ui-Tei, asymmetry, seed off-targets."""
    record = _first(file)
    txs = _records(transcripts) if transcripts is not None else None
    try:
        result = sirna.design(
            record.sequence,
            length=length,
            overhang=overhang,
            transcripts=txs,
            region=_span(region, "--region"),
            only_passing=only_passing,
        )
    except SequenceError as exc:
        _fail(f"{file}: {exc}")
    if as_json:
        _emit(result.to_dict(top or None))
        return
    typer.echo(result.summary(top or len(result.candidates)))


def _lengths(text: str) -> tuple[int, ...]:
    try:
        if "-" in text and "," not in text:
            a, b = text.split("-")
            return tuple(range(int(a), int(b) + 1))
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        _fail(f"--lengths must look like 16-20 or 16,18,20, not {text!r}")
    raise AssertionError("unreachable")


@app.command("aso")
def aso_command(
    file: Path = typer.Argument(..., help="FASTA target RNA; '-' reads stdin."),
    region: str | None = typer.Option(None, "--region", help="START:END to target."),
    lengths: str = typer.Option("16-20", "--lengths", help="e.g. 16-20 or 16,18,20."),
    wings: str = typer.Option("auto", "--wings", help="auto, or 5' and 3' wings as 5-5."),
    top: int = typer.Option(20, "--top", help="How many to show (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Rank gapmer ASOs: GC, CpG, hairpin, self-dimer, target accessibility, binding."""
    record = _first(file)
    wing_spec: str | tuple[int, int] = "auto"
    if wings != "auto":
        try:
            a, b = wings.split("-")
            wing_spec = (int(a), int(b))
        except ValueError:
            _fail(f"--wings must be 'auto' or like 5-5, not {wings!r}")
    try:
        result = aso.design(
            record.sequence,
            region=_span(region, "--region"),
            lengths=_lengths(lengths),
            wings=wing_spec,
        )
    except SequenceError as exc:
        _fail(f"{file}: {exc}")
    if as_json:
        _emit(result.to_dict(top or None))
        return
    typer.echo(result.summary(top or len(result.candidates)))
