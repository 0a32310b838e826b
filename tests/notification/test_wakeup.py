"""The delivery job is woken by commits that wrote rows to send, and only by those."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text

from nexa.core.db import get_sessionmaker
from nexa.models import Notification, NotificationType
from nexa.notification import service, wakeup
from nexa.notification.service import Alert
from nexa.notification.wakeup import DELIVERY_LOCK
from tests.cleanup import CommittedSetup, committed_customer_and_plan, purge

QUEUED = text(
    "SELECT count(*) FROM procrastinate_jobs WHERE queueing_lock = :lock AND status = 'todo'"
)


async def queued_jobs() -> int:
    async with get_sessionmaker()() as db:
        return int((await db.execute(QUEUED, {"lock": DELIVERY_LOCK})).scalar_one())


async def clear_queue() -> None:
    async with get_sessionmaker()() as db, db.begin():
        await db.execute(
            text("DELETE FROM procrastinate_jobs WHERE queueing_lock = :lock"),
            {"lock": DELIVERY_LOCK},
        )


async def clean_up(setup: CommittedSetup) -> None:
    await clear_queue()
    async with get_sessionmaker()() as db, db.begin():
        await db.execute(delete(Notification).where(Notification.customer_id == setup.customer_id))
    await purge(
        customer_ids=[setup.customer_id],
        plan_ids=[setup.plan_id],
        category_ids=[setup.category_id],
    )


def alert(customer_id: int, text_: str) -> Alert:
    return Alert(customer_id, NotificationType.promotional, "Hello", text_)


async def test_commits_close_together_share_wake_ups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commits a few milliseconds apart are not each a wake-up: after one, those within
    COALESCE_SECONDS share the next (at most one per window, plus the first)."""
    woken: list[str] = []
    real_defer = wakeup.defer_alone

    async def counted(task_name: str, **options: Any) -> bool:
        woken.append(task_name)
        return await real_defer(task_name, **options)

    monkeypatch.setattr(wakeup, "defer_alone", counted)
    setup = await committed_customer_and_plan()
    commits = 12
    try:
        await clear_queue()
        started = time.monotonic()
        for n in range(commits):  # one every 5 ms or so
            async with get_sessionmaker()() as db, db.begin():
                await service.notify(db, alert(setup.customer_id, f"burst {n}"))
            await asyncio.sleep(0.005)
        elapsed = time.monotonic() - started
        await asyncio.sleep(3 * wakeup.COALESCE_SECONDS)
        windows = 2 + int(elapsed / wakeup.COALESCE_SECONDS)
        assert woken and len(woken) <= min(windows, commits - 1), (len(woken), elapsed)
        assert await queued_jobs() == 1
    finally:
        await clean_up(setup)


async def test_a_commit_with_sms_rows_queues_one_delivery_job_a_rollback_none() -> None:
    setup = await committed_customer_and_plan()
    try:
        await clear_queue()
        async with get_sessionmaker()() as db, db.begin():
            await service.notify(db, alert(setup.customer_id, "rolled back"))
            await db.rollback()
        await asyncio.sleep(0.2)
        assert await queued_jobs() == 0

        for n in range(5):  # five commits close together share one waiting job
            async with get_sessionmaker()() as db, db.begin():
                await service.notify(db, alert(setup.customer_id, f"sent {n}"))
        for _ in range(100):
            if await queued_jobs():
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.1)
        assert await queued_jobs() == 1
        async with get_sessionmaker()() as db:
            written = await db.execute(
                select(func.count()).where(Notification.customer_id == setup.customer_id)
            )
            assert written.scalar_one() == 5
    finally:
        await clean_up(setup)
