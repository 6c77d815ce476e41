"""Activity statuses (readiness) and membership revocation.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 19:12:31.111612
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_link", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_activity_statuses_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_activity_statuses_program_id_programs")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_activity_statuses_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activity_statuses")),
        sa.UniqueConstraint(
            "program_id", "activity_id", name=op.f("uq_activity_statuses_program_id")
        ),
    )
    with op.batch_alter_table("activity_statuses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_activity_statuses_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_activity_statuses_program_id"), ["program_id"], unique=False
        )

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")

    with op.batch_alter_table("activity_statuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_statuses_program_id"))
        batch_op.drop_index(batch_op.f("ix_activity_statuses_organisation_id"))

    op.drop_table("activity_statuses")
