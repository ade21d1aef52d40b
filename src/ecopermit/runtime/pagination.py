"""Keyset pagination (AIP-158) for every list RPC: pages in (create_time, id) order, stable under
concurrent inserts, with page tokens bound to the filters (sealed at the edge by
runtime.grpc.page_tokens)."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import tuple_
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from ecopermit.domain.errors import FieldViolation, InvalidArgumentError

DEFAULT_PAGE_SIZE = 50


def page_size(requested: int) -> int:
    """The page size to use: the request's (already bounded by the contract) or the default."""
    return requested or DEFAULT_PAGE_SIZE


@dataclass(frozen=True)
class Cursor:
    """The last row of a page: the next page starts after (its ordering time, id)."""

    create_time: datetime  # or whichever time column the pages are ordered by
    id: str


def _fingerprint(filters: object) -> str:
    return hashlib.sha256(repr(filters).encode()).hexdigest()[:16]


def encode(cursor: Cursor, filters: object) -> str:
    """A token for the page after cursor; it is only valid with the same filters."""
    payload = {"t": cursor.create_time.isoformat(), "i": cursor.id, "f": _fingerprint(filters)}
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def decode(token: str, filters: object) -> Cursor | None:
    """The cursor of a token from encode(), None for the first page.

    Raises InvalidArgumentError for a token that is malformed or came with other filters.
    """
    if not token:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        cursor = Cursor(datetime.fromisoformat(payload["t"]), str(payload["i"]))
        fingerprint = payload["f"]
    except (ValueError, KeyError, TypeError) as error:
        raise _invalid("is not a token this server issued") from error
    if fingerprint != _fingerprint(filters):
        raise _invalid("was issued for other filters; keep the filters while paging")
    return cursor


def _invalid(problem: str) -> InvalidArgumentError:
    return InvalidArgumentError([FieldViolation("page_token", f"page_token {problem}")])


class Keyed(Protocol):
    """A row that pages by when it was created, ties broken by its id."""

    create_time: datetime
    id: Any


Row = TypeVar("Row", bound=Keyed)


async def keyset_page(
    session: AsyncSession,
    query: SelectOfScalar[Row],
    table: type[Row],
    page_size: int,
    page_token: str,
    filters: object,
    order_by: str = "create_time",
) -> tuple[list[Row], str]:
    """One page of the query's rows after the token's cursor, and the token of the next page
    ("" on the last). The query carries the filters; `filters` binds the token to them (and to
    the order, which they must name when it is not create_time). Pages are ordered by the
    order_by time column, earliest first, ties broken by id."""
    cursor = decode(page_token, filters)
    ordered, identity = col(getattr(table, order_by)), col(table.id)
    if cursor is not None:
        query = query.where(tuple_(ordered, identity) > tuple_(cursor.create_time, cursor.id))
    query = query.order_by(ordered, identity).limit(page_size + 1)
    rows = list((await session.exec(query)).all())
    if len(rows) <= page_size:
        return rows, ""
    last = rows[page_size - 1]
    return rows[:page_size], encode(Cursor(getattr(last, order_by), str(last.id)), filters)
