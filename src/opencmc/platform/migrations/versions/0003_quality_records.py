"""Quality records: materials, specifications, attributes, batches, genealogy, results, OOS.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 19:53:33.231703
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_materials_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_materials_program_id_programs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_materials")),
        sa.UniqueConstraint("program_id", "name", name=op.f("uq_materials_program_id")),
    )
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_materials_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_materials_program_id"), ["program_id"], unique=False)

    op.create_table(
        "batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=60), nullable=False),
        sa.Column("process_version", sa.String(length=60), nullable=False),
        sa.Column("scale", sa.String(length=60), nullable=False),
        sa.Column("site", sa.String(length=200), nullable=False),
        sa.Column("manufactured_on", sa.Date(), nullable=True),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_batches_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"], ["materials.id"], name=op.f("fk_batches_material_id_materials")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_batches_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("organisation_id", "number", name=op.f("uq_batches_organisation_id")),
    )
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batches_material_id"), ["material_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_batches_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "specifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("effective_at", sa.DateTime(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_specifications_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["material_id"], ["materials.id"], name=op.f("fk_specifications_material_id_materials")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_specifications_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["specifications.id"],
            name=op.f("fk_specifications_supersedes_id_specifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_specifications")),
        sa.UniqueConstraint("material_id", "number", name=op.f("uq_specifications_material_id")),
    )
    with op.batch_alter_table("specifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_specifications_material_id"), ["material_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_specifications_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "batch_inputs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("input_batch_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_batch_inputs_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["input_batch_id"], ["batches.id"], name=op.f("fk_batch_inputs_input_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_batch_inputs_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_inputs")),
        sa.UniqueConstraint("batch_id", "input_batch_id", name=op.f("uq_batch_inputs_batch_id")),
    )
    with op.batch_alter_table("batch_inputs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_inputs_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_batch_inputs_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "spec_attributes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("specification_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("test_method", sa.String(length=200), nullable=False),
        sa.Column("criterion_type", sa.String(length=20), nullable=False),
        sa.Column("lower", sa.Double(), nullable=True),
        sa.Column("upper", sa.Double(), nullable=True),
        sa.Column("lower_inclusive", sa.Boolean(), nullable=False),
        sa.Column("upper_inclusive", sa.Boolean(), nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=True),
        sa.Column("requirement", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_spec_attributes_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["specification_id"],
            ["specifications.id"],
            name=op.f("fk_spec_attributes_specification_id_specifications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spec_attributes")),
        sa.UniqueConstraint(
            "specification_id", "name", name=op.f("uq_spec_attributes_specification_id")
        ),
    )
    with op.batch_alter_table("spec_attributes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spec_attributes_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_spec_attributes_specification_id"), ["specification_id"], unique=False
        )

    op.create_table(
        "results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("attribute_id", sa.Integer(), nullable=False),
        sa.Column("replicates", sa.JSON(), nullable=False),
        sa.Column("reportable_value", sa.Double(), nullable=True),
        sa.Column("reported_text", sa.Text(), nullable=False),
        sa.Column("rounded", sa.String(length=60), nullable=False),
        sa.Column("conforms", sa.Boolean(), nullable=True),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("analyst", sa.String(length=200), nullable=False),
        sa.Column("instrument", sa.String(length=200), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=True),
        sa.Column("invalidated_at", sa.DateTime(), nullable=True),
        sa.Column("invalidation_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attribute_id"],
            ["spec_attributes.id"],
            name=op.f("fk_results_attribute_id_spec_attributes"),
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_results_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_results_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_results_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_results")),
    )
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_results_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_results_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "oos_investigations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("phase1_findings", sa.Text(), nullable=False),
        sa.Column("phase2_findings", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.String(length=30), nullable=False),
        sa.Column("conclusion_text", sa.Text(), nullable=False),
        sa.Column("capa_reference", sa.String(length=100), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_oos_investigations_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_oos_investigations_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_oos_investigations_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["result_id"], ["results.id"], name=op.f("fk_oos_investigations_result_id_results")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oos_investigations")),
    )
    with op.batch_alter_table("oos_investigations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oos_investigations_batch_id"), ["batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_oos_investigations_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("oos_investigations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oos_investigations_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_oos_investigations_batch_id"))

    op.drop_table("oos_investigations")
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_results_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_results_batch_id"))

    op.drop_table("results")
    with op.batch_alter_table("spec_attributes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spec_attributes_specification_id"))
        batch_op.drop_index(batch_op.f("ix_spec_attributes_organisation_id"))

    op.drop_table("spec_attributes")
    with op.batch_alter_table("batch_inputs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_inputs_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_batch_inputs_batch_id"))

    op.drop_table("batch_inputs")
    with op.batch_alter_table("specifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_specifications_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_specifications_material_id"))

    op.drop_table("specifications")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batches_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_batches_material_id"))

    op.drop_table("batches")
    with op.batch_alter_table("materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_materials_program_id"))
        batch_op.drop_index(batch_op.f("ix_materials_organisation_id"))

    op.drop_table("materials")
