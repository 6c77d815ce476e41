"""Results: recorded one by one or imported from a table (all rows checked first; a file
with any error writes nothing), evaluated against the effective specification; an
out-of-specification result opens an OOS investigation."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform.audit import record_event
from opencmc.platform.errors import Conflict, InvalidInput, NotFound
from opencmc.platform.models import Batch, OosInvestigation, Result, SpecAttribute
from opencmc.platform.quality.batches import _date, find_batch, get_batch
from opencmc.platform.quality.evaluation import evaluate
from opencmc.platform.quality.specifications import _owner, effective_specification
from opencmc.platform.uow import UnitOfWork

IMPORT_COLUMNS = ("batch", "attribute", "value", "unit")
OPTIONAL_COLUMNS = ("method", "analyst", "instrument", "test_date", "replicates")


@dataclass(frozen=True)
class ImportProblem:
    row: int  # as in the file: the header is row 1
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


class ImportRefused(InvalidInput):
    """Every problem of a refused import, each with its row and column."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        shown = "; ".join(str(p) for p in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(
            f"nothing imported: {len(problems)} problem(s): {shown}{more}", field="file"
        )
        self.problems = problems


def _attribute_for(session: Session, batch: Batch, name: str) -> SpecAttribute | None:
    spec = effective_specification(session, batch.material_id)
    if spec is None:
        return None
    return next((a for a in spec.attributes if a.name == name), None)


def _numbers(raw: Any) -> list[float]:
    values = [v for v in str(raw).replace(",", ";").split(";") if v.strip()]
    return [float(v) for v in values]


def record_result(
    uow: UnitOfWork,
    batch_id: int,
    *,
    attribute: str,
    value: float | None = None,
    replicates: list[float] | None = None,
    text: str = "",
    unit: str = "",
    method: str = "",
    analyst: str = "",
    instrument: str = "",
    tested_on: date | str | None = None,
) -> Result:
    """One result; the reportable value is the given value or the mean of the replicates."""
    batch = get_batch(uow.session, batch_id)
    _owner(uow, batch, "record results")
    if batch.status in ("released", "rejected"):
        raise Conflict(f"batch {batch.number} is {batch.status}; it takes no more results")
    spec_attribute = _attribute_for(uow.session, batch, attribute)
    if spec_attribute is None:
        raise InvalidInput(
            f"attribute: {attribute!r} is not in the effective specification "
            f"of batch {batch.number}",
            field="attribute",
        )
    if (
        spec_attribute.criterion_type in ("limits", "report")
        and spec_attribute.unit
        and unit != spec_attribute.unit
    ):
        raise InvalidInput(
            f"unit: the specification reports {attribute} in "
            f"{spec_attribute.unit!r}, the result is in {unit!r}",
            field="unit",
        )
    replicates = list(replicates or [])
    if value is None and replicates and spec_attribute.criterion_type != "conforms":
        value = sum(replicates) / len(replicates)
    if value is not None and not math.isfinite(value):
        raise InvalidInput("value: must be a finite number", field="value")
    try:
        verdict = evaluate(spec_attribute, value, text)
    except ValueError as error:
        raise InvalidInput(str(error), field="value") from None
    actor = uow.require_actor()
    result = Result(
        organisation_id=batch.organisation_id,
        batch_id=batch.id,
        attribute_id=spec_attribute.id,
        replicates=replicates,
        reportable_value=value,
        reported_text=text.strip(),
        rounded=verdict.rounded,
        conforms=verdict.conforms,
        unit=unit,
        method=method,
        analyst=analyst,
        instrument=instrument,
        tested_on=_date(tested_on, "test_date"),
        created_by_id=actor.user_id,
    )
    uow.session.add(result)
    uow.session.flush()
    record_event(
        uow.session,
        actor=actor,
        organisation_id=batch.organisation_id,
        action="result",
        entity_type="batch",
        entity_id=batch.id,
        changes={
            attribute: {
                "old": None,
                "new": {
                    "value": value,
                    "text": text.strip() or None,
                    "rounded": verdict.rounded,
                    "conforms": verdict.conforms,
                    "unit": unit,
                    "result_id": result.id,
                },
            }
        },
        reason=verdict.explanation,
    )
    if verdict.conforms is False:
        investigation = OosInvestigation(
            organisation_id=batch.organisation_id, batch_id=batch.id, result_id=result.id
        )
        uow.session.add(investigation)
        uow.session.flush()
        record_event(
            uow.session,
            actor=actor,
            organisation_id=batch.organisation_id,
            action="open",
            entity_type="oos_investigation",
            entity_id=investigation.id,
            changes={"result": {"old": None, "new": result.id}},
            reason=f"{attribute}: {verdict.explanation}",
        )
    return result


