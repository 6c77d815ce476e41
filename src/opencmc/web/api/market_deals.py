"""market deals: routes are added by the module's workflow slice."""

from fastapi import APIRouter

router = APIRouter()
