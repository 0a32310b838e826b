"""Backups and restores (docs/decisions.md#backup-scope, #backup-archive, #backup-schedule,
#restore).

* A backup is a row (pending -> running -> completed | failed) and one archive in
  BACKUP_DIR, written by a job from one consistent snapshot (`nexa.backup.snapshot`).
  After each completed backup the newest MAX_BACKUPS are kept (by creation time).
* A restore is a row too. Before anything changes, the archive is checked: readable, same
  schema revision and tables, every member's SHA-256 and row count. Then a safety backup is
  taken, and every business table is replaced in one transaction.
* The schedule is one row; a periodic job claims each due time once (row lock), creates the
  backup row and queues its job in the same transaction.

This module answers the requests (routes, command line, schedule tick); `runner` does the
work of the jobs (writing archives, performing restores).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.backup import schedule as schedule_rules
from nexa.backup.archive import ArchiveReader, InvalidBackup, Manifest, check_compatible
from nexa.backup.errors import (
    BackupBusy,
    BackupInUse,
    BackupNotCompleted,
    BackupNotFound,
    ConfirmationRequired,
    InvalidBackupFile,
    RestoreInProgress,
)
from nexa.backup.repository import (
    RESTORE_LOCK,
    RESTORE_RUN_LOCK,
    BackupRepository,
    backup_run_lock,
)
from nexa.backup.runner import hold_lock, new_backup, perform_restore, remove_file
from nexa.backup.runner import take_backup as take_backup  # `nexa backup` calls it from here
from nexa.backup.schemas import (
    BackupResponse,
    BackupStatsResponse,
    RestoreResponse,
    ScheduleOption,
    ScheduleOptionsResponse,
    ScheduleRequest,
    ScheduleResponse,
    ScheduleStatusResponse,
)
from nexa.backup.snapshot import business_layout, driver, schema_revision, verify_archive
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.db import unit_of_work
from nexa.core.queue import defer_in_transaction
from nexa.models import Admin, Backup, BackupStatus, BackupType, Restore, ScheduleFrequency

log = structlog.get_logger("nexa.backup")

RUN_BACKUP_TASK = "backup:run_backup"
RUN_RESTORE_TASK = "backup:run_restore"
COMMAND_LINE_ADMIN_ID = 0  # admin_id of backups and restores run with `nexa backup/restore`
RECENT = timedelta(days=7)


def _invalid(exc: InvalidBackup) -> InvalidBackupFile:
    return InvalidBackupFile(exc.detail, exc.code)


def backup_response(backup: Backup, message: str | None = None) -> BackupResponse:
    response = BackupResponse.model_validate(backup)
    response.message = message
    return response


def restore_response(restore: Restore, message: str | None = None) -> RestoreResponse:
    response = RestoreResponse.model_validate(restore)
    response.message = message
    return response


# --- backups ------------------------------------------------------------------------------------


async def request_backup(db: AsyncSession, admin: Admin) -> BackupResponse:
    """A manual backup: the row now, the archive by a job (the history shows its status)."""
    backup = await new_backup(
        db, admin_id=admin.admin_id, backup_type=BackupType.manual, trigger="manual"
    )
    await defer_in_transaction(db, RUN_BACKUP_TASK, {"backup_id": backup.backup_id})
    await record_admin_action(
        db,
        admin,
        "backup.create",
        "backup",
        backup.backup_id,
        after={"file_name": backup.file_name},
    )
    return backup_response(
        backup,
        f"Backup {backup.backup_id} queued: a job writes {backup.file_name}; "
        "the backup history shows its status and size",
    )


async def list_backups(
    db: AsyncSession, *, skip: int, limit: int, backup_type: BackupType | None
) -> tuple[list[BackupResponse], int]:
    rows, total = await BackupRepository(db).list_backups(
        skip=skip, limit=limit, backup_type=backup_type
    )
    return [backup_response(row) for row in rows], total


async def delete_backup(db: AsyncSession, admin: Admin, backup_id: int) -> str:
    repo = BackupRepository(db)
    backup = await repo.get_backup(backup_id, for_update=True)
    if backup is None:
        raise BackupNotFound(f"Backup {backup_id} not found")
    if backup.status == BackupStatus.running and not await repo.nobody_holds(
        backup_run_lock(backup_id)
    ):
        raise BackupBusy(f"Backup {backup_id} is being written; delete it once it has finished")
    if await repo.backup_in_use(backup_id):
        raise BackupInUse(f"Backup {backup_id} is being restored")
    await repo.delete_backup(backup_id)
    await record_admin_action(
        db,
        admin,
        "backup.delete",
        "backup",
        backup_id,
        before={"file_name": backup.file_name, "type": backup.type, "status": backup.status},
    )
    remove_file(Path(backup.path))
    return f"Backup {backup_id} ({backup.file_name}) deleted"


async def stats(db: AsyncSession) -> BackupStatsResponse:
    values = await BackupRepository(db).backup_stats(clock.now() - RECENT)
    return BackupStatsResponse(**values)


# --- schedule -----------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


async def set_schedule(db: AsyncSession, admin: Admin, data: ScheduleRequest) -> ScheduleResponse:
    settings = get_settings()
    time_of_day = schedule_rules.parse_time_of_day(data.time_of_day or settings.default_backup_time)
    repo = BackupRepository(db)
    before = await repo.schedule(for_update=True)
    previous = (
        {"frequency": before.frequency, "time_of_day": before.time_of_day.strftime("%H:%M")}
        if before is not None
        else None
    )
    next_run = schedule_rules.next_run(
        data.frequency, time_of_day, clock.now(), settings.business_timezone
    )
    await repo.save_schedule(
        frequency=data.frequency,
        time_of_day=time_of_day,
        admin_id=admin.admin_id,
        next_run=next_run,
        updated_at=clock.now(),
    )
    await record_admin_action(
        db,
        admin,
        "backup.schedule",
        "backup_schedule",
        1,
        before=previous,
        after={"frequency": data.frequency, "time_of_day": time_of_day.strftime("%H:%M")},
    )
    if data.frequency == ScheduleFrequency.manual:
        return ScheduleResponse(success=True, message="Automatic backups are off")
    return ScheduleResponse(
        success=True,
        message=f"Backups scheduled {data.frequency.value} at {time_of_day:%H:%M} "
        f"({settings.timezone})",
        next_run=_iso(next_run),
    )


async def schedule_status(db: AsyncSession) -> ScheduleStatusResponse:
    schedule = await BackupRepository(db).schedule()
    if schedule is None or schedule.frequency == ScheduleFrequency.manual:
        return ScheduleStatusResponse(active=False, message="No automatic backups are scheduled")
    return ScheduleStatusResponse(
        active=True,
        frequency=schedule.frequency.value,
        scheduled_time=schedule.time_of_day.strftime("%H:%M"),
        last_run=_iso(schedule.last_run) or "Never",
        next_run=_iso(schedule.next_run),
        timezone=get_settings().timezone,
    )


def schedule_options() -> ScheduleOptionsResponse:
    return ScheduleOptionsResponse(
        options={
            name: ScheduleOption.model_validate(option)
            for name, option in schedule_rules.OPTIONS.items()
        }
    )


async def claim_due_backup(db: AsyncSession, now: datetime) -> int:
    """If the schedule is due, move it to its next time and queue one backup (returns 1).

    The schedule row is locked: of two ticks for the same due time, the second finds the
    next time already in the future and does nothing.
    """
    repo = BackupRepository(db)
    schedule = await repo.schedule(for_update=True)
    if (
        schedule is None
        or schedule.frequency == ScheduleFrequency.manual
        or schedule.next_run is None
        or schedule.next_run > now
    ):
        return 0
    due = schedule.next_run
    schedule.last_run = now
    schedule.next_run = schedule_rules.next_run(
        schedule.frequency, schedule.time_of_day, now, get_settings().business_timezone
    )
    backup = await new_backup(
        db,
        admin_id=schedule.admin_id,
        backup_type=BackupType.auto,
        trigger="schedule",
        details={"scheduled_for": due.isoformat()},
    )
    await defer_in_transaction(db, RUN_BACKUP_TASK, {"backup_id": backup.backup_id})
    log.info("scheduled_backup_queued", backup_id=backup.backup_id, due=due.isoformat())
    return 1


# --- restores -----------------------------------------------------------------------------------


async def _check_archive(db: AsyncSession, path: Path) -> Manifest:
    """Quick checks (no full read): readable archive, same schema revision, same tables."""
    pg = await driver(db)
    layout, revision = await business_layout(pg), await schema_revision(pg)
    try:
        with await asyncio.to_thread(ArchiveReader, path) as reader:
            check_compatible(reader.manifest, revision, layout)
            return reader.manifest
    except InvalidBackup as exc:
        raise _invalid(exc) from exc


async def _new_restore(
    repo: BackupRepository,
    manifest: Manifest,
    *,
    admin_id: int,
    source_id: int | None,
    file_name: str,
    path: str,
    status: BackupStatus,
    requested_by: Mapping[str, object] | str,
) -> Restore:
    """A restore row: `pending` for a job to run, or `running` when this process runs it."""
    now = clock.now()
    restore = Restore(
        admin_id=admin_id,
        backup_source_id=source_id,
        file_name=file_name,
        path=path,
        type=BackupType.manual,
        status=status,
        date=now.date(),
        data_list={
            "tables_restored": [],
            "record_counts": manifest.record_counts,
            "backup_source_id": source_id,
            "requested_by": requested_by,
        },
        created_at=now,
        started_at=now if status == BackupStatus.running else None,
    )
    return await repo.add(restore)


async def request_restore(
    db: AsyncSession, admin: Admin, backup_id: int, confirm: bool
) -> RestoreResponse:
    if not confirm:
        raise ConfirmationRequired(
            'A restore replaces all data with the backup\'s: send {"confirm": true}'
        )
    repo = BackupRepository(db)
    await repo.lock(RESTORE_LOCK)
    await _refuse_if_restoring(repo, run_lock_is_mine=False)
    backup = await repo.get_backup(backup_id)
    if backup is None:
        raise BackupNotFound(f"Backup {backup_id} not found")
    if backup.status != BackupStatus.completed:
        raise BackupNotCompleted(f"Backup {backup_id} is {backup.status.value}, not completed")
    manifest = await _check_archive(db, Path(backup.path))
    restore = await _new_restore(
        repo,
        manifest,
        admin_id=admin.admin_id,
        source_id=backup.backup_id,
        file_name=backup.file_name,
        path=backup.path,
        status=BackupStatus.pending,
        requested_by={"admin_id": admin.admin_id, "email": admin.email, "name": admin.name},
    )
    await defer_in_transaction(db, RUN_RESTORE_TASK, {"restore_id": restore.restore_id})
    await record_admin_action(
        db,
        admin,
        "restore.start",
        "restore",
        restore.restore_id,
        after={"backup_id": backup.backup_id, "file_name": backup.file_name},
    )
    return restore_response(
        restore,
        f"Restore {restore.restore_id} from backup {backup.backup_id} queued: a job checks the "
        "archive, takes a safety backup, then replaces the data; the restore history shows "
        "its status",
    )


async def list_restores(
    db: AsyncSession, *, skip: int, limit: int
) -> tuple[list[RestoreResponse], int]:
    rows, total = await BackupRepository(db).list_restores(skip=skip, limit=limit)
    return [restore_response(row) for row in rows], total


INTERRUPTED = (
    "Interrupted: the process running it stopped before it finished; the data is as it was "
    "before the restore started"
)


async def _refuse_if_restoring(repo: BackupRepository, *, run_lock_is_mine: bool) -> None:
    """409 while another restore is queued or running. A `running` row whose run lock is
    free (or, when this caller holds that lock, any `running` row) was left by a stopped
    process: it is marked failed. So is a `pending` one whose job is gone."""
    for restore in await repo.restores_in_progress():
        if restore.status == BackupStatus.running:
            alive = not run_lock_is_mine and not await repo.nobody_holds(RESTORE_RUN_LOCK)
        else:
            alive = await repo.restore_job_waiting(restore.restore_id)
        if alive:
            raise RestoreInProgress(f"Restore {restore.restore_id} is still {restore.status.value}")
        await repo.finish_restore(
            restore.restore_id,
            status=BackupStatus.failed,
            error=INTERRUPTED,
            completed_at=clock.now(),
        )


async def verify_file(path: Path) -> Manifest:
    """Every check a restore makes before changing anything (for `nexa restore`)."""
    async with unit_of_work() as db:
        await _check_archive(db, path)
    try:
        with await asyncio.to_thread(ArchiveReader, path) as reader:
            await asyncio.to_thread(verify_archive, reader)
            return reader.manifest
    except InvalidBackup as exc:
        raise _invalid(exc) from exc


async def restore_file(path: Path, *, verified: Manifest | None = None) -> Restore:
    """`nexa restore FILE`: verify (nothing is written if the file is refused), then restore.
    `verified`: the manifest `verify_file` returned for this file just before."""
    path = await asyncio.to_thread(lambda: path.expanduser().resolve())
    manifest = verified or await verify_file(path)
    async with hold_lock(RESTORE_RUN_LOCK):
        return await _restore_file_holding_run_lock(path, manifest)


async def _restore_file_holding_run_lock(path: Path, manifest: Manifest) -> Restore:
    async with unit_of_work() as db:
        repo = BackupRepository(db)
        await repo.lock(RESTORE_LOCK)
        await _refuse_if_restoring(repo, run_lock_is_mine=True)
        source = await repo.backup_by_path(str(path))
        restore = await _new_restore(
            repo,
            manifest,
            admin_id=COMMAND_LINE_ADMIN_ID,
            source_id=source.backup_id if source else None,
            file_name=path.name,
            path=str(path),
            status=BackupStatus.running,
            requested_by="command line",
        )
        restore_id = restore.restore_id
    await perform_restore(restore_id, verified=True)
    async with unit_of_work() as db:
        done = await BackupRepository(db).get_restore(restore_id)
    assert done is not None
    return done
