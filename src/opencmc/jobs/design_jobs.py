"""The "mrna-design" job: the full codon optimisation of a protein (the front of designs
from CAI-only to the most stable, and the metrics of the chosen mRNA) outside the request.

The design runs in a child process: ViennaRNA keeps Python's interpreter lock while it
folds, and a full fold of a long coding sequence takes seconds to minutes, which would
stall every request the web process serves. Progress is reported at stage boundaries only:
each finished design, then the metrics of the chosen mRNA.

``params`` are the body of ``POST /api/v1/design/mrna/optimise`` (the protein as bare
letters, an infinite weight as the string ``"inf"``); :func:`check_params` refuses bad
ones, naming the field, before anything is queued or run.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import queue as queues
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from opencmc.jobs.runner import Progress, job_kind
from opencmc.platform.actor import Actor
from opencmc.platform.errors import DomainError, InvalidInput
from opencmc.science.design import mrna
from opencmc.science.design.mrna_design import DEFAULT_WEIGHTS, ConstraintChecker
from opencmc.science.design.mrna_metrics import Feature, GcProfile, UpstreamAug
from opencmc.science.design.sequences import (
    STOPS_DNA,
    SequenceError,
    check_cds,
    clean_nucleotides,
    clean_protein,
    looks_like_protein,
    translate,
)

log = logging.getLogger("opencmc.jobs")

KIND = "mrna-design"
# A full fold needs memory quadratic and time cubic in length: 3,000 aa (a 9 kb coding
# sequence) folds in a few minutes within about a gigabyte. Longer proteins go through the
# command line, which has no bound.
MAX_JOB_PROTEIN = 3000

# name -> (accepted types, may be None); the protein and the constraints are checked apart
_OPTIONS: dict[str, tuple[tuple[type, ...], bool]] = {
    "sequence_type": ((str,), False),
    "host": ((str,), False),
    "cai_weight": ((int, float, str), False),
    "weights": ((list,), True),
    "min_cai": ((int, float), True),
    "utr5": ((str,), False),
    "utr3": ((str,), False),
    "poly_a": ((int,), False),
    "stop_codon": ((str,), True),
    "half_window": ((int,), False),
    "sweeps": ((int,), False),
    "fold_mrna": ((bool,), False),
    "time_limit": ((int, float), True),
}
_CONSTRAINTS = {f.name for f in fields(mrna.Constraints)}


@dataclass(frozen=True)
class DesignParams:
    """Checked parameters: what :func:`mrna.optimise` is called with."""

    protein: str
    host: str
    constraints: mrna.Constraints
    options: dict[str, Any]

    @property
    def steps(self) -> int:
        return job_steps(self.options)


def design_count(weights: list[float | str] | None, cai_weight: float | str) -> int:
    """How many designs the optimiser returns: each distinct weight, CAI-only and the
    chosen design's weight included."""
    chosen = {float(w) for w in (weights if weights is not None else DEFAULT_WEIGHTS)}
    return len(chosen | {math.inf, float(cai_weight)})


def job_steps(params: dict[str, Any]) -> int:
    """Stages a job reports as progress: one per design of the front, then the metrics of
    the chosen mRNA."""
    weight = params.get("cai_weight", mrna.DEFAULT_CAI_WEIGHT)
    return design_count(params.get("weights"), weight) + 1


def read_residues(text: str, sequence_type: str = "auto") -> str:
    """The protein the optimiser designs for ``text``, read the way it reads it: a protein,
    or a coding sequence that is checked and translated. Raises :class:`SequenceError`."""
    if sequence_type not in ("auto", "protein", "cds"):
        raise SequenceError("sequence_type must be 'auto', 'protein' or 'cds'")
    as_protein = sequence_type == "protein" or (
        sequence_type == "auto"
        and (looks_like_protein(text) or len(re.sub(r"[\s\d*]", "", text)) % 3 != 0)
    )
    if as_protein:
        return clean_protein(text)
    return translate(check_cds(clean_nucleotides(text))).rstrip("*")


