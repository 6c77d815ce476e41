"""Engine and session factory, with the one mechanism that scopes queries to an organisation.

Every ORM ``SELECT`` (and ORM ``UPDATE``/``DELETE``) of an :class:`OrgScoped` record is
filtered here, from the scope in ``session.info``: the caller's organisation, plus records
another organisation shared with it through a live :class:`Share`. A session without a
scope sees no scoped record at all; only the explicit system scope (migrations, the CLI's
administration, the audit verifier) sees everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event, false, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql.functions import FunctionElement

from opencmc.platform.models import OrgScoped, Share


@dataclass(frozen=True)
class Scope:
    """Whose data a session may see: one organisation, or (system) every organisation."""

    organisation_id: int | None
    system: bool = False


SYSTEM = Scope(organisation_id=None, system=True)

#: execution option for the few platform-internal reads that must span organisations,
#: such as the head of the audit chain
UNSCOPED = "opencmc_unscoped"


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def scoped_classes() -> list[type[OrgScoped]]:
    """Every mapped class that carries an owning organisation."""
    from opencmc.platform.models import Base

    return [
        m.class_
        for m in Base.registry.mappers
        if issubclass(m.class_, OrgScoped) and m.class_ is not Share
    ]


class utc_now(FunctionElement[datetime]):
    """The database's current time as naive UTC, the way UTCDateTime stores times."""

    type = DateTime()
    inherit_cache = True


@compiles(utc_now, "postgresql")
def _utc_now_postgresql(_element: utc_now, _compiler: Any, **_kw: Any) -> str:
    return "(now() AT TIME ZONE 'utc')"


@compiles(utc_now, "sqlite")
def _utc_now_sqlite(_element: utc_now, _compiler: Any, **_kw: Any) -> str:
    return "strftime('%Y-%m-%d %H:%M:%f', 'now')"


def _shared_ids(entity_type: str, organisation_id: int) -> Any:
    """The ids of records of one type that a live share opens to the organisation."""
    return select(Share.record_id).where(
        Share.grantee_organisation_id == organisation_id,
        Share.record_type == entity_type,
        Share.revoked_at.is_(None),
        or_(Share.ends_at.is_(None), Share.ends_at > utc_now()),
    )


def visibility(cls: type[OrgScoped], organisation_id: int) -> Any:
    """The criterion: owned by the organisation, or shared with it and the share is live,
    or (for a record with two parties) the organisation is the record's other party."""
    clauses = [cls.organisation_id == organisation_id]
    if cls.shareable:
        clauses.append(cls.id.in_(_shared_ids(cls.entity_type, organisation_id)))  # type: ignore[attr-defined]
    if cls.shared_through is not None:
        # a part of a shared record (a specification's attributes, a study's pulls)
        column, parent_type = cls.shared_through
        clauses.append(getattr(cls, column).in_(_shared_ids(parent_type, organisation_id)))
    party_rule = getattr(cls, "also_visible_to", None)
    if party_rule is not None:
        # a two-party record (an order, a quote) names its other party as SQL
        clauses.append(party_rule(organisation_id))
    return clauses[0] if len(clauses) == 1 else or_(*clauses)


@lru_cache(maxsize=4096)
def _scope_options(organisation_id: int | None) -> tuple[Any, ...]:
    """The loader criteria for one organisation, built once: they hold no changing value
    (the share's end is compared with the database's clock), so every query reuses them."""
    options = []
    for cls in scoped_classes():
        criterion = false() if organisation_id is None else visibility(cls, organisation_id)
        options.append(with_loader_criteria(cls, criterion, include_aliases=True))
    # shares themselves: visible to the owner and to the grantee
    share_criterion: Any = (
        false()
        if organisation_id is None
        else or_(
            Share.organisation_id == organisation_id,
            Share.grantee_organisation_id == organisation_id,
        )
    )
    options.append(with_loader_criteria(Share, share_criterion, include_aliases=True))
    return tuple(options)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_organisation(state: ORMExecuteState) -> None:
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria added to the parent statement propagate to these loads
    if not (state.is_select or state.is_update or state.is_delete):
        return
    scope: Scope | None = state.session.info.get("scope")
    if (scope is not None and scope.system) or state.execution_options.get(UNSCOPED):
        return
    organisation_id = scope.organisation_id if scope is not None else None
    state.statement = state.statement.options(*_scope_options(organisation_id))


def open_session(factory: sessionmaker[Session], scope: Scope | None) -> Session:
    """A session whose queries see what ``scope`` may see."""
    session = factory()
    session.info["scope"] = scope
    return session
