"""SQL of the backup domain: history rows, the schedule row, and a restore's side effects on
the tables backups leave out (sessions, idempotency keys)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import TypedDict, TypeVar, Unpack

from sqlalchemy import delete, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement

from nexa.models import (
    Admin,
    AuthSession,
    Backup,
    BackupSchedule,
    BackupStatus,
    BackupType,
    Customer,
    IdempotencyKey,
    Restore,
    ScheduleFrequency,
    UserType,
)

IN_PROGRESS = (BackupStatus.pending, BackupStatus.running)
# transaction-level advisory locks (arbitrary constants, unique to this domain)
NAME_LOCK = 0x4E58_4231  # choosing a backup's file name
RESTORE_LOCK = 0x4E58_4232  # starting a restore (one at a time)
ROTATION_LOCK = 0x4E58_4233  # rotating old backups
# session-level locks held by whoever is writing a backup / performing a restore: a row
# `running` whose lock is free was left behind by a process that stopped
RESTORE_RUN_LOCK = 0x4E58_4234


def backup_run_lock(backup_id: int) -> int:
    return (0x4E58 << 48) + backup_id


# a history row: backups and restores share their lifecycle (pending -> running -> finished)
HistoryRow = TypeVar("HistoryRow", Backup, Restore)


class _Outcome(TypedDict, total=False):
    """What finishing a history row sets (only the keys given are written)."""

    status: BackupStatus
    completed_at: datetime
    error: str
    data_list: Mapping[str, object]


class BackupOutcome(_Outcome, total=False):
    size_bytes: int


class RestoreOutcome(_Outcome, total=False):
    safety_backup_id: int | None


class BackupFigures(TypedDict):
    total_backups: int
    manual_backups: int
    auto_backups: int
    recent_backups: int
    failed_backups: int
    total_size_bytes: int
    latest_backup_at: datetime | None
    total_restores: int


class BackupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, key: int) -> None:
        await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    async def nobody_holds(self, key: int) -> bool:
        """Whether no session holds the lock `key` (taken until this transaction ends)."""
        result = await self.session.execute(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}
        )
        return bool(result.scalar_one())

    async def restore_job_waiting(self, restore_id: int) -> bool:
        """Whether a restore's job is still queued or being run by a worker."""
        result = await self.session.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs WHERE task_name = :task "
                "AND status IN ('todo', 'doing') AND (args->>'restore_id')::bigint = :id)"
            ),
            {"task": "backup:run_restore", "id": restore_id},
        )
        return bool(result.scalar_one())

    # --- either history (backups, restores) -----------------------------------------------

    async def add(self, row: HistoryRow) -> HistoryRow:
        self.session.add(row)
        await self.session.flush()
        return row

    async def _claim(
        self, model: type[HistoryRow], key: InstrumentedAttribute[int], row_id: int, now: datetime
    ) -> HistoryRow | None:
        """pending -> running, once (a repeated job finds nothing to do)."""
        return (
            await self.session.execute(
                update(model)
                .where(key == row_id, model.status == BackupStatus.pending)
                .values(status=BackupStatus.running, started_at=now)
                .returning(model)
            )
        ).scalar_one_or_none()

    async def _finish(
        self,
        model: type[HistoryRow],
        key: InstrumentedAttribute[int],
        row_id: int,
        values: _Outcome,
    ) -> None:
        await self.session.execute(update(model).where(key == row_id).values(**values))

    async def _page(
        self,
        model: type[HistoryRow],
        key: InstrumentedAttribute[int],
        *where: ColumnElement[bool],
        skip: int,
        limit: int,
    ) -> tuple[list[HistoryRow], int]:
        """One page of a history, newest first, and how many rows match `where` in all."""
        total = (
            await self.session.execute(select(func.count()).select_from(model).where(*where))
        ).scalar_one()
        rows = await self.session.execute(
            select(model)
            .where(*where)
            .order_by(model.created_at.desc(), key.desc())
            .offset(skip)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    # --- backups ------------------------------------------------------------------------------

    async def file_names_like(self, stem: str) -> set[str]:
        rows = await self.session.execute(
            select(Backup.file_name).where(Backup.file_name.like(f"{stem}%"))
        )
        return set(rows.scalars())

    async def get_backup(self, backup_id: int, *, for_update: bool = False) -> Backup | None:
        query = select(Backup).where(Backup.backup_id == backup_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def backup_by_path(self, path: str) -> Backup | None:
        return (
            await self.session.execute(select(Backup).where(Backup.path == path).limit(1))
        ).scalar_one_or_none()

    async def claim_backup(self, backup_id: int, now: datetime) -> Backup | None:
        return await self._claim(Backup, Backup.backup_id, backup_id, now)

    async def finish_backup(self, backup_id: int, **values: Unpack[BackupOutcome]) -> None:
        await self._finish(Backup, Backup.backup_id, backup_id, values)

    async def list_backups(
        self, *, skip: int, limit: int, backup_type: BackupType | None
    ) -> tuple[list[Backup], int]:
        where = [Backup.type == backup_type] if backup_type is not None else []
        return await self._page(Backup, Backup.backup_id, *where, skip=skip, limit=limit)

    async def delete_backup(self, backup_id: int) -> None:
        await self.session.execute(delete(Backup).where(Backup.backup_id == backup_id))

    async def rotate(self, keep: int) -> list[str]:
        """Delete finished backups beyond the `keep` newest; returns their file paths."""
        await self.lock(ROTATION_LOCK)
        newest = (
            select(Backup.backup_id)
            .where(Backup.status.not_in(IN_PROGRESS))
            .order_by(Backup.created_at.desc(), Backup.backup_id.desc())
            .limit(keep)
        )
        in_use = select(Restore.backup_source_id).where(
            Restore.status.in_(IN_PROGRESS), Restore.backup_source_id.is_not(None)
        )
        rows = await self.session.execute(
            delete(Backup)
            .where(
                Backup.status.not_in(IN_PROGRESS),
                Backup.backup_id.not_in(newest),
                Backup.backup_id.not_in(in_use),
            )
            .returning(Backup.path)
        )
        return list(rows.scalars())

    async def backup_stats(self, recent_since: datetime) -> BackupFigures:
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.count().filter(Backup.type == BackupType.manual),
                    func.count().filter(Backup.type == BackupType.auto),
                    func.count().filter(Backup.created_at >= recent_since),
                    func.count().filter(Backup.status == BackupStatus.failed),
                    func.coalesce(func.sum(Backup.size_bytes), 0),
                    func.max(Backup.completed_at),
                ).select_from(Backup)
            )
        ).one()
        restores = (
            await self.session.execute(select(func.count()).select_from(Restore))
        ).scalar_one()
        return {
            "total_backups": row[0],
            "manual_backups": row[1],
            "auto_backups": row[2],
            "recent_backups": row[3],
            "failed_backups": row[4],
            "total_size_bytes": int(row[5] or 0),
            "latest_backup_at": row[6],
            "total_restores": restores,
        }

    # --- restores -----------------------------------------------------------------------------

    async def restores_in_progress(self) -> list[Restore]:
        rows = await self.session.execute(
            select(Restore).where(Restore.status.in_(IN_PROGRESS)).order_by(Restore.restore_id)
        )
        return list(rows.scalars())

    async def backup_in_use(self, backup_id: int) -> bool:
        return bool(
            (
                await self.session.execute(
                    select(
                        exists().where(
                            Restore.backup_source_id == backup_id,
                            Restore.status.in_(IN_PROGRESS),
                        )
                    )
                )
            ).scalar_one()
        )

    async def get_restore(self, restore_id: int) -> Restore | None:
        return (
            await self.session.execute(select(Restore).where(Restore.restore_id == restore_id))
        ).scalar_one_or_none()

    async def claim_restore(self, restore_id: int, now: datetime) -> Restore | None:
        return await self._claim(Restore, Restore.restore_id, restore_id, now)

    async def finish_restore(self, restore_id: int, **values: Unpack[RestoreOutcome]) -> None:
        await self._finish(Restore, Restore.restore_id, restore_id, values)

    async def list_restores(self, *, skip: int, limit: int) -> tuple[list[Restore], int]:
        return await self._page(Restore, Restore.restore_id, skip=skip, limit=limit)

    # --- what a restore does to the tables backups leave out ---------------------------------

    async def end_orphaned_sessions(self) -> int:
        """Delete login sessions whose customer or admin the restore removed."""
        result = await self.session.execute(
            delete(AuthSession).where(
                or_(
                    (AuthSession.user_type == UserType.customer)
                    & ~exists().where(Customer.customer_id == AuthSession.subject_id),
                    (AuthSession.user_type == UserType.admin)
                    & ~exists().where(Admin.admin_id == AuthSession.subject_id),
                )
            )
        )
        count: int | None = getattr(result, "rowcount", None)
        return count or 0

    async def forget_idempotency_keys(self) -> None:
        await self.session.execute(delete(IdempotencyKey))

    async def announce_restore(self) -> None:
        """Tell every API process to forget cached sessions and catalogue pages (their
        listeners treat an unknown payload as "forget everything")."""
        for channel in ("nexa_auth_changed", "nexa_catalog_changed"):
            await self.session.execute(
                text("SELECT pg_notify(:channel, 'restore')"), {"channel": channel}
            )

    # --- schedule -----------------------------------------------------------------------------

    async def schedule(self, *, for_update: bool = False) -> BackupSchedule | None:
        query = select(BackupSchedule).where(BackupSchedule.schedule_id == 1)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def save_schedule(
        self,
        *,
        frequency: ScheduleFrequency,
        time_of_day: time,
        admin_id: int,
        next_run: datetime | None,
        updated_at: datetime,
    ) -> BackupSchedule:
        values = {
            "frequency": frequency,
            "time_of_day": time_of_day,
            "admin_id": admin_id,
            "next_run": next_run,
            "updated_at": updated_at,
        }
        statement = (
            insert(BackupSchedule)
            .values(schedule_id=1, **values)
            .on_conflict_do_update(index_elements=["schedule_id"], set_=values)
            .returning(BackupSchedule)
        )
        result = await self.session.execute(
            statement, execution_options={"populate_existing": True}
        )
        return result.scalar_one()
