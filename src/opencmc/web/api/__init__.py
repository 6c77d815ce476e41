"""The JSON API under /api/v1: each handler parses, calls one workflow function, returns."""

from fastapi import APIRouter

from opencmc.web.api import accounts, jobs, members, programs, records, roadmap, stability

router = APIRouter(prefix="/api/v1")
for module in (programs, roadmap, stability, records, accounts, members, jobs):
    router.include_router(module.router)

__all__ = ["router"]
