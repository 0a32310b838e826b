"""What every domain's jobs share: batches in their own transactions, and core's own jobs.

The registry of every domain's blueprint is `nexa/jobs.py`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import procrastinate
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock, idempotency
from nexa.core.db import unit_of_work

log = structlog.get_logger("nexa.jobs")

# one batch of a time-based job: returns how many rows it changed (0 = nothing left)
BatchWork = Callable[[AsyncSession, datetime], Awaitable[int]]


async def run_in_batches(name: str, work: BatchWork, max_batches: int = 1000) -> int:
    """Run `work` one transaction per batch until it reports nothing left to do."""
    total = 0
    for _ in range(max_batches):
        async with unit_of_work() as db:
            changed = await work(db, clock.now())
        total += changed
        if changed <= 0:
            break
    log.info("job_done", job=name, changed=total)
    return total


blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="17 * * * *")
@blueprint.task(name="purge_idempotency_keys", queueing_lock="purge_idempotency_keys")
async def purge_idempotency_keys(timestamp: int) -> int:
    """Forget Idempotency-Keys past their time to live (hourly)."""
    return await run_in_batches(
        "purge_idempotency_keys", lambda db, _now: idempotency.purge_expired(db)
    )
