"""Built-in job kinds. Heavier engines (library screening, Monte Carlo) add theirs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from opencmc.jobs.runner import Progress, job_kind
from opencmc.platform.actor import Actor
from opencmc.platform.audit import verify_chain
from opencmc.platform.db import SYSTEM, open_session


@job_kind("audit-verify")
def audit_verify(
    factory: sessionmaker[Session], actor: Actor, params: dict[str, Any], progress: Progress
) -> dict[str, Any]:
    """Walk the whole audit chain; the report names the first broken link, if any."""
    session = open_session(factory, SYSTEM)
    try:
        return verify_chain(session).to_dict()
    finally:
        session.close()
