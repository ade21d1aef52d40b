"""Baseline of the applicants database: the version table only; tables arrive with the service.

Revision ID: applicants_0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

revision: str = "applicants_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("applicants",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
