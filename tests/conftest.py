"""Test harness: a real PostgreSQL, schema from migrations, one rolled-back transaction per test."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from tests.database import drop_database, recreate_database, server_url

_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_SERVER_URL = server_url()
# unique per run, so that several test runs can share one server at once
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
_DATABASE = f"nexa_test_{_RUN}_{_WORKER}"
TEST_DATABASE_URL = recreate_database(_SERVER_URL, _DATABASE)


def _drop_at_exit() -> None:
    """Also in the xdist controller, which creates its database but runs no session fixture."""
    with contextlib.suppress(Exception):  # the server may be gone already: nothing to drop
        drop_database(_SERVER_URL, _DATABASE)


atexit.register(_drop_at_exit)

# settings are read once per process: fix them before nexa is imported
os.environ.update(
    {
        "DATABASE_URL": TEST_DATABASE_URL,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256-0123456789",
        "ENVIRONMENT": "test",
        "NEXA_DATA_DIR": tempfile.mkdtemp(prefix="nexa-test-"),
        "NEXA_LOGIN_RATE_LIMIT": "1000/minute",
        # one client address sends every test's requests: limits far above any test's pace
        "NEXA_LOGIN_ADDRESS_RATE_LIMIT": "100000/minute",
        "NEXA_REGISTER_RATE_LIMIT": "100000/minute",
        "NEXA_REGISTER_ADDRESS_RATE_LIMIT": "100000/minute",
        "NEXA_OTP_ADDRESS_RATE_LIMIT": "100000/minute",
        "NEXA_PAYMENT_RATE_LIMIT": "100000/minute",
        "NEXA_GLOBAL_RATE_LIMIT": "1000000/minute",
        "NEXA_LOG_JSON": "false",
        "NEXA_LOG_LEVEL": "WARNING",
        "NEXA_REFRESH_ROTATION": "false",
    }
)
os.environ.pop("REDIS_URL", None)

import httpx  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession  # noqa: E402

from nexa.core import clock  # noqa: E402
from nexa.core.db import dispose_engine, get_engine, get_session, transaction_scope  # noqa: E402
from nexa.core.invalidation import listener  # noqa: E402
from nexa.core.migrate import upgrade_to_head  # noqa: E402
from nexa.main import create_app  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def migrated_database() -> Iterator[str]:
    upgrade_to_head(TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    yield TEST_DATABASE_URL
    drop_database(_SERVER_URL, _DATABASE)


@pytest.fixture(scope="session", autouse=True)
async def _engine_lifecycle(migrated_database: str) -> AsyncIterator[None]:
    # the caches answer only once their invalidation listener is connected: start it now,
    # so every test sees the caches as production does
    listener.ensure_started()
    await asyncio.wait_for(listener.ready.wait(), timeout=10)
    yield
    await listener.stop()
    await dispose_engine()


@pytest.fixture(autouse=True)
def _real_time() -> Iterator[None]:
    """Each test starts at real time (a test may move the clock), the offset cache empty."""
    clock.set_offset(clock.timedelta(0))
    clock.forget_cached_offset()
    yield
    clock.set_offset(clock.timedelta(0))
    clock.forget_cached_offset()


_CLOCK_WRITE = re.compile(r"\s*(UPDATE|INSERT INTO|DELETE FROM)\s+test_clock\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _no_cached_offset_once_a_test_moves_its_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """A clock written in a test's transaction (`POST /admin/test-clock` through `client`,
    `UPDATE test_clock`) is never committed nor announced, and every other connection (a job
    woken on this loop) still reads the old offset and would cache it: from such a write on,
    the test runs without the offset cache (every refresh reads its transaction's row)."""

    def switch_off(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if _CLOCK_WRITE.match(statement):
            monkeypatch.setattr(clock.offset_cache, "max_entries", 0)
            clock.forget_cached_offset()

    event.listen(Engine, "after_cursor_execute", switch_off)
    yield
    event.remove(Engine, "after_cursor_execute", switch_off)


@pytest.fixture
async def db() -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    async with get_engine().connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture(scope="session")
def app() -> FastAPI:
    return create_app()


class _OpenSavepoint:
    """The savepoint a request is in when it ends (a checkout may have moved to a new one)."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def commit(self) -> None:
        savepoint = self.db.get_nested_transaction()
        if savepoint is not None:
            await savepoint.commit()

    async def rollback(self) -> None:
        savepoint = self.db.get_nested_transaction()
        if savepoint is not None:
            await savepoint.rollback()


@pytest.fixture
async def client(app: FastAPI, db: AsyncSession) -> AsyncIterator[httpx.AsyncClient]:
    """An API client whose requests run inside the test's transaction."""

    async def test_session() -> AsyncIterator[AsyncSession]:
        # each request in a savepoint: a failing request undoes its own writes only. A
        # checkout ends its steps with `commit_step`, which releases the savepoint and opens
        # the next: the request's end settles whichever savepoint is open then.
        await db.begin_nested()
        async with transaction_scope(_OpenSavepoint(db)):
            await clock.refresh(db)
            yield db

    app.dependency_overrides[get_session] = test_session
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    app.dependency_overrides.pop(get_session, None)


@pytest.fixture
async def committing_client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An API client whose requests really commit (for races); the test cleans up."""
    app.dependency_overrides.pop(get_session, None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
