"""One home for reading and marking the services' outboxes.

Each service writes what a permit workflow must hear about into its own outbox table, in the
transaction of the change; the relay (services.workflow_relay) reads the undelivered rows in
the order they were written, hands each to Temporal, and only then marks it delivered. The
tables differ in their key (a row number, a task id, an inspection id) and in what a row
becomes; reading and marking are the same for all three, and live here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ecopermit.runtime.database import utc_now


class OutboxRow(Protocol):
    application_id: str
    payload: str
    create_time: datetime
    deliver_time: datetime | None
    attempts: int


Row = TypeVar("Row", bound=OutboxRow)


async def undelivered(
    sessions: async_sessionmaker[AsyncSession], table: type[Row], written_order: Any, limit: int
) -> list[Row]:
    """The first `limit` rows not yet delivered, in the order they were written."""
    async with sessions() as session:
        query = (
            select(table)
            .where(col(table.deliver_time).is_(None))
            .order_by(written_order)
            .limit(limit)
        )
        return list((await session.exec(query)).all())


async def mark_delivered(
    sessions: async_sessionmaker[AsyncSession], table: type[Row], key: object
) -> None:
    """Marks the row delivered (a row already gone is nothing to mark)."""
    async with sessions() as session, session.begin():
        row = await session.get(table, key)
        if row is not None:
            row.deliver_time = utc_now()
            row.attempts += 1
            session.add(row)
