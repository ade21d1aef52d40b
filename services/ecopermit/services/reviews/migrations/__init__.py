"""Alembic history of the reviews database."""
