"""tasks say what they are about: enterprise, facility, region, sector, application stage

Inboxes show, filter and sort by them, and a territorial department's staff see their region's
tasks only. Tasks created before this revision keep empty subjects (region 0: seen by all).

Revision ID: reviews_0007
Revises: reviews_0006
Create Date: 2026-12-07 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reviews_0007"
down_revision: str | None = "reviews_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        for name, length in (
            ("enterprise_bin", 12),
            ("enterprise_display_name", 300),
            ("facility_display_name", 300),
        ):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        for name in ("region", "sector", "application_stage"):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_tasks_region", ["region"])
        batch_op.create_index("ix_tasks_due_time", ["due_time"])


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_tasks_due_time")
        batch_op.drop_index("ix_tasks_region")
        for name in (
            "application_stage",
            "sector",
            "region",
            "facility_display_name",
            "enterprise_display_name",
            "enterprise_bin",
        ):
            batch_op.drop_column(name)
