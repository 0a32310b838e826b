"""The work behind backups and restores: writing a backup's archive, performing a restore
(after a safety backup), and moving their history rows to running / completed / failed.

`service` creates the rows and queues the jobs (`tasks`) that call `run_backup_job` and
`run_restore_job`; the command line's `take_backup` runs here in its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import psycopg
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.backup.archive import (
    ArchiveReader,
    ArchiveWriter,
    InvalidBackup,
    Manifest,
    check_compatible,
)
from nexa.backup.errors import BackupFileNotRemoved, BackupNotFound
from nexa.backup.repository import (
    NAME_LOCK,
    RESTORE_RUN_LOCK,
    BackupRepository,
    backup_run_lock,
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
from nexa.core.db import database_url, get_sessionmaker, libpq_url, unit_of_work
from nexa.core.errors import NexaError
from nexa.models import Admin, Backup, BackupStatus, BackupType, Restore

log = structlog.get_logger("nexa.backup")


def backup_dir() -> Path:
    """BACKUP_DIR as an absolute path (a relative one is taken from the working folder)."""
    return get_settings().backup_dir.expanduser().resolve()


@contextlib.asynccontextmanager
async def hold_lock(key: int) -> AsyncIterator[None]:
    """Hold a session-level advisory lock while the block runs, on a connection of its own
    (closed at the end, so the lock can never outlive the work)."""
    async with await psycopg.AsyncConnection.connect(
        libpq_url(database_url()), autocommit=True
    ) as connection:
        await connection.execute("SELECT pg_advisory_lock(%s)", (key,))
        yield


@contextlib.asynccontextmanager
async def _snapshot_transaction() -> AsyncIterator[AsyncSession]:
    """A transaction in which nothing has run yet, unlike `unit_of_work` (which loads the
    clock first): `write_snapshot` makes it REPEATABLE READ, READ ONLY, and PostgreSQL takes
    that only before the transaction's first query."""
    async with get_sessionmaker()() as db, db.begin():
        yield db


