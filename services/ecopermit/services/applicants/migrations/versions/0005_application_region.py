"""applications keep their facility's region as a column

The register filters by region and the ops dashboard counts by stage and region; both read a
column instead of every application's JSON. Existing rows are filled from their content.

Revision ID: applicants_0005
Revises: applicants_0004
Create Date: 2026-12-07 20:20:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ecopermit.type.v1 import kazakhstan_pb2

revision: str = "applicants_0005"
down_revision: str | None = "applicants_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_applications_region", ["region"])
    applications = sa.table(
        "applications",
        sa.column("id", sa.String),
        sa.column("content", sa.Text),
        sa.column("region", sa.Integer),
    )
    connection = op.get_bind()
    for identity, content in connection.execute(
        sa.select(applications.c.id, applications.c.content)
    ):
        named = json.loads(content).get("facility", {}).get("region", "")
        region = kazakhstan_pb2.Region.Value(named) if named in kazakhstan_pb2.Region.keys() else 0  # noqa: SIM118
        connection.execute(
            applications.update().where(applications.c.id == identity).values(region=region)
        )


def downgrade() -> None:
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_region")
        batch_op.drop_column("region")
