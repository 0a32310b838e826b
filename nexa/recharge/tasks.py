"""Prepaid lifecycle jobs. Each unit of work is its own transaction; all are idempotent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import procrastinate
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock, idempotency
from nexa.core.db import get_sessionmaker
from nexa.recharge import lifecycle

blueprint = procrastinate.Blueprint()
log = structlog.get_logger("nexa.recharge.tasks")


async def run_in_batches(
    name: str, work: Callable[[AsyncSession, datetime], Awaitable[int]], max_batches: int = 1000
) -> int:
    """Run `work` one transaction per batch until it reports nothing left to do."""
    total = 0
    for _ in range(max_batches):
        async with get_sessionmaker()() as db, db.begin():
            await clock.refresh(db)
            changed = await work(db, clock.now())
        total += changed
        if changed <= 0:
            break
    log.info("job_done", job=name, changed=total)
    return total


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="subscription_lifecycle", queueing_lock="subscription_lifecycle")
async def subscription_lifecycle(timestamp: int) -> int:
    """Expire ended plans and top-ups; start queued successors (every minute)."""
    return await run_in_batches("subscription_lifecycle", lifecycle.settle_due_lines)


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(name="expiry_reminders", queueing_lock="expiry_reminders")
async def expiry_reminders(timestamp: int) -> int:
    return await run_in_batches("expiry_reminders", lifecycle.send_expiry_reminders, 1)


@blueprint.periodic(cron="*/5 * * * *")
@blueprint.task(name="daily_usage_reset", queueing_lock="daily_usage_reset")
async def daily_usage_reset(timestamp: int) -> int:
    """Restart daily counters after the operator's midnight (checked every 5 minutes)."""
    return await run_in_batches("daily_usage_reset", lifecycle.reset_daily_usage)


@blueprint.periodic(cron="17 * * * *")
@blueprint.task(name="purge_idempotency_keys", queueing_lock="purge_idempotency_keys")
async def purge_idempotency_keys(timestamp: int) -> int:
    return await run_in_batches(
        "purge_idempotency_keys", lambda db, _now: idempotency.purge_expired(db)
    )
