"""Stability studies, their pulls and results.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 20:18:59.663600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stability_studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("time_points", sa.JSON(), nullable=False),
        sa.Column("tests", sa.JSON(), nullable=False),
        sa.Column("orientation", sa.String(length=40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("batch_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_stability_studies_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["materials.id"],
            name=op.f("fk_stability_studies_material_id_materials"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_stability_studies_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stability_studies")),
    )
    with op.batch_alter_table("stability_studies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stability_studies_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stability_studies_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "stability_pulls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("condition", sa.String(length=40), nullable=False),
        sa.Column("months", sa.Double(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("pulled_on", sa.Date(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_stability_pulls_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_stability_pulls_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["study_id"],
            ["stability_studies.id"],
            name=op.f("fk_stability_pulls_study_id_stability_studies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stability_pulls")),
        sa.UniqueConstraint(
            "study_id", "batch_id", "condition", "months", name=op.f("uq_stability_pulls_study_id")
        ),
    )
    with op.batch_alter_table("stability_pulls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stability_pulls_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stability_pulls_study_id"), ["study_id"], unique=False)

    op.create_table(
        "stability_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pull_id", sa.Integer(), nullable=False),
        sa.Column("attribute", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("out_of_trend", sa.Boolean(), nullable=False),
        sa.Column("trend_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_stability_results_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_stability_results_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["pull_id"],
            ["stability_pulls.id"],
            name=op.f("fk_stability_results_pull_id_stability_pulls"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stability_results")),
        sa.UniqueConstraint("pull_id", "attribute", name=op.f("uq_stability_results_pull_id")),
    )
    with op.batch_alter_table("stability_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stability_results_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stability_results_pull_id"), ["pull_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("stability_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stability_results_pull_id"))
        batch_op.drop_index(batch_op.f("ix_stability_results_organisation_id"))

    op.drop_table("stability_results")
    with op.batch_alter_table("stability_pulls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stability_pulls_study_id"))
        batch_op.drop_index(batch_op.f("ix_stability_pulls_organisation_id"))

    op.drop_table("stability_pulls")
    with op.batch_alter_table("stability_studies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stability_studies_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_stability_studies_material_id"))

    op.drop_table("stability_studies")
