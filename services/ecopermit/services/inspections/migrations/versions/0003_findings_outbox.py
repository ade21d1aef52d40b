"""findings outbox: pre-permit inspection acts for the permit workflows

Revision ID: inspections_0003
Revises: inspections_0002
Create Date: 2026-11-28 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "inspections_0003"
down_revision: str | None = "inspections_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "findings_outbox",
        sa.Column("inspection_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("deliver_time", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("inspection_id"),
    )
    with op.batch_alter_table("findings_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_findings_outbox_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_findings_outbox_deliver_time"), ["deliver_time"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("findings_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_findings_outbox_deliver_time"))
        batch_op.drop_index(batch_op.f("ix_findings_outbox_application_id"))
    op.drop_table("findings_outbox")
