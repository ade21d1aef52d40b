"""Alembic migrations, one history per service, each in that service's package."""

from __future__ import annotations

import asyncio
import importlib.resources
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from ecopermit.runtime.database import create_engine
from ecopermit.runtime.settings import ServiceName, Settings


def version_table(service: ServiceName) -> str:
    """Per-service, so that services sharing one database in a test keep separate histories."""
    return f"alembic_version_{service.value}"


def alembic_config(service: ServiceName, database_url: str) -> Config:
    package = f"ecopermit.services.{service.value}"
    script_location = importlib.resources.files(package) / "migrations"
    config = Config()
    config.set_main_option("script_location", str(Path(str(script_location))))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.attributes["service"] = service
    return config


def upgrade(service: ServiceName, settings: Settings, revision: str = "head") -> None:
    """Brings a service's database to a revision. Blocking: call it in a thread from async code."""
    command.upgrade(alembic_config(service, settings.database_url(service)), revision)


def current_revision(service: ServiceName, settings: Settings) -> str | None:
    """The revision a service's database is at, or None before the first migration."""

    async def read() -> str | None:
        from alembic.runtime.migration import MigrationContext

        engine = create_engine(settings.database_url(service))
        try:
            async with engine.connect() as connection:

                def revision(sync_connection: Connection) -> str | None:
                    options = {"version_table": version_table(service)}
                    migration = MigrationContext.configure(sync_connection, opts=options)
                    return migration.get_current_revision()

                return await connection.run_sync(revision)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def run_environment(target_metadata: MetaData | None) -> None:
    """The body of every service's migrations/env.py: runs online against the async engine."""
    config = context.config
    service: ServiceName = config.attributes["service"]
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None

    def migrate(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=version_table(service),
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(migrate)
        finally:
            await engine.dispose()

    asyncio.run(run())


def head_revision(service: ServiceName) -> str:
    """The newest revision of a service's migration history."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(service, "sqlite://"))
    head = script.get_current_head()
    assert head is not None
    return head