def import_results(uow: UnitOfWork, table: pd.DataFrame, batch_number: str | None = None) -> int:
    """Import a results table; check every row first, write nothing if any is wrong.

    Columns: batch (or ``batch_number`` for the whole file), attribute, value (a number, or
    'conforms' for such criteria), unit; optional method, analyst, instrument, test_date
    (YYYY-MM-DD) and replicates ('99.1;99.4;98.9').
    """
    rows = check_results(uow.session, table, batch_number)
    for row in rows:
        batch_id = row.pop("batch_id")
        record_result(uow, batch_id, **row)
    return len(rows)


def check_results(
    session: Session,
    table: pd.DataFrame,
    batch_number: str | None = None,
    find: Callable[[Session, str], Batch | None] = find_batch,
) -> list[dict[str, Any]]:
    """Every row of a results table checked against the batch's effective specification;
    the rows ready to record, or ImportRefused with each problem's row and column.

    Writes nothing, so that a provider can check a delivery against records shared with
    it; ``find`` narrows which batches a number may name.
    """
    columns = [c.strip().lower() for c in table.columns]
    table = table.set_axis(columns, axis=1)
    if batch_number is not None:
        table = table.assign(batch=batch_number)
    problems: list[ImportProblem] = []
    missing = [c for c in IMPORT_COLUMNS if c not in table.columns]
    unknown = [c for c in columns if c not in (*IMPORT_COLUMNS, *OPTIONAL_COLUMNS)]
    for column in missing:
        problems.append(ImportProblem(1, column, "missing column"))
    for column in unknown:
        problems.append(
            ImportProblem(
                1,
                column,
                f"unknown column (expected {', '.join((*IMPORT_COLUMNS, *OPTIONAL_COLUMNS))})",
            )
        )
    if problems:
        raise ImportRefused(problems)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, str, str], int] = {}
    for index, raw in enumerate(table.to_dict(orient="records"), start=2):
        row = {
            k: ("" if (v is None or (isinstance(v, float) and math.isnan(v))) else v)
            for k, v in raw.items()
        }
        batch = find(session, str(row["batch"]).strip())
        if batch is None:
            problems.append(ImportProblem(index, "batch", f"unknown batch {row['batch']!r}"))
            continue
        name = str(row["attribute"]).strip()
        attribute = _attribute_for(session, batch, name)
        if attribute is None:
            problems.append(
                ImportProblem(
                    index,
                    "attribute",
                    f"{name!r} is not in the effective specification of {batch.number}",
                )
            )
            continue
        key = (batch.number, name, str(row.get("test_date", "")))
        if key in seen:
            problems.append(
                ImportProblem(
                    index,
                    "attribute",
                    f"duplicate of row {seen[key]} (same batch, attribute and test date)",
                )
            )
        seen[key] = index
        unit = str(row["unit"]).strip()
        if (
            attribute.criterion_type in ("limits", "report")
            and attribute.unit
            and unit != attribute.unit
        ):
            problems.append(
                ImportProblem(
                    index, "unit", f"{unit!r} disagrees with the specification's {attribute.unit!r}"
                )
            )
        value: float | None = None
        text = ""
        if attribute.criterion_type in ("limits", "report"):
            try:
                value = float(row["value"])
                if not math.isfinite(value):
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(ImportProblem(index, "value", f"{row['value']!r} is not a number"))
        else:
            text = str(row["value"]).strip()
        replicates: list[float] = []
        if str(row.get("replicates", "")).strip():
            try:
                replicates = _numbers(row["replicates"])
            except ValueError:
                problems.append(
                    ImportProblem(
                        index,
                        "replicates",
                        f"{row['replicates']!r} is not numbers separated by ';'",
                    )
                )
        if str(row.get("test_date", "")).strip():
            try:
                date.fromisoformat(str(row["test_date"]).strip()[:10])
            except ValueError:
                problems.append(
                    ImportProblem(index, "test_date", f"{row['test_date']!r} is not YYYY-MM-DD")
                )
        rows.append(
            {
                "batch_id": batch.id,
                "attribute": name,
                "value": value,
                "text": text,
                "unit": unit,
                "replicates": replicates,
                "method": str(row.get("method", "")),
                "analyst": str(row.get("analyst", "")),
                "instrument": str(row.get("instrument", "")),
                "tested_on": str(row.get("test_date", "")).strip()[:10] or None,
            }
        )
    if problems:
        raise ImportRefused(problems)
    return rows


def results_of(session: Session, batch: Batch, include_invalidated: bool = False) -> list[Result]:
    query = select(Result).where(Result.batch_id == batch.id).order_by(Result.id)
    if not include_invalidated:
        query = query.where(Result.invalidated_at.is_(None))
    return list(session.scalars(query))


def get_result(session: Session, result_id: int) -> Result:
    """One result (raw data attach to it through the attachment store)."""
    result = session.get(Result, result_id)
    if result is None:
        raise NotFound(f"no result {result_id}")
    return result
