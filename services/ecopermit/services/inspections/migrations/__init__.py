"""Alembic history of the inspections database."""
