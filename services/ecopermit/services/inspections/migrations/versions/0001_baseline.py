"""Baseline of the inspections database: the version table only; tables arrive with the service.

Revision ID: inspections_0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

revision: str = "inspections_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("inspections",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
