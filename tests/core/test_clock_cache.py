"""The test clock's offset is cached per API process and kept exact by LISTEN/NOTIFY."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.db import dispose_engine, get_sessionmaker, unit_of_work
from nexa.core.invalidation import listener
from tests.cleanup import committed_customer_and_plan, purge
from tests.core.test_invalidation import commit_elsewhere, eventually
from tests.helpers import bearer, login_customer

CLOCK_ID = 1


@contextmanager
def clock_reads() -> Iterator[list[str]]:
    """The statements reading `test_clock` that any engine of this process runs meanwhile."""
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM test_clock" in statement:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def set_clock_elsewhere(seconds: int) -> None:
    await commit_elsewhere("UPDATE test_clock SET offset_seconds = %s WHERE clock_id = 1", seconds)


@pytest.fixture
def development(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "environment", "development")


@pytest.fixture
async def customer_headers(
    committing_client: httpx.AsyncClient, development: None
) -> AsyncIterator[dict[str, str]]:
    setup = await committed_customer_and_plan()
    try:
        login = await login_customer(committing_client, setup.phone_number)
        yield bearer(login["access_token"])
    finally:
        await purge(
            customer_ids=[setup.customer_id],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )


async def test_development_requests_do_not_query_the_clock_while_the_listener_is_up(
    committing_client: httpx.AsyncClient, customer_headers: dict[str, str]
) -> None:
    assert listener.trusted_here()
    first = await committing_client.get("/customer/plans", headers=customer_headers)
    assert first.status_code == 200  # fills the cache (if the login did not already)
    with clock_reads() as reads:
        for _ in range(20):
            response = await committing_client.get("/customer/plans", headers=customer_headers)
            assert response.status_code == 200
    assert reads == []


async def test_a_clock_moved_by_another_process_reaches_the_next_request(
    committing_client: httpx.AsyncClient, customer_headers: dict[str, str]
) -> None:
    assert (await committing_client.get("/customer/plans", headers=customer_headers)).is_success
    assert clock.offset_cache.get(CLOCK_ID) == timedelta(0)
    try:
        await set_clock_elsewhere(3600)

        async def moved() -> bool:
            await committing_client.get("/customer/plans", headers=customer_headers)
            return clock.offset() == timedelta(hours=1)

        assert await eventually(moved)
        assert clock.offset_cache.get(CLOCK_ID) == timedelta(hours=1)
    finally:
        await set_clock_elsewhere(0)


async def test_every_refresh_reads_the_database_while_the_listener_is_cut_off(
    db: AsyncSession,
) -> None:
    await clock.refresh(db)
    assert clock.offset_cache.get(CLOCK_ID) is not None
    await commit_elsewhere(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
    )

    async def cut_off() -> bool:
        return not listener.trusted_here()

    assert await eventually(cut_off)
    # (the listener waits a second before reconnecting)
    with clock_reads() as reads:
        await clock.refresh(db)
        await clock.refresh(db)
    assert len(reads) == 2
    assert clock.offset_cache.get(CLOCK_ID) is None

    async def reconnected() -> bool:
        return listener.trusted_here()

    assert await eventually(reconnected, seconds=10)
    with clock_reads() as reads:
        await clock.refresh(db)
        await clock.refresh(db)
    assert len(reads) == 1  # cached again


class OvertakenRead:
    """A session whose read of the clock is overtaken: before the reader stores what it
    read, another process commits a new offset and its NOTIFY arrives here."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        result = await self.db.execute(*args, **kwargs)  # (buffered: read now)
        before = clock.offset_cache.generation()
        await set_clock_elsewhere(7200)

        async def announced() -> bool:
            return clock.offset_cache.generation() != before

        assert await eventually(announced)
        return result


async def test_an_offset_read_before_a_move_is_not_kept_after_its_announcement(
    db: AsyncSession,
) -> None:
    try:
        await clock.refresh(cast(AsyncSession, OvertakenRead(db)))
        assert clock.offset() == timedelta(0)  # what that request read, and used
        assert clock.offset_cache.get(CLOCK_ID) is None  # but did not keep
        await clock.refresh(db)
        assert clock.offset() == timedelta(hours=2)
    finally:
        await set_clock_elsewhere(0)


async def test_the_moving_process_forgets_the_offset_now_and_at_commit(db: AsyncSession) -> None:
    async with get_sessionmaker()() as mover, mover.begin():
        clock.offset_changed(mover)
        assert clock.offset_cache.get(CLOCK_ID) is None
        await clock.refresh(db)  # a request reading the old offset before the move commits
        assert clock.offset_cache.get(CLOCK_ID) is not None
    assert clock.offset_cache.get(CLOCK_ID) is None  # dropped at commit, before any NOTIFY


def run_jobs_on_their_own_loop(count: int) -> list[timedelta]:
    """Jobs as the in-process worker of `nexa serve` runs them: a thread, its own loop."""

    async def jobs() -> list[timedelta]:
        offsets = []
        try:
            for _ in range(count):
                async with unit_of_work():
                    offsets.append(clock.offset())
        finally:
            await dispose_engine()
        return offsets

    return asyncio.run(jobs())


async def test_jobs_on_the_worker_loop_read_the_database_and_leave_the_listener_alone(
    db: AsyncSession,
) -> None:
    await clock.refresh(db)
    assert listener.trusted_here() and clock.offset_cache.get(CLOCK_ID) is not None
    with clock_reads() as reads:
        offsets = await asyncio.to_thread(run_jobs_on_their_own_loop, 3)
    assert offsets == [timedelta(0)] * 3
    assert len(reads) == 3  # the cache answers only on the listener's loop
    assert listener.trusted_here()  # still listening on this loop: not moved to the worker's
    with clock_reads() as reads:
        await clock.refresh(db)
    assert reads == []


async def test_development_recharges_do_not_query_the_clock_either(
    committing_client: httpx.AsyncClient, customer_headers: dict[str, str]
) -> None:
    """The purchase path, its after-commit delivery wake-up included, reads no clock row."""
    plans = (await committing_client.get("/customer/plans", headers=customer_headers)).json()
    body = {"recipient_phone_number": "", "plan_id": plans[0]["plan_id"], "payment_method": "upi"}
    me = (await committing_client.get("/customer/profile", headers=customer_headers)).json()
    body["recipient_phone_number"] = me["phone_number"]
    with clock_reads() as reads:
        for _ in range(3):
            bought = await committing_client.post(
                "/customer/recharge", json=body, headers=customer_headers
            )
            assert bought.status_code == 200, bought.text
        await asyncio.sleep(0.2)  # the delivery wake-ups run after commit
    assert reads == []
