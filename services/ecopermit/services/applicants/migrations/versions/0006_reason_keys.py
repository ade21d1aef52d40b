"""stage transitions keep their reason as a message key and values

So a reader says why an application moved in the person's language. Transitions recorded
before this revision keep their English reason only.

Revision ID: applicants_0006
Revises: applicants_0005
Create Date: 2026-12-07 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "applicants_0006"
down_revision: str | None = "applicants_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reason_key", sa.String(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("reason_values", sa.Text(), nullable=False, server_default="{}")
        )


def downgrade() -> None:
    with op.batch_alter_table("stage_transitions", schema=None) as batch_op:
        batch_op.drop_column("reason_values")
        batch_op.drop_column("reason_key")
