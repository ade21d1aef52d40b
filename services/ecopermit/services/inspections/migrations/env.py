"""Alembic environment: the shared runner, with this service's tables as the target."""

from ecopermit.runtime.migrations import run_environment
from ecopermit.services.inspections.models import metadata

run_environment(target_metadata=metadata)
