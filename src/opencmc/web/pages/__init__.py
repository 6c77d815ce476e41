"""Server-rendered pages. Every POST carries the session's CSRF token (``check_csrf``)."""

from fastapi import APIRouter, Depends

from opencmc.web.auth import check_csrf
from opencmc.web.pages import (
    account,
    antibody,
    calculators,
    doe,
    home,
    programs,
    quality,
    quality_stats,
    records,
    rna,
    roadmap,
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
):
    router.include_router(module.router)

__all__ = ["router"]
