"""Alembic history of the applicants database."""
