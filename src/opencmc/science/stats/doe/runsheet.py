"""The Design object and its run sheet: centre points, replicates, blocks, randomised order.

Every design constructor (:mod:`.designs`, :mod:`.optimal`) ends in :func:`_finish`, which
adds centre points and replicates, randomises the run order within blocks with a seed
and checks the runs against the region's constraints. ``design.run_sheet()`` is the sheet
to take to the lab; ``design.to_csv()`` / ``to_excel()`` write it.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .factors import DesignError, Factor, Model, Region, make_factors


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [_jsonable(v) for v in value.tolist()]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True, eq=False)
class Design:
    """An experimental design: coded runs in standard order plus how to run them.

    ``coded`` has one row per run in standard order; ``run_order[i]`` is the standard-order
    row run ``i + 1``; ``blocks`` is the block (1, 2, ...) of each standard-order row.
    ``info`` holds what the construction knows (generators, defining relation, alias
    chains, resolution, alpha, efficiencies).
    """

    region: Region
    coded: np.ndarray
    kind: str
    run_order: np.ndarray
    blocks: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)
    model: Model | None = None

    @property
    def factors(self) -> tuple[Factor, ...]:
        return self.region.factors

    @property
    def names(self) -> tuple[str, ...]:
        return self.region.names

    @property
    def n_runs(self) -> int:
        return int(self.coded.shape[0])

    def actual(self) -> pd.DataFrame:
        """The runs in standard order, in actual units."""
        cols = {f.name: f.to_actual(self.coded[:, j]) for j, f in enumerate(self.factors)}
        df = pd.DataFrame(cols)
        for f in self.factors:
            if f.kind != "categorical":
                df[f.name] = df[f.name].astype(float).round(10)
        return df

    def run_sheet(
        self, responses: Sequence[str] = ("response",), coded: bool = False
    ) -> pd.DataFrame:
        """The sheet for the lab: run order, standard order, block, settings, blank responses.

        >>> from opencmc.science.stats.doe import full_factorial
        >>> sheet = full_factorial([("T", 160, 180, "°C"), ("pH", 6, 7)], seed=1).run_sheet()
        >>> sheet.columns.tolist(), len(sheet)
        (['run', 'std_order', 'T', 'pH', 'response'], 4)
        """
        values = pd.DataFrame(self.coded, columns=list(self.names)) if coded else self.actual()
        sheet = values.iloc[self.run_order].reset_index(drop=True)
        sheet.insert(0, "run", np.arange(1, self.n_runs + 1))
        sheet.insert(1, "std_order", self.run_order + 1)
        if len(np.unique(self.blocks)) > 1:
            sheet.insert(2, "block", self.blocks[self.run_order])
        for r in responses:
            sheet[r] = np.nan
        return sheet

    def to_csv(self, path: str | Path, responses: Sequence[str] = ("response",)) -> Path:
        path = Path(path)
        self.run_sheet(responses).to_csv(path, index=False)
        return path

    def to_excel(self, path: str | Path, responses: Sequence[str] = ("response",)) -> Path:
        """Write the run sheet and a ``factors`` sheet (names, units, ranges) to XLSX."""
        path = Path(path)
        path.write_bytes(self.xlsx_bytes(responses))
        return path

    def xlsx_bytes(self, responses: Sequence[str] = ("response",)) -> bytes:
        """The XLSX workbook of :meth:`to_excel` in memory (for a download)."""
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer) as xl:
            self.run_sheet(responses).to_excel(xl, sheet_name="runs", index=False)
            pd.DataFrame([f.to_dict() for f in self.factors]).assign(
                levels=lambda d: d["levels"].map(lambda v: ", ".join(map(str, v)))
            ).to_excel(xl, sheet_name="factors", index=False)
        return buffer.getvalue()

    def model_matrix(self, model: Any = None) -> np.ndarray:
        m = Model.build(self.factors, model if model is not None else (self.model or "linear"))
        return m.matrix(self.coded)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "n_runs": self.n_runs,
            "factors": [f.to_dict() for f in self.factors],
            "constraints": [c.text for c in self.region.constraints],
            "coded": _jsonable(self.coded),
            "run_order": _jsonable(self.run_order + 1),
            "blocks": _jsonable(self.blocks),
            "info": _jsonable(self.info),
            "model": None if self.model is None else [t.name for t in self.model.terms],
        }

    def summary(self) -> str:
        lines = [f"{self.kind}: {self.n_runs} runs, {len(self.factors)} factors"]
        for key in ("generators", "defining_relation", "resolution_roman", "alpha"):
            if key in self.info:
                lines.append(f"  {key.replace('_', ' ')}: {self.info[key]}")
        return "\n".join(lines)


# --- shared finishing: centre points, replicates, blocks, randomisation ---------------


def _region(
    factors: Any, constraints: Sequence[Any] = (), disallowed: Sequence[Any] = ()
) -> Region:
    if isinstance(factors, Region):
        return factors
    return Region(make_factors(factors), tuple(constraints), tuple(disallowed))


def _require(region: Region, kinds: Sequence[str], what: str) -> None:
    bad = [f.name for f in region.factors if f.kind not in kinds]
    if bad:
        raise DesignError(
            f"{what} takes {' or '.join(kinds)} factors; {', '.join(map(repr, bad))} "
            "cannot be used here"
        )


def _centre_rows(region: Region, n: int) -> np.ndarray:
    if n <= 0:
        return np.zeros((0, len(region.factors)))
    for f in region.factors:
        if f.kind == "categorical":
            raise DesignError(f"centre points need numeric factors; {f.name!r} is categorical")
        if f.kind == "discrete" and not np.any(np.isclose(f.coded_levels(), 0.0)):
            raise DesignError(
                f"centre points: discrete factor {f.name!r} has no level at its centre {f.centre:g}"
            )
    return np.zeros((n, len(region.factors)))


def _finish(
    region: Region,
    coded: np.ndarray,
    kind: str,
    *,
    centre_points: int = 0,
    replicates: int = 1,
    blocks: np.ndarray | None = None,
    randomize: bool = True,
    seed: int | None = None,
    info: dict[str, Any] | None = None,
    model: Any = None,
) -> Design:
    """Add centre points (spread over blocks), replicate, randomise within blocks."""
    if replicates < 1 or int(replicates) != replicates:
        raise DesignError(f"replicates must be a positive whole number, got {replicates}")
    if centre_points < 0:
        raise DesignError(f"centre points cannot be negative, got {centre_points}")
    coded = np.asarray(coded, dtype=float)
    blk = np.ones(len(coded), dtype=int) if blocks is None else np.asarray(blocks, dtype=int)
    nblocks = int(blk.max()) if len(blk) else 1
    if centre_points:
        centres = _centre_rows(region, centre_points)
        cblk = np.array([1 + i % nblocks for i in range(centre_points)])
        coded = np.vstack([coded, centres])
        blk = np.concatenate([blk, np.sort(cblk)])
    if replicates > 1:
        coded = np.vstack([coded] * replicates)
        if nblocks > 1:
            blk = np.concatenate([blk + r * nblocks for r in range(replicates)])
        else:
            blk = np.tile(blk, replicates)
    order = np.lexsort((np.arange(len(coded)), blk))
    if randomize:
        rng = np.random.default_rng(seed)
        pieces = []
        for b in np.unique(blk):
            rows = np.flatnonzero(blk == b)
            pieces.append(rng.permutation(rows))
        order = np.concatenate(pieces)
    bad = region.violations(coded)
    if bad:
        raise DesignError(
            f"{kind}: {len(bad)} run(s) break the region's constraints ({bad[0]}); "
            "use optimal_design for a constrained region"
        )
    meta = dict(info or {})
    meta.update({"centre_points": int(centre_points), "replicates": int(replicates)})
    mdl = Model.build(region.factors, model) if model is not None else None
    return Design(region, coded, kind, order, blk, meta, mdl)
