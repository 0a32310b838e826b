"""Backup jobs: writing a backup, running a restore, and the schedule's tick."""

from __future__ import annotations

import procrastinate
import structlog

from nexa.backup import runner, service
from nexa.core import clock
from nexa.core.db import unit_of_work

blueprint = procrastinate.Blueprint()
log = structlog.get_logger("nexa.backup.tasks")


@blueprint.task(name="run_backup")
async def run_backup(backup_id: int) -> str | None:
    status = await runner.run_backup_job(backup_id)
    return status.value if status else None


@blueprint.task(name="run_restore")
async def run_restore(restore_id: int) -> str | None:
    status = await runner.run_restore_job(restore_id)
    return status.value if status else None


async def tick() -> int:
    """Queue the scheduled backup if one is due (at most one per due time)."""
    async with unit_of_work() as db:
        return await service.claim_due_backup(db, clock.now())


@blueprint.periodic(cron="* * * * *")
@blueprint.task(name="scheduled_backups", queueing_lock="scheduled_backups")
async def scheduled_backups(timestamp: int) -> int:
    """Every minute: is the persisted schedule due? (Procrastinate defers each minute's tick
    once across all workers; the schedule row lock makes a repeated tick harmless.)"""
    return await tick()
