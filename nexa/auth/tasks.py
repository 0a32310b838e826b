"""Periodic clean-up of ended login sessions."""

from __future__ import annotations

import procrastinate
import structlog

from nexa.auth import service
from nexa.core.db import get_sessionmaker

blueprint = procrastinate.Blueprint()
log = structlog.get_logger("nexa.auth.tasks")


@blueprint.periodic(cron="*/15 * * * *")
@blueprint.task(
    name="purge_stale_sessions", queueing_lock="purge_stale_sessions", pass_context=False
)
async def purge_stale_sessions(timestamp: int) -> int:
    """Delete expired and long-revoked sessions in batches, one transaction per batch."""
    deleted = 0
    while True:
        async with get_sessionmaker()() as db, db.begin():
            batch = await service.purge_stale_sessions(db)
        deleted += batch
        if batch == 0:
            break
    log.info("stale_sessions_purged", deleted=deleted)
    return deleted
