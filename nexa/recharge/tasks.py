"""Prepaid lifecycle jobs. Each unit of work is its own transaction; all are idempotent."""

from __future__ import annotations

import procrastinate

from nexa.core.jobs import run_in_batches
from nexa.recharge import lifecycle

blueprint = procrastinate.Blueprint()


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
