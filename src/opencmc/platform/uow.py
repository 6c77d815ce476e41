"""The unit of work: one transaction, one actor, one organisation scope."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from opencmc.platform.actor import Actor
from opencmc.platform.db import SYSTEM, Scope, open_session


class UnitOfWork:
    """``with UnitOfWork(factory, actor) as uow: ...; uow.commit()``.

    Leaving the block without ``commit()`` rolls everything back, so a failed request
    writes nothing. ``actor=None`` with ``system=True`` is for administration only.
    """

    def __init__(
        self, factory: sessionmaker[Session], actor: Actor | None, *, system: bool = False
    ) -> None:
        self._factory = factory
        self.actor = actor
        self._scope = SYSTEM if system else Scope(actor.organisation_id if actor else None)
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        self.session = open_session(self._factory, self._scope)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed; unlike rollback() it leaves the
        # loaded objects readable (detached) for the caller to render
        self.session.close()

    def bind(self, actor: Actor) -> None:
        """Act as ``actor`` from now on: their organisation scopes every later query."""
        self.actor = actor
        self._scope = Scope(actor.organisation_id)
        self.session.info["scope"] = self._scope

    def commit(self) -> None:
        self.session.commit()

    @property
    def is_system(self) -> bool:
        return self._scope.system

    def require_actor(self) -> Actor:
        if self.actor is None:
            from opencmc.platform.errors import AuthenticationFailed

            raise AuthenticationFailed("this action needs a signed-in user")
        return self.actor
