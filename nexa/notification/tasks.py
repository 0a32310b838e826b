"""Notification jobs: delivery (with retries), broadcast fan-out."""

from __future__ import annotations

import contextlib

import procrastinate
import structlog

from nexa.core.db import unit_of_work
from nexa.core.jobs import run_in_batches
from nexa.notification import service

blueprint = procrastinate.Blueprint()
log = structlog.get_logger("nexa.notification.tasks")
MAX_PER_RUN = 10_000


async def deliver_due() -> int:
    """Send every SMS/push row that is due, one transaction each; returns how many were tried."""
    tried = 0
    while tried < MAX_PER_RUN:
        async with unit_of_work() as db:
            if not await service.deliver_next(db):
                break
        tried += 1
    return tried


@blueprint.task(name="deliver_notifications", queueing_lock="deliver_notifications")
async def deliver_notifications() -> int:
    """Queued with every new SMS/push row; schedules itself again for pending retries."""
    tried = await deliver_due()
    async with unit_of_work() as db:
        retry_at = await service.next_retry_at(db)
    if retry_at is not None:
        # (another run may already be waiting: then it will take the retries)
        with contextlib.suppress(procrastinate.exceptions.AlreadyEnqueued):
            await deliver_notifications.configure(schedule_at=retry_at).defer_async()
    log.info("notifications_delivered", tried=tried)
    return tried


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="deliver_notifications_sweep", queueing_lock="deliver_notifications_sweep")
async def deliver_notifications_sweep(timestamp: int) -> int:
    """A safety net every minute: anything due that no queued job took."""
    return await deliver_due()


@blueprint.task(name="fan_out_broadcast")
async def fan_out_broadcast(broadcast_id: int) -> int:
    """Write an admin broadcast's rows in batches, one transaction per batch."""
    return await run_in_batches(
        f"fan_out_broadcast:{broadcast_id}",
        lambda db, _now: service.fan_out_broadcast(db, broadcast_id),
        max_batches=1_000_000,
    )


@blueprint.periodic(cron="17 * * * *")
@blueprint.task(name="purge_priority_sms", queueing_lock="purge_priority_sms")
async def purge_priority_sms(timestamp: int) -> int:
    """Delete priority SMS (one-time codes) written more than a day ago, in batches."""
    return await run_in_batches("purge_priority_sms", service.purge_priority_sms)
