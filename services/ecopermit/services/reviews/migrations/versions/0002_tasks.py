"""tasks, BAT assessments, consultations, comments, completion outbox

Revision ID: reviews_0002
Revises: reviews_0001
Create Date: 2026-11-25 18:34:55.445601
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "reviews_0002"
down_revision: str | None = "reviews_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bat_assessments",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("update_time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.create_table(
        "completion_outbox",
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("deliver_time", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("task_id"),
    )
    with op.batch_alter_table("completion_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_completion_outbox_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_completion_outbox_deliver_time"), ["deliver_time"], unique=False
        )

    op.create_table(
        "consultations",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("open_time", sa.DateTime(), nullable=False),
        sa.Column("close_time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.create_table(
        "public_comments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("author_subject", sa.String(length=200), nullable=False),
        sa.Column("author_display_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("disposition", sa.Integer(), nullable=False),
        sa.Column("disposition_reason", sa.Text(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "request_id"),
    )
    with op.batch_alter_table("public_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_public_comments_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_public_comments_author_subject"), ["author_subject"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_public_comments_create_time"), ["create_time"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("required_role", sa.String(length=32), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("due_time", sa.DateTime(), nullable=False),
        sa.Column("create_time", sa.DateTime(), nullable=False),
        sa.Column("claim_time", sa.DateTime(), nullable=True),
        sa.Column("complete_time", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tasks_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tasks_assignee"), ["assignee"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_create_time"), ["create_time"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_required_role"), ["required_role"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_state"))
        batch_op.drop_index(batch_op.f("ix_tasks_required_role"))
        batch_op.drop_index(batch_op.f("ix_tasks_create_time"))
        batch_op.drop_index(batch_op.f("ix_tasks_assignee"))
        batch_op.drop_index(batch_op.f("ix_tasks_application_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("public_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_public_comments_create_time"))
        batch_op.drop_index(batch_op.f("ix_public_comments_author_subject"))
        batch_op.drop_index(batch_op.f("ix_public_comments_application_id"))

    op.drop_table("public_comments")
    op.drop_table("consultations")
    with op.batch_alter_table("completion_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_completion_outbox_deliver_time"))
        batch_op.drop_index(batch_op.f("ix_completion_outbox_application_id"))

    op.drop_table("completion_outbox")
    op.drop_table("bat_assessments")
