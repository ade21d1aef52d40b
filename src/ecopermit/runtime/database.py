"""Database engine and session factory: a SQLite file by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from opentelemetry import metrics, trace
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from sqlalchemy import DateTime, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSessionTransaction,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from ecopermit.domain.errors import RateLimitedError

# Several writers (service + migration or a second replica) share one SQLite file in the
# embedded default; waiting beats failing with "database is locked".
_SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine, traced; SQLite files get WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_async_engine(url, echo=echo, pool_pre_ping=True)
    else:
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo)
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin)
    _trace(engine)
    return engine


def _trace(engine: AsyncEngine) -> None:
    """Spans for every statement, with its placeholders, never the bound values.

    The instrumentor's own instrument() serves one engine per process; each service and test
    creates its own, so each gets its tracer here.
    """
    usage = metrics.get_meter(__name__).create_up_down_counter(
        "db.client.connections.usage", unit="connections"
    )
    EngineTracer(trace.get_tracer(__name__), engine.sync_engine, usage)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    # Transactions are begun by _begin, not by the driver.
    dbapi_connection.isolation_level = None


# The execution option that marks a session.begin() transaction as one that writes.
_WRITE_TRANSACTION = "ecopermit_write_transaction"


def _begin(connection: Any) -> None:
    """BEGIN IMMEDIATE for a write transaction (`session.begin()`): it takes SQLite's write lock
    when it starts, waiting for it up to the busy timeout. A deferred one that reads and then
    writes fails at once with "database is locked" when another writer committed in between
    (its snapshot is stale, and SQLite does not wait then); concurrent signed submissions hit
    it. Reads stay deferred: they never hold the write lock."""
    immediate = connection.get_execution_options().get(_WRITE_TRANSACTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class _WriteTransaction(AsyncSessionTransaction):
    async def __aenter__(self) -> AsyncSessionTransaction:
        entered = await super().__aenter__()
        # Before any statement, so the connection begins with the option set (BEGIN
        # IMMEDIATE on SQLite; PostgreSQL ignores it).
        await self.session.connection(execution_options={_WRITE_TRANSACTION: True})
        return entered


class _Session(AsyncSession):
    def begin(self) -> AsyncSessionTransaction:
        return _WriteTransaction(self)


# How long a request may queue behind others of its key (one_at_a_time), and PostgreSQL's
# SQLSTATE for a lock wait that ran out.
_QUEUE_WAIT_MS = 5000
_LOCK_NOT_AVAILABLE = "55P03"
# Transaction-scoped advisory locks, named by a text key: waited for, or only tried.
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")
_TRY_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtextextended(:key, 0))")


async def one_at_a_time(session: AsyncSession, key: str) -> None:
    """Makes the rest of this write transaction wait for any other holding the same key, so a
    count and the insert it allows cannot interleave (a per-author rate limit). PostgreSQL:
    a transaction-scoped advisory lock. SQLite: nothing to do, since a write transaction holds
    the database's write lock from its BEGIN IMMEDIATE on."""
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return
    # Waiting holds a pooled connection: a crowd of one key's requests must not hold them all.
    await connection.execute(text(f"SET LOCAL lock_timeout = '{_QUEUE_WAIT_MS}ms'"))
    try:
        await connection.execute(_LOCK, {"key": key})
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
            raise
        raise RateLimitedError("too many requests of this kind at once; try again") from None


async def alone_if_free(connection: AsyncConnection, key: str) -> bool:
    """one_at_a_time's lock, only tried: whether this transaction now holds `key`, which no
    other does until it ends. SQLite: always (its embedded default runs one replica)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool((await connection.execute(_TRY_LOCK, {"key": key})).scalar())


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit, as async code needs.

    Their synchronous Session class is their own, so that a listener to session events (the
    outbox doorbell) hears this factory's sessions only, not every database's in the process.
    """
    own_class = type("FactorySession", (Session,), {})
    return async_sessionmaker(
        engine, class_=_Session, sync_session_class=own_class, expire_on_commit=False
    )


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in Python, naive UTC in every database, so ordering is the same."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; use utc_now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


def is_unique_violation(error: IntegrityError) -> bool:
    """True when an insert lost a race on a unique key (SQLite and PostgreSQL)."""
    message = str(error.orig).lower()
    return "unique" in message or "duplicate key" in message


Row = TypeVar("Row")


async def rows_by_owner(
    session: AsyncSession, query: SelectOfScalar[Row], owner: str, owners: Sequence[str]
) -> dict[str, list[Row]]:
    """The rows a query finds, grouped by the owner their `owner` column names, in the query's
    order; every owner gets a list (empty when it owns none). One query for a page of owners
    instead of one per owner."""
    grouped: dict[str, list[Row]] = {key: [] for key in owners}
    for row in (await session.exec(query)).all():
        grouped[getattr(row, owner)].append(row)
    return grouped
