"""Screening a molecule file of any size: streamed, in worker processes, bounded memory.

:func:`screen` reads a SMILES, SDF or CSV file record by record, sends chunks of raw
records (text, not molecules) to worker processes, and writes one result per record, in
input order, to JSON Lines or CSV as soon as its chunk is done. At most ``2 x workers``
chunks are in flight, so the memory used does not grow with the file: a ten-million-line
file costs what a ten-thousand-line one does. Unparsable records are written too, with
their line and RDKit's reason, so the output has one row per input record.

The summary row (:func:`summary_row`) is the default output; ``full=True`` writes each
profile's complete ``to_dict()`` (JSON Lines only).
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from opencmc.science.design.smallmol_input import (
    MoleculeInputError,
    RawRecord,
    RecordError,
    open_records,
    parse_record,
)
from opencmc.science.design.smallmol_profile import MoleculeProfile, profile
from opencmc.science.design.smallmol_rank import AREAS

SUMMARY_FIELDS = (
    "index",
    "line",
    "name",
    "input_smiles",
    "parent_smiles",
    "removed",
    "molecular_weight",
    "clogp",
    "tpsa",
    "hbd",
    "hba",
    "rotatable_bonds",
    "aromatic_rings",
    "fraction_csp3",
    "stereocentres_defined",
    "stereocentres_undefined",
    "lipinski",
    "veber",
    "ghose",
    "egan",
    "qed",
    "sa_score",
    "esol_log_s",
    "esol_class",
    "m7_alerts",
    "pains_alerts",
    "brenk_alerts",
    *AREAS,
    "risk_score",
    "error",
)

ProgressCallback = Callable[[int, int, int], None]


def summary_row(p: MoleculeProfile, *, index: int = 0, line: int = 0) -> dict[str, Any]:
    """One flat row per molecule: the numbers a table or a CSV needs."""
    d = p.descriptors
    row: dict[str, Any] = {
        "index": index,
        "line": line,
        "name": p.name,
        "input_smiles": p.input_smiles,
        "parent_smiles": p.parent_smiles,
        "removed": "; ".join(r.name or r.smiles for r in p.standardisation.removed),
        "molecular_weight": round(d.molecular_weight, 3),
        "clogp": round(d.clogp, 3),
        "tpsa": round(d.tpsa, 2),
        "hbd": d.hbd,
        "hba": d.hba,
        "rotatable_bonds": d.rotatable_bonds,
        "aromatic_rings": d.aromatic_rings,
        "fraction_csp3": round(d.fraction_csp3, 3),
        "stereocentres_defined": sum(1 for s in p.stereocentres if s.defined),
        "stereocentres_undefined": len(p.undefined_stereocentres),
        "qed": round(p.qed, 4),
        "sa_score": None if p.sa_score is None else round(p.sa_score, 3),
        "esol_log_s": round(p.esol_log_s, 3),
        "esol_class": p.esol.solubility_class,
        "m7_alerts": "; ".join(a.name for a in p.alerts_of("ICH M7")),
        "pains_alerts": "; ".join(a.name for a in p.alerts if a.family.startswith("PAINS")),
        "brenk_alerts": "; ".join(a.name for a in p.alerts_of("Brenk")),
        "risk_score": p.risk_score,
        "error": "",
    }
    for rule in p.rules:
        row[rule.name.lower()] = rule.passed
    for risk in p.risks:
        row[risk.area] = risk.level
    return {k: row.get(k) for k in SUMMARY_FIELDS}


def error_row(error: RecordError) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SUMMARY_FIELDS)
    row.update(
        index=error.index,
        line=error.line,
        name=error.name,
        input_smiles=error.to_dict()["input"],
        error=error.reason,
    )
    return row


def profile_raw(raw: RawRecord, *, full: bool = False) -> dict[str, Any]:
    """Parse and profile one raw record; any failure becomes an error row, never a raise."""
    parsed = parse_record(raw)
    if isinstance(parsed, RecordError):
        return error_row(parsed) if not full else {**parsed.to_dict()}
    try:
        text = raw.text if raw.fmt == "smiles" else None
        result = profile(parsed.mol, name=parsed.name, input_smiles=text)
    except Exception as exc:  # an RDKit failure on one molecule must not stop a screen
        failure = RecordError(raw.index, raw.line, raw.name, raw.text, f"profiling failed: {exc}")
        return error_row(failure) if not full else failure.to_dict()
    if full:
        return {"index": raw.index, "line": raw.line, **result.to_dict()}
    return summary_row(result, index=raw.index, line=raw.line)


def profile_chunk(chunk: list[RawRecord], full: bool = False) -> list[dict[str, Any]]:
    return [profile_raw(raw, full=full) for raw in chunk]


def _exit_with(parent: int) -> None:
    # A worker whose screening process was killed (not shut down) must not linger.
    while True:
        time.sleep(1.0)
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            os._exit(0)
        except PermissionError:  # the pid was reused by another user's process
            os._exit(0)


def _warm_worker(parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    # Load the filter catalogues, SMARTS and the SA fragment table once per worker.
    profile("c1ccccc1N")


def _chunks(records: Iterable[RawRecord], size: int) -> Iterator[list[RawRecord]]:
    it = iter(records)
    while chunk := list(islice(it, size)):
        yield chunk


def _context() -> Any:
    # Never plain fork: the caller may run threads (a progress bar), and forking a
    # threaded process can deadlock. forkserver starts workers from a clean process.
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods and sys.platform != "win32" else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["opencmc.science.design.smallmol_screen"])
    return ctx


class _Writer:
    def __init__(self, handle: TextIO, kind: str) -> None:
        self._handle = handle
        self._kind = kind
        self._csv: csv.DictWriter[str] | None = None
        if kind == "csv":
            self._csv = csv.DictWriter(handle, fieldnames=list(SUMMARY_FIELDS))
            self._csv.writeheader()

    def write(self, row: dict[str, Any]) -> None:
        if self._csv is not None:
            self._csv.writerow({k: ("" if v is None else v) for k, v in row.items()})
        else:
            self._handle.write(json.dumps(row, separators=(",", ":")) + "\n")


@dataclass(frozen=True)
class ScreenSummary:
    """What a screen did: counts, where it wrote, how long it took and on how many workers."""

    source: str
    out: str
    records: int
    profiled: int
    errors: int
    workers: int
    seconds: float

    @property
    def molecules_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "out": self.out,
            "records": self.records,
            "profiled": self.profiled,
            "errors": self.errors,
            "workers": self.workers,
            "seconds": self.seconds,
            "molecules_per_second": self.molecules_per_second,
        }


def screen(
    path: str | Path,
    out: str | Path,
    *,
    workers: int | None = None,
    chunk_size: int = 200,
    full: bool = False,
    fmt: str | None = None,
    smiles_column: str | None = None,
    name_column: str | None = None,
    progress: ProgressCallback | None = None,
) -> ScreenSummary:
    """Profile every record of ``path`` into ``out`` (``.csv`` or JSON Lines), streaming.

    ``workers`` defaults to the number of CPUs; 1 runs in this process. ``progress`` is
    called after each chunk with (records done, bytes read, file size in bytes).
    """
    out = Path(out)
    kind = "csv" if out.suffix.lower() == ".csv" else "jsonl"
    if full and kind == "csv":
        raise MoleculeInputError(f"{out}: full profiles are written as JSON Lines, not CSV")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    n_workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    total_bytes = Path(path).stat().st_size if Path(path).exists() else 0
    started = time.perf_counter()
    done = profiled = errors = 0

    with (
        open_records(path, fmt=fmt, smiles_column=smiles_column, name_column=name_column) as (
            records,
            counter,
        ),
        out.open("w", encoding="utf-8", newline="") as handle,
    ):
        writer = _Writer(handle, kind)

        def emit(rows: list[dict[str, Any]]) -> None:
            nonlocal done, profiled, errors
            for row in rows:
                writer.write(row)
                done += 1
                if row.get("error"):
                    errors += 1
                else:
                    profiled += 1
            if progress is not None:
                progress(done, counter.bytes_read, total_bytes)

        if n_workers == 1:
            for chunk in _chunks(records, chunk_size):
                emit(profile_chunk(chunk, full))
        else:
            with ProcessPoolExecutor(
                max_workers=n_workers,
                mp_context=_context(),
                initializer=_warm_worker,
                initargs=(os.getpid(),),
            ) as pool:
                pending: deque[Future[list[dict[str, Any]]]] = deque()
                for chunk in _chunks(records, chunk_size):
                    pending.append(pool.submit(profile_chunk, chunk, full))
                    while len(pending) >= 2 * n_workers:
                        emit(pending.popleft().result())
                while pending:
                    emit(pending.popleft().result())

    return ScreenSummary(
        source=str(path),
        out=str(out),
        records=done,
        profiled=profiled,
        errors=errors,
        workers=n_workers,
        seconds=time.perf_counter() - started,
    )


def profile_many(
    molecules: Iterable[str], *, names: Iterable[str] | None = None
) -> tuple[list[MoleculeProfile], list[RecordError]]:
    """Profile a list of SMILES in this process; unreadable ones come back as errors."""
    names_list = list(names) if names is not None else None
    profiles: list[MoleculeProfile] = []
    failures: list[RecordError] = []
    for i, smiles in enumerate(molecules):
        name = names_list[i] if names_list is not None and i < len(names_list) else ""
        parsed = parse_record(RawRecord(index=i, line=i + 1, name=name, text=smiles))
        if isinstance(parsed, RecordError):
            failures.append(parsed)
            continue
        profiles.append(profile(parsed.mol, name=name, input_smiles=smiles.strip()))
    return profiles, failures