def remove_file(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.error("backup_file_not_removed", path=str(path), error=str(exc))
        raise BackupFileNotRemoved(f"Could not remove {path.name}: {exc.strerror}") from exc


# --- backups ------------------------------------------------------------------------------------


async def new_backup(
    db: AsyncSession,
    *,
    admin_id: int,
    backup_type: BackupType,
    trigger: str,
    details: Mapping[str, object] | None = None,
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
    backup = Backup(
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
    return await repo.add(backup)


async def run_backup_job(backup_id: int) -> BackupStatus | None:
    """The job: write the archive of a pending backup (a repeated job does nothing)."""
    async with hold_lock(backup_run_lock(backup_id)):
        async with unit_of_work() as db:
            backup = await BackupRepository(db).claim_backup(backup_id, clock.now())
            if backup is None:
                return None
            path = Path(backup.path)
        return await _write_backup(backup_id, path, rotate=True)


async def take_backup(
    *, admin_id: int, backup_type: BackupType, trigger: str, rotate: bool = True, **details: object
) -> Backup:
    """Take a backup now, in this process (command line, safety backup before a restore)."""
    async with unit_of_work() as db:
        backup = await new_backup(
            db, admin_id=admin_id, backup_type=backup_type, trigger=trigger, details=details
        )
        backup_id, path = backup.backup_id, Path(backup.path)
    async with hold_lock(backup_run_lock(backup_id)):
        async with unit_of_work() as db:
            claimed = await BackupRepository(db).claim_backup(backup_id, clock.now())
        if claimed is not None:  # (None: deleted in the meantime)
            await _write_backup(backup_id, path, rotate=rotate)
    async with unit_of_work() as db:
        done = await BackupRepository(db).get_backup(backup_id)
    if done is None:
        raise BackupNotFound(f"Backup {backup_id} was deleted while it was being taken")
    return done


async def _write_archive(backup_id: int, path: Path) -> tuple[int, Manifest]:
    """Write the archive from one snapshot; returns its size and manifest."""
    async with unit_of_work() as db:
        layout = await business_layout(await driver(db))
    writer = await asyncio.to_thread(ArchiveWriter, path)
    try:
        async with _snapshot_transaction() as db:
            result = await write_snapshot(db, writer, layout, cms_service.export_documents)
        manifest = Manifest(
            schema_revision=result.schema_revision,
            created_at=clock.now().isoformat(),
            tables=result.tables,
            cms=result.cms,
            backup_id=backup_id,
        )
        return await asyncio.to_thread(writer.finish, manifest), manifest
    except BaseException:
        await asyncio.to_thread(writer.abort)
        raise


async def _write_backup(backup_id: int, path: Path, *, rotate: bool) -> BackupStatus:
    started = asyncio.get_running_loop().time()
    try:
        size, manifest = await _write_archive(backup_id, path)
    except Exception as exc:
        log.exception("backup_failed", backup_id=backup_id)
        async with unit_of_work() as db:
            await BackupRepository(db).finish_backup(
                backup_id,
                status=BackupStatus.failed,
                error=f"{type(exc).__name__}: {exc}"[:2000],
                completed_at=clock.now(),
            )
        return BackupStatus.failed

    removed: list[str] = []
    async with unit_of_work() as db:
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
        remove_file(Path(old))
    log.info(
        "backup_completed",
        backup_id=backup_id,
        bytes=size,
        rows=sum(manifest.record_counts.values()),
        seconds=round(asyncio.get_running_loop().time() - started, 2),
        rotated=len(removed),
    )
    return BackupStatus.completed


# --- restores -----------------------------------------------------------------------------------


async def run_restore_job(restore_id: int) -> BackupStatus | None:
    """The job: check, take a safety backup, replace (a repeated job does nothing)."""
    async with hold_lock(RESTORE_RUN_LOCK):
        async with unit_of_work() as db:
            restore = await BackupRepository(db).claim_restore(restore_id, clock.now())
            if restore is None:
                return None
        return await perform_restore(restore_id, verified=False)


def _actor(data_list: Mapping[str, object]) -> Admin | None:
    """The admin who asked for a restore, as recorded when it was asked (the admin table is
    about to be replaced)."""
    who = data_list.get("requested_by")
    if not isinstance(who, dict):
        return None
    return Admin(admin_id=who["admin_id"], email=who["email"], name=who["name"])


async def _replace_data(
    restore: Restore,
    reader: ArchiveReader,
    documents: list[dict[str, object]],
    safety: Backup,
    *,
    cms_in_transaction: bool,
) -> None:
    """Replace every business table (and the CMS content when it lives in PostgreSQL) in one
    transaction, and mark the restore completed in it."""
    restore_id, data_list = restore.restore_id, dict(restore.data_list)
    async with unit_of_work() as db:
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
                after={"backup_id": restore.backup_source_id, "file_name": Path(restore.path).name},
            )


async def perform_restore(restore_id: int, *, verified: bool) -> BackupStatus:
    """Check the archive (unless `verified`), take a safety backup, replace the data; the
    restore row ends completed or failed (saying what was changed)."""
    async with unit_of_work() as db:
        restore = await BackupRepository(db).get_restore(restore_id)
    assert restore is not None
    safety: Backup | None = None
    changed = False
    try:
        reader = await asyncio.to_thread(ArchiveReader, Path(restore.path))
        try:
            if not verified:
                async with unit_of_work() as db:
                    pg = await driver(db)
                    check_compatible(
                        reader.manifest, await schema_revision(pg), await business_layout(pg)
                    )
                await asyncio.to_thread(verify_archive, reader)
            safety = await take_backup(
                admin_id=restore.admin_id,
                backup_type=BackupType.auto,
                trigger="pre_restore",
                rotate=False,
                restore_id=restore_id,
            )
            if safety.status != BackupStatus.completed:
                raise RuntimeError(f"the safety backup {safety.backup_id} failed: {safety.error}")
            cms_in_transaction = not get_settings().mongodb_url
            documents = await asyncio.to_thread(reader.read_cms_documents)
            await _replace_data(
                restore, reader, documents, safety, cms_in_transaction=cms_in_transaction
            )
            changed = True
            if not cms_in_transaction:
                # MongoDB: after the tables' transaction (the store does not use the session)
                async with unit_of_work() as db:
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
        async with unit_of_work() as db:
            await BackupRepository(db).finish_restore(
                restore_id,
                status=BackupStatus.failed,
                safety_backup_id=safety.backup_id if safety else None,
                error=f"{detail}; {outcome}"[:2000],
                completed_at=clock.now(),
            )
        return BackupStatus.failed
    async with unit_of_work() as db:
        removed = await BackupRepository(db).rotate(get_settings().max_backups)
    for old in removed:
        with contextlib.suppress(NexaError):
            remove_file(Path(old))
    log.info("restore_completed", restore_id=restore_id, safety_backup_id=safety.backup_id)
    return BackupStatus.completed
