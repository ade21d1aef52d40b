"""inspections, violations and prescriptions

Revision ID: inspections_0002
Revises: inspections_0001
Create Date: 2026-11-25 18:37:49.113841
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "inspections_0002"
down_revision: str | None = "inspections_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_bin", sa.String(length=12), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("scheduled_date", sa.Date(), nullable=False),
        sa.Column("inspector", sa.String(length=200), nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("appointment_act_number", sa.String(length=64), nullable=False),
        sa.Column("checklist", sa.Text(), nullable=False),
        sa.Column("scheduled_by", sa.String(length=200), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("record_time", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inspections_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspections_create_time"), ["create_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inspections_enterprise_bin"), ["enterprise_bin"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspections_inspector"), ["inspector"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_region"), ["region"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_inspections_scheduled_date"), ["scheduled_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_inspections_state"), ["state"], unique=False)

    op.create_table(
        "prescriptions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("inspection_id", sa.String(length=64), nullable=False),
        sa.Column("violation_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("resolved_date", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prescriptions_due_date"), ["due_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_prescriptions_inspection_id"), ["inspection_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_prescriptions_state"), ["state"], unique=False)

    op.create_table(
        "violations",
        sa.Column("inspection_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("category", sa.Integer(), nullable=False),
        sa.Column("breached_norm", sa.String(length=300), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
        ),
        sa.PrimaryKeyConstraint("inspection_id", "id"),
    )
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_violations_severity"), ["severity"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_violations_severity"))

    op.drop_table("violations")
    with op.batch_alter_table("prescriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prescriptions_state"))
        batch_op.drop_index(batch_op.f("ix_prescriptions_inspection_id"))
        batch_op.drop_index(batch_op.f("ix_prescriptions_due_date"))

    op.drop_table("prescriptions")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_state"))
        batch_op.drop_index(batch_op.f("ix_inspections_scheduled_date"))
        batch_op.drop_index(batch_op.f("ix_inspections_region"))
        batch_op.drop_index(batch_op.f("ix_inspections_inspector"))
        batch_op.drop_index(batch_op.f("ix_inspections_enterprise_bin"))
        batch_op.drop_index(batch_op.f("ix_inspections_create_time"))
        batch_op.drop_index(batch_op.f("ix_inspections_application_id"))

    op.drop_table("inspections")
