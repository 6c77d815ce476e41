"""The registry of record kinds that carry a trail, signatures and attachments.

URL segments (``programs``, ``candidates``) map to a loader that goes through the
caller's scope; later modules (batches, specifications) register theirs here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from opencmc.platform.assessments import get_assessment
from opencmc.platform.errors import NotFound
from opencmc.platform.programs import get_candidate, get_program
from opencmc.platform.quality.batches import get_batch
from opencmc.platform.quality.release import get_investigation
from opencmc.platform.quality.results import get_result
from opencmc.platform.quality.specifications import get_specification
from opencmc.platform.quality.stability import get_study
from opencmc.platform.readiness import get_activity_status

Loader = Callable[[Session, int], Any]

RECORD_KINDS: dict[str, Loader] = {
    "programs": get_program,
    "candidates": get_candidate,
    "activity-statuses": get_activity_status,
    "batches": get_batch,
    "specifications": get_specification,
    "oos": get_investigation,
    "stability-studies": get_study,
    "results": get_result,
    "assessments": get_assessment,
}


def register_record_kind(segment: str, loader: Loader) -> None:
    RECORD_KINDS[segment] = loader


def load_record(session: Session, kind: str, record_id: int) -> Any:
    loader = RECORD_KINDS.get(kind)
    if loader is None:
        raise NotFound(f"no kind of record called {kind!r}")
    return loader(session, record_id)
