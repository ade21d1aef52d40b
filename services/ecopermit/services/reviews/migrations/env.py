"""Alembic environment: the shared runner, with this service's tables as the target."""

from ecopermit.runtime.migrations import run_environment

# The baseline has no tables yet; the service's models become the target when they land.
run_environment(target_metadata=None)
