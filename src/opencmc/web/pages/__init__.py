"""Server-rendered pages. Every POST carries the session's CSRF token (``check_csrf``)."""

from fastapi import APIRouter, Depends

from opencmc.web.auth import check_csrf
from opencmc.web.pages import (
    account,
    antibody,
    assessments,
    calculators,
    design_molecule,
    doe,
    home,
    market_catalogue,
    market_deals,
    market_vouchers,
    notifications,
    programs,
    quality,
    quality_stats,
    records,
    rna,
    roadmap,
    save_candidate,
    scaleup,
    session,
    stability_studies,
    tools,
)

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)
for module in (
    session,
    home,
    programs,
    roadmap,
    quality,
    stability_studies,
    calculators,
    tools,
    quality_stats,
    doe,
    rna,
    antibody,
    records,
    account,
    market_catalogue,
    market_vouchers,
    market_deals,
    notifications,
    design_molecule,
    assessments,
    save_candidate,
    scaleup,
):
    router.include_router(module.router)

__all__ = ["router"]
