"""The demo's marketplace: two qualified providers with their offerings, a voucher round
with Hanbit's approved voucher, and one request waiting in Daehan's inbox (journeys 1, 2
and 4 start from here)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform import accounts
from opencmc.platform.actor import Actor
from opencmc.platform.market import catalogue, evidence, qualification, support_programmes, vouchers
from opencmc.platform.market import requests as deals
from opencmc.platform.models import Offering, Program, User
from opencmc.platform.uow import UnitOfWork

_BIOLOGICS = ["monoclonal_antibody", "therapeutic_protein"]
_EARLY = ["process_development", "non_clinical", "phase_1", "phase_2"]

OFFERINGS: dict[str, list[dict[str, Any]]] = {
    "joon@daehan-cdmo.example": [
        {
            "title": "ICH stability study, biologics, 2-8 C / 25 C / 40 C",
            "category": "stability_study",
            "description": "ICH Q1A/Q5C long-term, accelerated and stress storage of drug "
            "substance or product; SEC, CE-SDS, icIEF and potency at each pull; results "
            "per time point delivered as structured data.",
            "modalities": _BIOLOGICS,
            "stages": _EARLY,
            "compliance": "gmp",
            "capacity": "40 studies a year, 2,000 L of qualified chamber space",
            "lead_time_weeks": 26,
            "price_min": 45_000_000,
            "price_max": 120_000_000,
            "deliverables": "Protocol, pull results per time point, interim and final reports",
            "activity_ids": [
                "stability_drug_substance_clinical",
                "stability_drug_product_clinical",
            ],
        },
        {
            "title": "CHO cell line development and MCB/WCB banking",
            "category": "cell_line_development",
            "description": "Transfection, single-cell cloning with imaging evidence of "
            "clonality, clone selection, GMP master and working cell banks.",
            "modalities": _BIOLOGICS,
            "stages": ["candidate_optimisation", "process_development"],
            "compliance": "gmp",
            "capacity": "6 projects in parallel",
            "lead_time_weeks": 30,
            "price_min": 350_000_000,
            "price_max": 600_000_000,
            "deliverables": "Clonality report, MCB and WCB with certificates",
            "activity_ids": ["cell_line_development", "master_cell_bank", "working_cell_bank"],
        },
        {
            "title": "GMP drug substance manufacture, 200-2,000 L single-use",
            "category": "gmp_drug_substance",
            "description": "Technology transfer, toxicology and clinical batches of "
            "monoclonal antibodies in single-use bioreactors.",
            "modalities": _BIOLOGICS,
            "stages": ["non_clinical", "phase_1", "phase_2"],
            "compliance": "gmp",
            "capacity": "2 x 2,000 L lines",
            "lead_time_weeks": 24,
            "price_min": 900_000_000,
            "price_max": 2_500_000_000,
            "deliverables": "Batch records, certificates of analysis",
            "activity_ids": [
                "tech_transfer_to_gmp",
                "tox_batch_manufacture",
                "gmp_drug_substance_batch",
            ],
        },
    ],
    "lab@viralsafety.example": [
        {
            "title": "Viral clearance study, phase 1 package",
            "category": "viral_safety_testing",
            "description": "Spiking studies with X-MuLV and MMV on low-pH hold, virus "
            "filtration and one chromatography step, with scale-down model qualification.",
            "modalities": _BIOLOGICS,
            "stages": ["process_development", "non_clinical", "phase_1"],
            "compliance": "glp",
            "capacity": "10 studies a year",
            "lead_time_weeks": 16,
            "price_min": 180_000_000,
            "price_max": 320_000_000,
            "deliverables": "Study report with log reduction values per step",
            "activity_ids": ["viral_clearance_study"],
        },
    ],
}


def _actor(factory: sessionmaker[Session], email: str) -> Actor:
    with UnitOfWork(factory, None, system=True) as uow:
        user = uow.session.scalars(select(User).where(User.email == email)).one()
        return accounts.actor_for(uow.session, user)


def seed_market(factory: sessionmaker[Session]) -> None:
    """Qualify both providers, publish their offerings, open a voucher round with
    Hanbit's voucher approved, and send one request to Daehan."""
    hyun = _actor(factory, "hyun@programme.example")
    today = date.today()
    for email, offerings in OFFERINGS.items():
        provider = _actor(factory, email)
        with UnitOfWork(factory, provider) as uow:
            qualification.ensure_profile(uow, provider.organisation_id)
            evidence.add_document(
                uow,
                {
                    "title": "GMP certificate" if "daehan" in email else "GLP certificate",
                    "kind": "gmp_certificate" if "daehan" in email else "glp_certificate",
                    "issuer": "MFDS",
                    "issued_on": today - timedelta(days=700),
                    # Daehan's lapses in about 8 months: flagged 60 days ahead
                    "expires_on": today + timedelta(days=240 if "daehan" in email else 500),
                },
            )
            uow.commit()
        with UnitOfWork(factory, hyun) as uow:
            qualification.qualify(
                uow,
                provider.organisation_id,
                qualified_until=today + timedelta(days=240 if "daehan" in email else 500),
                audit_outcome="On-site audit: no critical or major findings",
                reason="certificate and audit on file",
            )
            uow.commit()
        with UnitOfWork(factory, provider) as uow:
            for data in offerings:
                offering = catalogue.create_offering(uow, data)
                catalogue.publish_offering(uow, offering.id)
            uow.commit()
    with UnitOfWork(factory, hyun) as uow:
        programme = support_programmes.create_programme(
            uow,
            {
                "title": "2026 biologics CMC vouchers",
                "description": "Half of each order, up to the cap, for companies under "
                "100 employees developing antibodies or therapeutic proteins.",
                "budget": 3_000_000_000,
                "coverage_percent": 50,
                "per_company_cap": 300_000_000,
                "eligible_modalities": _BIOLOGICS,
                "max_employees": 100,
                "opens_on": today - timedelta(days=30),
                "closes_on": today + timedelta(days=300),
            },
        )
        support_programmes.open_programme(uow, programme.id)
        uow.commit()
    mina = _actor(factory, "mina@hanbit.example")
    with UnitOfWork(factory, _actor(factory, "admin@hanbit.example")) as uow:
        voucher = support_programmes.apply(
            uow,
            programme.id,
            {
                "employees": 30,
                "modalities": ["monoclonal_antibody"],
                "statement": "Phase 1 CMC for HB-101",
            },
        )
        uow.commit()
    with UnitOfWork(factory, hyun) as uow:
        vouchers.approve_voucher(uow, voucher.id, reason="eligible: 30 employees, antibody")
        uow.commit()
    with UnitOfWork(factory, mina) as uow:
        program = uow.session.scalars(
            select(Program).where(Program.modality == "monoclonal_antibody")
        ).first()
        stability = uow.session.scalars(
            select(Offering).where(Offering.category == "stability_study")
        ).one()
        assert program is not None
        deals.send_request(
            uow,
            program_id=program.id,
            title="HB-101 DS stability, 5 C and 25 C, 12 months",
            scope="Three DS batches of lead A at 5 C (0-12 months) and 25 C/60% RH (0-6 "
            "months): SEC purity, CE-SDS, icIEF, potency.",
            category="stability_study",
            recipients=[{"offering_id": stability.id}],
            activity_id="stability_drug_substance_clinical",
            materials="3 batches x 30 vials of 1 mL at 50 mg/mL",
            desired_start=today + timedelta(days=14),
            desired_end=today + timedelta(days=400),
        )
        uow.commit()
