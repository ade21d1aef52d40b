"""tasks keep a refusal's grounds and the outcomes the workflow allowed

Revision ID: reviews_0004
Revises: reviews_0003
Create Date: 2026-12-03 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reviews_0004"
down_revision: str | None = "reviews_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("refusal_grounds", sa.Text(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("allowed_outcomes", sa.Text(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("allowed_outcomes")
        batch_op.drop_column("refusal_grounds")
