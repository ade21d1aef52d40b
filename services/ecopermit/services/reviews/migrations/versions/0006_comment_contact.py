"""public comments keep their author's contact

Anyone may now comment without signing in, giving a contact; comments written before this
revision were all signed in and keep an empty contact.

Revision ID: reviews_0006
Revises: reviews_0005
Create Date: 2026-12-07 19:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reviews_0006"
down_revision: str | None = "reviews_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("public_comments") as table:
        table.add_column(
            sa.Column("author_contact", sa.String(length=200), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("public_comments") as table:
        table.drop_column("author_contact")
