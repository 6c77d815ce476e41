"""Change notifications: the tables cached reads depend on announce their commits.

A statement trigger on each table calls ``pg_notify('opencmc_changes', <table>)``;
PostgreSQL delivers the notification when the writing transaction commits and drops it
when it rolls back, so a listener hears of exactly the committed changes. SQLite has no
notifications: nothing to install there.

The table list is frozen here as it was at this revision; a later table a cached read
depends on gets its trigger in a later migration (a test compares this list with
``opencmc.platform.changes.WATCHED_TABLES``).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 00:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("api_tokens", "memberships", "organisations", "programs", "shares", "users")

_FUNCTION = """
CREATE OR REPLACE FUNCTION opencmc_notify_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('opencmc_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTION)
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify_change "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION opencmc_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_change ON {table}")
    op.execute("DROP FUNCTION IF EXISTS opencmc_notify_change()")