def json_safe(value: Any) -> Any:
    """``value`` with infinite numbers written ``"inf"`` (JSON has no infinity)."""
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _weight(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise InvalidInput(f"{name}: expected a number, got {value!r}", field=name)
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(
            f"{name}: expected a number or 'inf', got {value!r}", field=name
        ) from None
    if math.isnan(number) or number < 0:
        raise InvalidInput(f"{name}: must not be negative, got {value!r}", field=name)
    return number


def _utr(text: str | None, what: str) -> str:
    return clean_nucleotides(text, rna=True, what=what) if text else ""


def _field(name: str, call: Callable[[], Any]) -> Any:
    """``call()``; an engine's complaint about its input becomes one naming ``name``."""
    try:
        return call()
    except (SequenceError, TypeError) as error:
        raise InvalidInput(f"{name}: {error}", field=name) from None


def check_params(params: dict[str, Any]) -> DesignParams:
    """The checked parameters of a design job; :class:`InvalidInput` names the bad field."""
    unknown = sorted(set(params) - set(_OPTIONS) - {"protein", "constraints"})
    if unknown:
        raise InvalidInput(f"{unknown[0]}: unknown field", field=unknown[0])
    protein = params.get("protein")
    if not isinstance(protein, str) or not protein.strip():
        raise InvalidInput("protein: give a protein or a coding sequence", field="protein")
    options: dict[str, Any] = {}
    for name, (types, nullable) in _OPTIONS.items():
        if name not in params or (params[name] is None and nullable):
            continue
        value = params[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            raise InvalidInput(f"{name}: {value!r} is not valid here", field=name)
        options[name] = value
    host = options.pop("host", "human")
    weight = options.get("cai_weight", mrna.DEFAULT_CAI_WEIGHT)
    options["cai_weight"] = _weight(weight, "cai_weight")
    if "weights" in options:
        options["weights"] = [_weight(w, "weights") for w in options["weights"]]
    residues = _field(
        "protein", lambda: read_residues(protein, options.get("sequence_type", "auto"))
    )
    if len(residues) > MAX_JOB_PROTEIN:
        raise InvalidInput(
            f"protein: {len(residues)} aa is over the {MAX_JOB_PROTEIN} aa a design job takes; "
            "use the command line (opencmc design mrna optimise), which has no bound",
            field="protein",
        )
    raw = params.get("constraints") or {}
    if not isinstance(raw, dict):
        raise InvalidInput("constraints: expected an object", field="constraints")
    bad = sorted(set(raw) - _CONSTRAINTS)
    if bad:
        raise InvalidInput(f"constraints.{bad[0]}: unknown field", field="constraints")
    utrs = {}
    for name, what in (("utr5", "5' UTR"), ("utr3", "3' UTR")):
        utrs[name] = _field(name, lambda t=options.get(name), w=what: _utr(t, w))
    _field("host", lambda: mrna.codon_table(host))
    constraints = _field("constraints", lambda: mrna.Constraints(**raw))
    # resolves the restriction enzymes and checks the motifs against the UTR junctions
    _field("constraints", lambda: ConstraintChecker(constraints, utrs["utr5"], utrs["utr3"]))
    stop = options.get("stop_codon")
    if stop and stop.upper().replace("U", "T") not in STOPS_DNA:
        raise InvalidInput(f"stop_codon: {stop!r} is not a stop codon", field="stop_codon")
    return DesignParams(protein, host, constraints, options)


def run_design(
    params: dict[str, Any], report: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Run the design ``params`` describe, in this process: the optimiser's ``to_dict()``
    with its ``summary`` and the ``profile`` of the chosen mRNA (UTRs and tail included).
    ``report(done, steps)`` is called at each stage boundary."""
    checked = check_params(params)
    done = 0

    def finished(_message: str) -> None:
        nonlocal done
        done += 1
        if report is not None:
            report(min(done, checked.steps - 1), checked.steps)

    options = checked.options
    result = mrna.optimise(
        checked.protein,
        checked.host,
        constraints=checked.constraints,
        workers=1,
        progress=finished,
        **options,
    )
    metrics = mrna.profile(
        result.chosen.sequence,
        checked.host,
        utr5=options.get("utr5", ""),
        utr3=options.get("utr3", ""),
        poly_a=options.get("poly_a", 0),
    )
    return {**result.to_dict(), "summary": result.summary(), "profile": metrics.to_dict()}


def _child(params: dict[str, Any], messages: Any) -> None:
    """The child process: progress messages, then the result or the error."""
    try:
        result = run_design(params, lambda done, steps: messages.put(("progress", done / steps)))
        messages.put(("result", result))
    except InvalidInput as error:
        messages.put(("invalid", error.message, error.field))
    except SequenceError as error:  # bad letters, unmeetable constraints (DesignError)
        messages.put(("invalid", str(error), None))
    except Exception:
        messages.put(("crash", traceback.format_exc(limit=6)))


def _context() -> Any:
    # Never plain fork: the web process runs threads, and forking a threaded process can
    # deadlock. forkserver starts children from a clean process.
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods and sys.platform != "win32" else "spawn"
    return multiprocessing.get_context(method)


@job_kind(KIND)
def mrna_design_job(
    factory: sessionmaker[Session], actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """Run :func:`run_design` in a child process, relaying its progress."""
    check_params(params)
    context = _context()
    messages = context.Queue()
    child = context.Process(target=_child, args=(params, messages), daemon=True)
    child.start()
    try:
        while True:
            try:
                message = messages.get(timeout=1.0)
            except queues.Empty:
                progress.check()  # a cancelled job stops here, between reports
                if child.is_alive():
                    continue
                try:  # it may have sent its last message just before it ended
                    message = messages.get(timeout=1.0)
                except queues.Empty:
                    raise DomainError(
                        f"the design process ended without a result (exit code "
                        f"{child.exitcode}); it may have run out of memory"
                    ) from None
            if message[0] == "progress":
                progress(message[1])
            elif message[0] == "result":
                return message[1]  # type: ignore[no-any-return]
            elif message[0] == "invalid":
                raise InvalidInput(message[1], field=message[2])
            else:
                log.error("mrna-design job failed in its process:\n%s", message[1])
                last = message[1].strip().splitlines()[-1]
                raise DomainError(f"the design failed: {last}")
    finally:
        # done, failed or cancelled: nothing more is wanted from the child
        if child.is_alive():
            child.kill()
        child.join()


# --- the stored result, back as the engine's objects (for the page that shows it) ----------


def _build(cls: type, data: dict[str, Any]) -> Any:
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})


def design_from_dict(data: dict[str, Any]) -> mrna.Design:
    weight = data["cai_weight"]
    return _build(mrna.Design, {**data, "cai_weight": math.inf if weight is None else weight})


def result_from_dict(data: dict[str, Any]) -> mrna.MrnaDesignResult:
    """The :class:`MrnaDesignResult` of a job's result; ``chosen`` is one of ``front``."""
    front = [design_from_dict(d) for d in data["front"]]
    wanted = design_from_dict(data["chosen"])
    chosen = next((d for d in front if d == wanted), wanted)
    return _build(
        mrna.MrnaDesignResult,
        {**data, "constraints": mrna.Constraints(**data["constraints"]), "chosen": chosen,
         "front": front},
    )  # fmt: skip


def profile_from_dict(data: dict[str, Any]) -> mrna.MrnaProfile:
    """The :class:`MrnaProfile` of a job's stored ``profile``."""

    def features(items: list[dict[str, Any]]) -> list[Feature]:
        return [Feature(**f) for f in items]

    return _build(
        mrna.MrnaProfile,
        {
            **data,
            "gc_windows": GcProfile(**data["gc_windows"]),
            "longest_homopolymer": Feature(**data["longest_homopolymer"]),
            "homopolymers": features(data["homopolymers"]),
            "repeats": features(data["repeats"]),
            "polya_signals": features(data["polya_signals"]),
            "are_elements": features(data["are_elements"]),
            "motifs": {k: features(v) for k, v in data["motifs"].items()},
            "restriction_sites": {k: features(v) for k, v in data["restriction_sites"].items()},
            "uaugs": [UpstreamAug(**u) for u in data["uaugs"]],
        },
    )
