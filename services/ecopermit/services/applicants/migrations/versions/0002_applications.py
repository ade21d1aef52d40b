"""applications, permits and the workflow outbox

Revision ID: applicants_0002
Revises: applicants_0001
Create Date: 2026-11-25 18:28:38.205830
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "applicants_0002"
down_revision: str | None = "applicants_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprises",
        sa.Column("bin", sa.String(length=12), nullable=False),
        sa.Column("display_name", sa.String(length=300), nullable=False),
        sa.Column("region", sa.Integer(), nullable=False),
        sa.Column("sector", sa.Integer(), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bin"),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_bin", sa.String(length=12), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("sector", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.String(length=64), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.Column("permit_id", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enterprise_bin"],
            ["enterprises.bin"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("enterprise_bin", "request_id"),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_applications_create_time"), ["create_time"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_applications_enterprise_bin"), ["enterprise_bin"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applications_sector"), ["sector"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_stage"), ["stage"], unique=False)

    op.create_table(
        "permits",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("enterprise_bin", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("issue_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id"),
        sa.UniqueConstraint("year", "serial"),
    )
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_permits_enterprise_bin"), ["enterprise_bin"], unique=False
        )

    op.create_table(
        "stage_transitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("enter_time", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "sequence"),
    )
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stage_transitions_application_id"), ["application_id"], unique=False
        )

    op.create_table(
        "workflow_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("deliver_time", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "kind", "request_id"),
    )
    with op.batch_alter_table("workflow_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workflow_outbox_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_workflow_outbox_deliver_time"), ["deliver_time"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("workflow_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workflow_outbox_deliver_time"))
        batch_op.drop_index(batch_op.f("ix_workflow_outbox_application_id"))

    op.drop_table("workflow_outbox")
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_transitions_application_id"))

    op.drop_table("stage_transitions")
    with op.batch_alter_table("permits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_permits_enterprise_bin"))

    op.drop_table("permits")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_applications_stage"))
        batch_op.drop_index(batch_op.f("ix_applications_sector"))
        batch_op.drop_index(batch_op.f("ix_applications_enterprise_bin"))
        batch_op.drop_index(batch_op.f("ix_applications_create_time"))

    op.drop_table("applications")
    op.drop_table("enterprises")
