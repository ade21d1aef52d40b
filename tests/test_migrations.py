"""Each service's Alembic history applies to a SQLite file and to PostgreSQL alike."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy import text

from ecopermit.runtime import migrations
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.settings import ServiceName, Settings

POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def postgres_settings(settings: Settings) -> Iterator[Settings]:
    """Settings whose three databases are one fresh PostgreSQL database, dropped afterwards."""
    name = f"ecopermit_{uuid.uuid4().hex[:12]}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    yield settings.model_copy(update={f"{s.value}_database_url": url for s in ServiceName})
    asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.mark.parametrize("service", list(ServiceName))
def test_sqlite_migrates_to_head_once(settings: Settings, service: ServiceName) -> None:
    assert migrations.current_revision(service, settings) is None
    migrations.upgrade(service, settings)
    assert migrations.current_revision(service, settings) == f"{service.value}_0001"
    assert (settings.data_dir / f"{service.value}.db").exists()
    migrations.upgrade(service, settings)  # a second run is a no-op, not an error
    assert migrations.current_revision(service, settings) == f"{service.value}_0001"


@pytest.mark.postgres
def test_services_sharing_one_postgres_database_keep_separate_histories(
    postgres_settings: Settings,
) -> None:
    for service in ServiceName:
        migrations.upgrade(service, postgres_settings)
    for service in ServiceName:
        assert migrations.current_revision(service, postgres_settings) == f"{service.value}_0001"


async def test_sessions_commit_to_a_sqlite_file_with_wal(settings: Settings) -> None:
    engine = create_engine(settings.database_url(ServiceName.APPLICANTS))
    try:
        sessions = session_factory(engine)
        async with sessions() as session:
            await session.exec(text("CREATE TABLE probe (id INTEGER PRIMARY KEY)"))  # type: ignore[call-overload]
            await session.exec(text("INSERT INTO probe (id) VALUES (1)"))  # type: ignore[call-overload]
            await session.commit()
        async with sessions() as session:
            mode = (await session.exec(text("PRAGMA journal_mode"))).one()  # type: ignore[call-overload]
            rows = (await session.exec(text("SELECT count(*) FROM probe"))).one()  # type: ignore[call-overload]
        assert mode[0] == "wal"
        assert rows[0] == 1
    finally:
        await engine.dispose()
