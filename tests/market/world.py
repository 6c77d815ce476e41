"""A marketplace to test orders in: Gamma CDMO qualified with a published stability
offering, a voucher programme with Alpha Bio's approved voucher, and Alpha's program with
a material, an effective specification, three batches and a stability study."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from opencmc.platform import programs
from opencmc.platform.market import catalogue, qualification, support_programmes, vouchers
from opencmc.platform.quality import batches, specifications
from opencmc.platform.quality import stability as studies
from opencmc.platform.uow import UnitOfWork
from tests.conftest import PASSWORD, PROGRAM, actor_of

SEC = {"name": "SEC purity", "category": "purity", "lower": 95.0, "unit": "%", "decimals": 1}
OFFERING = {
    "title": "ICH stability study, biologics, 2-8 C / 25 C / 40 C",
    "category": "stability_study",
    "description": "Long-term, accelerated and stress storage with SEC, CE-SDS and potency.",
    "modalities": ["monoclonal_antibody", "therapeutic_protein"],
    "stages": ["phase_1", "phase_2"],
    "compliance": "gmp",
    "capacity": "40 studies a year",
    "lead_time_weeks": 20,
    "price_min": 30_000_000,
    "price_max": 80_000_000,
    "deliverables": "Protocol, pull results per time point, interim and final reports",
    "activity_ids": ["stability_drug_substance_clinical"],
}
LINES = [
    {"description": "Protocol and set-up", "quantity": 1, "unit_price": 5_000_000},
    {"description": "Time points (SEC, CE-SDS, potency)", "quantity": 8, "unit_price": 4_000_000},
]


@dataclass
class World:
    offering_id: int
    program_id: int
    material_id: int
    spec_id: int
    batch_ids: list[int]
    study_id: int
    voucher_id: int
    programme_id: int


def build(factory, *, voucher: bool = True) -> World:  # type: ignore[no-untyped-def]
    joon, hyun = actor_of(factory, "p.sci"), actor_of(factory, "o.admin")
    mina, sora = actor_of(factory, "a.sci"), actor_of(factory, "a.qa")
    with UnitOfWork(factory, hyun) as uow:
        qualification.qualify(
            uow,
            joon.organisation_id,
            qualified_until=date.today() + timedelta(days=365),
            audit_outcome="GMP audit 2026-10: no critical findings",
            reason="GMP certificate on file",
        )
        uow.commit()
    with UnitOfWork(factory, joon) as uow:
        offering = catalogue.create_offering(uow, OFFERING)
        catalogue.publish_offering(uow, offering.id)
        uow.commit()
    with UnitOfWork(factory, mina) as uow:
        program = programs.create_program(uow, PROGRAM)
        material = specifications.create_material(uow, program.id, "drug_substance", "DS")
        spec = specifications.create_specification(
            uow, material.id, title="DS", stage="phase_1", attributes=[SEC]
        )
        batch_ids = [
            batches.create_batch(uow, material.id, {"number": n, "purpose": "stability"}).id
            for n in ("DS-1", "DS-2", "DS-3")
        ]
        uow.commit()
    with UnitOfWork(factory, sora) as uow:
        specifications.approve_specification(uow, spec.id, password=PASSWORD)
        uow.commit()
    with UnitOfWork(factory, mina) as uow:
        study = studies.create_study(
            uow,
            material.id,
            title="DS long-term",
            batch_ids=batch_ids,
            conditions=["5C"],
            time_points=[0, 3, 6, 9],
            tests=["SEC purity"],
            start_date="2026-01-31",
        )
        uow.commit()
    programme_id = voucher_id = 0
    if voucher:
        programme_id, voucher_id = _voucher(factory)
    return World(
        offering.id,
        program.id,
        material.id,
        spec.id,
        batch_ids,
        study.id,
        voucher_id,
        programme_id,
    )


def _voucher(factory) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    hyun, mina = actor_of(factory, "o.admin"), actor_of(factory, "a.admin")
    with UnitOfWork(factory, hyun) as uow:
        programme = support_programmes.create_programme(
            uow,
            {
                "title": "Biologics CMC vouchers 2026",
                "budget": 500_000_000,
                "coverage_percent": 50,
                "per_company_cap": 20_000_000,
                "eligible_modalities": ["monoclonal_antibody"],
                "max_employees": 100,
                "opens_on": date.today() - timedelta(days=1),
                "closes_on": date.today() + timedelta(days=180),
            },
        )
        support_programmes.open_programme(uow, programme.id)
        uow.commit()
    with UnitOfWork(factory, mina) as uow:
        applied = support_programmes.apply(
            uow, programme.id, {"employees": 30, "modalities": ["monoclonal_antibody"]}
        )
        uow.commit()
    with UnitOfWork(factory, hyun) as uow:
        vouchers.approve_voucher(uow, applied.id, reason="eligible")
        uow.commit()
    return programme.id, applied.id


def stability_rows(months: tuple[float, ...] = (0, 3, 6), unit: str = "%") -> list[dict]:  # type: ignore[type-arg]
    rows = []
    for batch, (start, slope) in {"DS-1": (99.8, -0.2), "DS-2": (99.6, -0.25)}.items():
        for i, m in enumerate(months):
            rows.append(
                {
                    "batch": batch,
                    "condition": "5C",
                    "months": m,
                    "attribute": "SEC purity",
                    "value": round(start + slope * m + (0.05 if i % 2 else -0.05), 2),
                    "unit": unit,
                }
            )
    return rows


def frame(rows: list[dict]) -> pd.DataFrame:  # type: ignore[type-arg]
    return pd.DataFrame(rows)
