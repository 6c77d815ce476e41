"""Stability studies on SQLite and PostgreSQL: the pull calendar, results with row-level
errors, an out-of-trend flag, and the ICH Q1E analysis through the stability engine."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from opencmc.platform import programs
from opencmc.platform.quality import batches, specifications
from opencmc.platform.quality import stability as studies
from opencmc.platform.quality.results import ImportRefused
from opencmc.platform.uow import UnitOfWork
from opencmc.science.stats import stability as q1e
from tests.conftest import PASSWORD, PROGRAM, actor_of

SEC = {"name": "SEC purity", "category": "purity", "lower": 95.0, "unit": "%", "decimals": 1}
# three batches losing 0.20, 0.25 and 0.22 % a month from 99.8, 99.6 and 99.9 %,
# with a small alternating deviation so the fits have residual error
SLOPES = {"DS-1": (99.8, -0.20), "DS-2": (99.6, -0.25), "DS-3": (99.9, -0.22)}
MONTHS = (0, 3, 6, 9)


def _rows(months=MONTHS) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    rows = []
    for batch, (start, slope) in SLOPES.items():
        for i, m in enumerate(months):
            rows.append(
                {
                    "batch": batch,
                    "condition": "5C",
                    "months": m,
                    "attribute": "SEC purity",
                    "value": round(start + slope * m + (0.05 if i % 2 else -0.05), 2),
                    "unit": "%",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def study(factory):  # type: ignore[no-untyped-def]
    mina, sora = actor_of(factory, "a.sci"), actor_of(factory, "a.qa")
    with UnitOfWork(factory, mina) as uow:
        program = programs.create_program(uow, PROGRAM)
        material = specifications.create_material(uow, program.id, "drug_substance", "DS")
        spec = specifications.create_specification(
            uow,
            material.id,
            title="DS",
            stage="phase_1",
            attributes=[{**SEC, "category": "purity"}],
        )
        ids = [
            batches.create_batch(uow, material.id, {"number": n, "purpose": "stability"}).id
            for n in SLOPES
        ]
        uow.commit()
    with UnitOfWork(factory, sora) as uow:
        specifications.approve_specification(uow, spec.id, password=PASSWORD)
        uow.commit()
    with UnitOfWork(factory, mina) as uow:
        created = studies.create_study(
            uow,
            material.id,
            title="DS long-term",
            batch_ids=ids,
            conditions=["5C", "25C/60RH"],
            time_points=[0, 3, 6, 9, 12, 18, 24],
            tests=["SEC purity"],
            start_date="2026-01-31",
        )
        uow.commit()
    return mina, created.id


def test_pull_calendar(factory, study) -> None:  # type: ignore[no-untyped-def]
    mina, study_id = study
    with UnitOfWork(factory, mina) as uow:
        entries = studies.pull_calendar(
            uow.session, studies.get_study(uow.session, study_id), today=date(2026, 8, 1)
        )
    assert len(entries) == 3 * 2 * 7
    due = {(e.pull.months, e.pull.due_on) for e in entries}
    assert (3.0, date(2026, 4, 30)) in due  # 31 January + 3 months: clamped to April's end
    states = {e.pull.months: e.state for e in entries}
    assert states[6.0] == "overdue" and states[24.0] == "planned"


def test_results_oot_and_shelf_life(factory, study) -> None:  # type: ignore[no-untyped-def]
    mina, study_id = study
    bad = _rows().assign(unit="mg")
    bad.loc[1, "months"] = 4
    with UnitOfWork(factory, mina) as uow, pytest.raises(ImportRefused) as refused:
        studies.record_results(uow, study_id, bad)
    assert {(p.row, p.column) for p in refused.value.problems} >= {(2, "unit"), (3, "condition")}
    with UnitOfWork(factory, mina) as uow:
        studies.record_results(uow, study_id, _rows())
        uow.commit()
    # the 12-month point of DS-2 falls well below its earlier trend; DS-1's is on it
    nine = pd.DataFrame(
        [
            {
                "batch": "DS-2",
                "condition": "5C",
                "months": 12,
                "attribute": "SEC purity",
                "value": 94.0,
                "unit": "%",
            },
            {
                "batch": "DS-1",
                "condition": "5C",
                "months": 12,
                "attribute": "SEC purity",
                "value": 97.4,
                "unit": "%",
            },
        ]
    )
    with UnitOfWork(factory, mina) as uow:
        written = studies.record_results(uow, study_id, nine)
        flags = {w.pull.batch_id: w.out_of_trend for w in written}
        uow.commit()
    assert sorted(flags.values()) == [False, True]
    flagged = next(w for w in written if w.out_of_trend)
    assert "outside the 95% prediction interval" in flagged.trend_note
    with UnitOfWork(factory, mina) as uow:
        result = studies.analyse(uow.session, study_id, "SEC purity", "5C")
        frame = pd.DataFrame(
            studies.results_frame(uow.session, studies.get_study(uow.session, study_id))
        )
    # the platform's answer is the engine's answer on the same points
    data = frame[frame["condition"] == "5C"].rename(columns={"value": "SEC purity"})
    expected = q1e.shelf_life(data, time="months", value="SEC purity", batch="batch", lower=95.0)
    assert result.shelf_life == pytest.approx(expected.shelf_life, rel=1e-12)
    assert result.lower == 95.0
