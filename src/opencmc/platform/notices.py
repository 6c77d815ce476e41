"""Notifications: telling an organisation (or one of its users) that something waits on it.

Any workflow raises them (the marketplace's transitions, an out-of-trend stability point);
the inbox in ``opencmc.platform.market.inbox`` lists and sweeps them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opencmc.platform.db import UNSCOPED
from opencmc.platform.models import Notification


def notify(
    session: Session,
    organisation_id: int,
    *,
    kind: str,
    title: str,
    link: str = "",
    record: Any = None,
    user_id: int | None = None,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Tell an organisation (or one of its users) that something waits on it.

    With a ``dedupe_key`` the same reminder is sent once, however often it is raised.
    """
    if dedupe_key is not None:
        sent = session.scalar(
            select(Notification.id).where(Notification.dedupe_key == dedupe_key),
            execution_options={UNSCOPED: True},
        )
        if sent is not None:
            return None
    note = Notification(
        organisation_id=organisation_id,
        user_id=user_id,
        kind=kind,
        title=title[:300],
        link=link,
        record_type=record.entity_type if record is not None else "",
        record_id=record.id if record is not None else None,
        dedupe_key=dedupe_key,
    )
    session.add(note)
    session.flush()
    return note
