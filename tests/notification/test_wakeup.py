"""The delivery job is woken by commits that wrote rows to send, and only by those."""

from __future__ import annotations

import asyncio

from sqlalchemy import delete, func, select, text

from nexa.core.db import get_sessionmaker
from nexa.models import Notification, NotificationType
from nexa.notification import service
from nexa.notification.service import Alert
from nexa.notification.wakeup import DELIVERY_LOCK
from tests.cleanup import committed_customer_and_plan, purge

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


def alert(customer_id: int, text_: str) -> Alert:
    return Alert(customer_id, NotificationType.promotional, "Hello", text_)


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
        await clear_queue()
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(
                delete(Notification).where(Notification.customer_id == setup.customer_id)
            )
        await purge(
            customer_ids=[setup.customer_id],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )
