"""The JSON API under /api/v1: each handler parses, calls one workflow function, returns."""

from fastapi import APIRouter

from opencmc.web.api import (
    accounts,
    antibody,
    assessments,
    design_molecule,
    doe,
    jobs,
    market_catalogue,
    market_deals,
    market_vouchers,
    members,
    notifications,
    programs,
    quality,
    quality_stats,
    records,
    rna,
    roadmap,
    scaleup,
    stability,
    stability_studies,
)

router = APIRouter(prefix="/api/v1")
for module in (
    programs,
    roadmap,
    quality,
    quality_stats,
    stability,
    stability_studies,
    doe,
    scaleup,
    rna,
    antibody,
    records,
    accounts,
    members,
    jobs,
    market_catalogue,
    market_vouchers,
    market_deals,
    notifications,
    design_molecule,
    assessments,
):
    router.include_router(module.router)

__all__ = ["router"]
