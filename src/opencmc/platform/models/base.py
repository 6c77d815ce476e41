"""Declarative base, column types and mixins shared by every table."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import DateTime, ForeignKey, Integer, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: the same instant on SQLite and PostgreSQL."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC was expected")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


class OrgScoped:
    """A record owned by one organisation; every query for it is filtered by the caller's.

    ``shareable`` records may also be seen by another organisation through a live Share,
    and so may their parts that name it in ``shared_through``.
    ``entity_type`` is the name the audit trail, signatures, shares and files use.
    """

    entity_type: ClassVar[str]
    shareable: ClassVar[bool] = False
    #: a part of a shareable record, seen wherever its parent is shared:
    #: (the column holding the parent's id, the parent's entity type)
    shared_through: ClassVar[tuple[str, str] | None] = None

    @declared_attr
    def organisation_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("organisations.id"), index=True)


class Versioned:
    """Optimistic locking: an UPDATE whose version is stale matches no row and fails."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class Archivable:
    """Never hard-deleted: archiving stamps who and when."""

    archived_at: Mapped[datetime | None] = mapped_column(default=None)
    archived_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None
