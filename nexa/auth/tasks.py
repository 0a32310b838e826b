"""Periodic clean-up of ended login sessions."""

from __future__ import annotations

import procrastinate

from nexa.auth import service
from nexa.core.jobs import run_in_batches

blueprint = procrastinate.Blueprint()


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(
    name="purge_stale_sessions", queueing_lock="purge_stale_sessions", pass_context=False
)
async def purge_stale_sessions(timestamp: int) -> int:
    """Delete expired and long-revoked sessions in batches, one transaction per batch."""
    return await run_in_batches(
        "purge_stale_sessions", lambda db, _now: service.purge_stale_sessions(db)
    )
