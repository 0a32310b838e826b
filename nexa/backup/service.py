"""Backups and restores (§3.13, Q-25).

* A backup is a row (pending -> running -> completed | failed) and one archive in
  BACKUP_DIR, written by a job from one consistent snapshot (`nexa.backup.snapshot`).
  After each completed backup the newest MAX_BACKUPS are kept (by creation time).
* A restore is a row too. Before anything changes, the archive is checked: readable, same
  schema revision and tables, every member's SHA-256 and row count. Then a safety backup is
  taken, and every business table is replaced in one transaction.
* The schedule is one row; a periodic job claims each due time once (row lock), creates the
  backup row and queues its job in the same transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.backup import schedule as schedule_rules
from nexa.backup.archive import (
    ArchiveReader,
    ArchiveWriter,
    InvalidBackup,
    Manifest,
    check_compatible,
)
from nexa.backup.repository import (
    NAME_LOCK,
    RESTORE_LOCK,
    RESTORE_RUN_LOCK,
    BackupRepository,
    backup_run_lock,
)
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
from nexa.backup.snapshot import (
    EXCLUDED_TABLES,
    business_layout,
    driver,
    load_snapshot,
    schema_revision,
    verify_archive,
    write_snapshot,
)
from nexa.cms import service as cms_service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.db import database_url, get_sessionmaker, libpq_url
from nexa.core.errors import BadRequest, Conflict, NexaError, NotFound
from nexa.core.queue import defer_in_transaction
from nexa.models import Admin, Backup, BackupStatus, BackupType, Restore, ScheduleFrequency

log = structlog.get_logger("nexa.backup")

RUN_BACKUP_TASK = "backup:run_backup"
RUN_RESTORE_TASK = "backup:run_restore"
COMMAND_LINE_ADMIN_ID = 0  # admin_id of backups and restores run with `nexa backup/restore`
RECENT = timedelta(days=7)


class BackupNotFound(NotFound):
    code = "backup_not_found"


class BackupBusy(Conflict):
    code = "backup_in_progress"


class BackupInUse(Conflict):
    code = "backup_in_use"


class BackupNotCompleted(Conflict):
    code = "backup_not_completed"


class RestoreInProgress(Conflict):
    code = "restore_in_progress"


class ConfirmationRequired(BadRequest):
    code = "confirmation_required"


class InvalidBackupFile(NexaError):
    status_code = 422
    code = "invalid_backup_file"


class BackupFileNotRemoved(NexaError):
    status_code = 500
    code = "backup_file_not_removed"


def backup_dir() -> Path:
    """BACKUP_DIR as an absolute path (a relative one is taken from the working folder)."""
    return get_settings().backup_dir.expanduser().resolve()


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


@contextlib.asynccontextmanager
async def _holding(key: int) -> AsyncIterator[None]:
    """Hold a session-level advisory lock while the block runs, on a connection of its own
    (closed at the end, so the lock can never outlive the work)."""
    async with await psycopg.AsyncConnection.connect(
        libpq_url(database_url()), autocommit=True
    ) as connection:
        await connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        yield


# --- backups ------------------------------------------------------------------------------------


async def _new_backup(
    db: AsyncSession,
    *,
    admin_id: int,
    backup_type: BackupType,
    trigger: str,
    details: dict[str, Any] | None = None,
) -> Backup:
    """A backup row with a fresh file name `backup_YYYYMMDD_HHMMSS[_n].zip` (UTC)."""
    repo = BackupRepository(db)
    await repo.lock(NAME_LOCK)
    now = clock.now()
    stem = f"backup_{now:%Y%m%d_%H%M%S}"
    folder = backup_dir()
    taken = await repo.file_names_like(stem)
    file_name, suffix = f"{stem}.zip", 1
    while file_name in taken or (folder / file_name).exists():
        suffix += 1
        file_name = f"{stem}_{suffix}.zip"
    return await repo.add_backup(
        admin_id=admin_id,
        file_name=file_name,
        path=str(folder / file_name),
        type=backup_type,
        status=BackupStatus.pending,
        date=now.date(),
        # the reference's keys from the start; filled in when the archive is written
        data_list={
            "tables_backed_up": [],
            "record_counts": {},
            "trigger": trigger,
            **(details or {}),
        },
        created_at=now,
    )


async def request_backup(db: AsyncSession, admin: Admin) -> BackupResponse:
    """A manual backup: the row now, the archive by a job (the history shows its status)."""
    backup = await _new_backup(
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


async def run_backup_job(backup_id: int) -> BackupStatus | None:
    """The job: write the archive of a pending backup (a repeated job does nothing)."""
    async with _holding(backup_run_lock(backup_id)):
        async with get_sessionmaker()() as db, db.begin():
            await clock.refresh(db)
            backup = await BackupRepository(db).claim_backup(backup_id, clock.now())
            if backup is None:
                return None
            path = Path(backup.path)
        return await _write_backup(backup_id, path, rotate=True)


async def take_backup(
    *, admin_id: int, backup_type: BackupType, trigger: str, rotate: bool = True, **details: Any
) -> Backup:
    """Take a backup now, in this process (command line, safety backup before a restore)."""
    async with get_sessionmaker()() as db, db.begin():
        await clock.refresh(db)
        backup = await _new_backup(
            db, admin_id=admin_id, backup_type=backup_type, trigger=trigger, details=details
        )
        backup_id, path = backup.backup_id, Path(backup.path)
    async with _holding(backup_run_lock(backup_id)):
        async with get_sessionmaker()() as db, db.begin():
            claimed = await BackupRepository(db).claim_backup(backup_id, clock.now())
        if claimed is not None:  # (None: deleted in the meantime)
            await _write_backup(backup_id, path, rotate=rotate)
    async with get_sessionmaker()() as db:
        done = await BackupRepository(db).get_backup(backup_id)
    if done is None:
        raise BackupNotFound(f"Backup {backup_id} was deleted while it was being taken")
    return done


async def _write_backup(backup_id: int, path: Path, *, rotate: bool) -> BackupStatus:
    started = asyncio.get_running_loop().time()
    try:
        async with get_sessionmaker()() as db, db.begin():
            layout = await business_layout(await driver(db))
        writer = await asyncio.to_thread(ArchiveWriter, path)
        try:
            async with get_sessionmaker()() as db, db.begin():
                result = await write_snapshot(db, writer, layout, cms_service.export_documents)
            manifest = Manifest(
                schema_revision=result.schema_revision,
                created_at=clock.now().isoformat(),
                tables=result.tables,
                cms=result.cms,
                backup_id=backup_id,
            )
            size = await asyncio.to_thread(writer.finish, manifest)
        except BaseException:
            await asyncio.to_thread(writer.abort)
            raise
    except Exception as exc:
        log.exception("backup_failed", backup_id=backup_id)
        async with get_sessionmaker()() as db, db.begin():
            await BackupRepository(db).finish_backup(
                backup_id,
                status=BackupStatus.failed,
                error=f"{type(exc).__name__}: {exc}"[:2000],
                completed_at=clock.now(),
            )
        return BackupStatus.failed

    removed: list[str] = []
    async with get_sessionmaker()() as db, db.begin():
        repo = BackupRepository(db)
        backup = await repo.get_backup(backup_id, for_update=True)
        if backup is None:  # deleted meanwhile: the file has no row any more
            await asyncio.to_thread(path.unlink, missing_ok=True)
            return BackupStatus.failed
        await repo.finish_backup(
            backup_id,
            status=BackupStatus.completed,
            size_bytes=size,
            completed_at=clock.now(),
            data_list={
                **backup.data_list,
                "tables_backed_up": sorted(manifest.tables),
                "record_counts": manifest.record_counts,
                "cms_documents": manifest.cms.rows,
                "schema_revision": manifest.schema_revision,
                "data_version": manifest.data_version,
                "excluded_tables": sorted(EXCLUDED_TABLES),
            },
        )
        if rotate:
            removed = await repo.rotate(get_settings().max_backups)
    for old in removed:
        _remove_file(Path(old))
    log.info(
        "backup_completed",
        backup_id=backup_id,
        bytes=size,
        rows=sum(manifest.record_counts.values()),
        seconds=round(asyncio.get_running_loop().time() - started, 2),
        rotated=len(removed),
    )
    return BackupStatus.completed


def _remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.error("backup_file_not_removed", path=str(path), error=str(exc))
        raise BackupFileNotRemoved(f"Could not remove {path.name}: {exc.strerror}") from exc


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
    _remove_file(Path(backup.path))
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
    backup = await _new_backup(
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
    now = clock.now()
    restore = await repo.add_restore(
        admin_id=admin.admin_id,
        backup_source_id=backup.backup_id,
        file_name=backup.file_name,
        path=backup.path,
        type=BackupType.manual,
        status=BackupStatus.pending,
        date=now.date(),
        data_list={
            "tables_restored": [],
            "record_counts": manifest.record_counts,
            "backup_source_id": backup.backup_id,
            "requested_by": {"admin_id": admin.admin_id, "email": admin.email, "name": admin.name},
        },
        created_at=now,
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


async def run_restore_job(restore_id: int) -> BackupStatus | None:
    """The job: check, take a safety backup, replace (a repeated job does nothing)."""
    async with _holding(RESTORE_RUN_LOCK):
        async with get_sessionmaker()() as db, db.begin():
            await clock.refresh(db)
            restore = await BackupRepository(db).claim_restore(restore_id, clock.now())
            if restore is None:
                return None
        return await _perform_restore(restore_id, verified=False)


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
    async with get_sessionmaker()() as db, db.begin():
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
    async with _holding(RESTORE_RUN_LOCK):
        return await _restore_file_holding_run_lock(path, manifest)


async def _restore_file_holding_run_lock(path: Path, manifest: Manifest) -> Restore:
    async with get_sessionmaker()() as db, db.begin():
        await clock.refresh(db)
        repo = BackupRepository(db)
        await repo.lock(RESTORE_LOCK)
        await _refuse_if_restoring(repo, run_lock_is_mine=True)
        source = await repo.backup_by_path(str(path))
        now = clock.now()
        restore = await repo.add_restore(
            admin_id=COMMAND_LINE_ADMIN_ID,
            backup_source_id=source.backup_id if source else None,
            file_name=path.name,
            path=str(path),
            type=BackupType.manual,
            status=BackupStatus.running,
            date=now.date(),
            data_list={
                "tables_restored": [],
                "record_counts": manifest.record_counts,
                "backup_source_id": source.backup_id if source else None,
                "requested_by": "command line",
            },
            created_at=now,
            started_at=now,
        )
        restore_id = restore.restore_id
    await _perform_restore(restore_id, verified=True)
    async with get_sessionmaker()() as db:
        done = await BackupRepository(db).get_restore(restore_id)
    assert done is not None
    return done


def _actor(data_list: dict[str, Any]) -> Admin | None:
    """The admin who asked for a restore, as recorded when it was asked (the admin table is
    about to be replaced)."""
    who = data_list.get("requested_by")
    if not isinstance(who, dict):
        return None
    return Admin(admin_id=who["admin_id"], email=who["email"], name=who["name"])


async def _perform_restore(restore_id: int, *, verified: bool) -> BackupStatus:
    async with get_sessionmaker()() as db:
        restore = await BackupRepository(db).get_restore(restore_id)
    assert restore is not None
    path, admin_id, data_list = Path(restore.path), restore.admin_id, dict(restore.data_list)
    safety: Backup | None = None
    changed = False
    try:
        reader = await asyncio.to_thread(ArchiveReader, path)
        try:
            if not verified:
                async with get_sessionmaker()() as db, db.begin():
                    pg = await driver(db)
                    check_compatible(
                        reader.manifest, await schema_revision(pg), await business_layout(pg)
                    )
                await asyncio.to_thread(verify_archive, reader)
            safety = await take_backup(
                admin_id=admin_id,
                backup_type=BackupType.auto,
                trigger="pre_restore",
                rotate=False,
                restore_id=restore_id,
            )
            if safety.status != BackupStatus.completed:
                raise RuntimeError(f"the safety backup {safety.backup_id} failed: {safety.error}")
            cms_in_transaction = not get_settings().mongodb_url
            documents = await asyncio.to_thread(reader.read_cms_documents)
            async with get_sessionmaker()() as db, db.begin():
                await clock.refresh(db)
                result = await load_snapshot(db, reader)
                repo = BackupRepository(db)
                sessions_ended = await repo.end_orphaned_sessions()
                await repo.forget_idempotency_keys()
                if cms_in_transaction:
                    await cms_service.import_documents(db, documents)
                await repo.announce_restore()
                data_list.update(
                    tables_restored=sorted(result.record_counts),
                    record_counts=result.record_counts,
                    cms_documents=len(documents),
                    merged_rows=result.merged,
                    sessions_ended=sessions_ended,
                    safety_backup_id=safety.backup_id,
                )
                await repo.finish_restore(
                    restore_id,
                    status=BackupStatus.completed,
                    safety_backup_id=safety.backup_id,
                    completed_at=clock.now(),
                    data_list=data_list,
                )
                actor = _actor(data_list)
                if actor is not None:
                    await record_admin_action(
                        db,
                        actor,
                        "restore.complete",
                        "restore",
                        restore_id,
                        after={"backup_id": restore.backup_source_id, "file_name": path.name},
                    )
            changed = True
            if not cms_in_transaction:
                async with get_sessionmaker()() as db:
                    await cms_service.import_documents(db, documents)
        finally:
            reader.close()
    except Exception as exc:
        detail = exc.detail if isinstance(exc, InvalidBackup) else f"{type(exc).__name__}: {exc}"
        if changed:
            outcome = "the tables were restored but the CMS content was not"
        elif safety is not None:
            outcome = f"nothing was changed (safety backup {safety.backup_id} was taken)"
        else:
            outcome = "nothing was changed"
        log.warning("restore_failed", restore_id=restore_id, error=detail)
        async with get_sessionmaker()() as db, db.begin():
            await BackupRepository(db).finish_restore(
                restore_id,
                status=BackupStatus.failed,
                safety_backup_id=safety.backup_id if safety else None,
                error=f"{detail}; {outcome}"[:2000],
                completed_at=clock.now(),
            )
        return BackupStatus.failed
    async with get_sessionmaker()() as db, db.begin():
        removed = await BackupRepository(db).rotate(get_settings().max_backups)
    for old in removed:
        with contextlib.suppress(NexaError):
            _remove_file(Path(old))
    log.info("restore_completed", restore_id=restore_id, safety_backup_id=safety.backup_id)
    return BackupStatus.completed
