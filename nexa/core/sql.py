"""SQL sent straight through the session's own psycopg connection, for the hottest paths.

The statements run in the session's transaction (savepoints included), like any other;
they only skip SQLAlchemy's statement building, caching and result wrapping, which cost
more than the database work for short statements (see bench/README.md). Pending ORM
changes are flushed first, so reads see them. Rows come back as named tuples; enum
columns as their string values. Parameters use psycopg's `%(name)s` style.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, LiteralString

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy.ext.asyncio import AsyncSession

Params = Mapping[str, Any] | None


_DRIVER = "nexa.driver_connection"


async def _connection(db: AsyncSession) -> psycopg.AsyncConnection[Any]:
    if db.new or db.dirty or db.deleted:
        await db.flush()
    # one lookup per transaction: the connection stays the same until it ends
    transaction = db.sync_session.get_transaction()
    cached = db.info.get(_DRIVER)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1]
    connection = await db.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    db.info[_DRIVER] = (db.sync_session.get_transaction(), driver)
    return driver  # type: ignore[return-value]


async def fetch_all(db: AsyncSession, query: LiteralString, params: Params = None) -> list[Any]:
    connection = await _connection(db)
    async with connection.cursor(row_factory=namedtuple_row) as cursor:
        await cursor.execute(query, params)
        return await cursor.fetchall()


async def fetch_one(db: AsyncSession, query: LiteralString, params: Params = None) -> Any | None:
    connection = await _connection(db)
    async with connection.cursor(row_factory=namedtuple_row) as cursor:
        await cursor.execute(query, params)
        return await cursor.fetchone()


async def fetch_value(db: AsyncSession, query: LiteralString, params: Params = None) -> Any:
    """The first column of the first row (None when there is no row)."""
    connection = await _connection(db)
    async with connection.cursor() as cursor:
        await cursor.execute(query, params)
        row = await cursor.fetchone()
        return None if row is None else row[0]


async def execute(db: AsyncSession, query: LiteralString, params: Params = None) -> int:
    """Run a statement; returns the number of rows it changed."""
    connection = await _connection(db)
    async with connection.cursor() as cursor:
        await cursor.execute(query, params)
        return cursor.rowcount


async def commit_in_place(db: AsyncSession) -> None:
    """Commit the session's transaction on its connection, without waiting for the flush to
    disk, and keep the connection, in the next transaction (see core.db.commit_step for
    when this is right)."""
    connection = await _connection(db)
    if connection.isolation_level in (None, psycopg.IsolationLevel.READ_COMMITTED):
        # one round trip for the commit and the next BEGIN (the simple query protocol takes
        # all three): psycopg sends its own BEGIN only when no transaction is open
        await connection.execute("SET LOCAL synchronous_commit TO OFF; COMMIT; BEGIN")
    else:  # the driver begins the next one with the isolation level asked for
        await connection.execute("SET LOCAL synchronous_commit TO OFF; COMMIT")
