"""Each service's Alembic history applies to a SQLite file and to PostgreSQL alike."""

from __future__ import annotations

import asyncio

import pytest
from alembic import command
from sqlalchemy import text

from ecopermit.runtime import migrations
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.type.v1 import kazakhstan_pb2 as kz


@pytest.mark.parametrize("service", list(ServiceName))
def test_each_service_migrates_to_head_once(settings: Settings, service: ServiceName) -> None:
    assert migrations.current_revision(service, settings) is None
    migrations.upgrade(service, settings)
    head = migrations.head_revision(service)
    assert head.startswith(f"{service.value}_")
    assert migrations.current_revision(service, settings) == head
    migrations.upgrade(service, settings)  # a second run is a no-op, not an error
    assert migrations.current_revision(service, settings) == head


@pytest.mark.postgres
def test_services_sharing_one_postgres_database_keep_separate_histories(
    settings: Settings, fresh_postgres_url: str
) -> None:
    shared = settings.model_copy(
        update={f"{s.value}_database_url": fresh_postgres_url for s in ServiceName}
    )
    for service in ServiceName:
        migrations.upgrade(service, shared)
    for service in ServiceName:
        assert migrations.current_revision(service, shared) == migrations.head_revision(service)


async def test_sessions_commit_to_a_sqlite_file_with_wal(settings: Settings) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{settings.data_dir.resolve()}/probe.db")
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


@pytest.mark.parametrize("service", list(ServiceName))
def test_the_migrations_create_exactly_the_tables_the_models_declare(
    settings: Settings, service: ServiceName
) -> None:
    migrations.upgrade(service, settings)
    # Raises when autogenerate would find a difference between the models and the database.
    command.check(migrations.alembic_config(service, settings.database_url(service)))


async def test_applications_stored_before_the_region_column_get_their_facilitys_region(
    settings: Settings,
) -> None:
    await asyncio.to_thread(migrations.upgrade, ServiceName.APPLICANTS, settings, "applicants_0004")
    engine = create_engine(settings.database_url(ServiceName.APPLICANTS))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO enterprises (bin, display_name, region, sector, registered_by,"
                    " create_time) VALUES ('990340000123', 'P', 1, 1, 'a', '2026-01-01')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO applications (id, enterprise_bin, request_id, sector, stage,"
                    " content, progress, rules_version, last_sequence, permit_id, submitted_by,"
                    " create_time, update_time) VALUES ('a-1', '990340000123', 'r', 1, 1, :content,"
                    " '{}', '', 0, '', 'a', '2026-01-01', '2026-01-01')"
                ),
                {"content": '{"facility": {"display_name": "CHP-2", "region": "REGION_ABAI"}}'},
            )
        await asyncio.to_thread(migrations.upgrade, ServiceName.APPLICANTS, settings)
        async with engine.connect() as connection:
            region = (await connection.execute(text("SELECT region FROM applications"))).scalar()
        assert region == kz.REGION_ABAI
    finally:
        await engine.dispose()
