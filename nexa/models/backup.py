"""Backup and restore history and the persisted backup schedule
(docs/decisions.md#backup-schedule).

These rows are not business data: backups leave them out and restores leave them alone, so
the history survives a restore. `admin_id` is a plain number, not a foreign key (a restore
may remove the admin who took a backup; the command line records 0).
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, Index, Integer, String, Text
from sqlalchemy import Time as SqlTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, str_enum

BackupType = enum.StrEnum("BackupType", "auto manual")


class BackupStatus(enum.StrEnum):
    """pending (queued) -> running -> completed | failed."""

    pending = "pending"
    running = "running"
    completed = "completed"
    failed = "failed"


# manual: no automatic backups
ScheduleFrequency = enum.StrEnum("ScheduleFrequency", "daily weekly monthly manual")


class Backup(Base):
    __tablename__ = "backup"

    backup_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    admin_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    file_name: Mapped[str] = mapped_column(String(255), unique=True, nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    type: Mapped[BackupType] = mapped_column(str_enum(BackupType, "backup_type"), nullable=False)
    status: Mapped[BackupStatus] = mapped_column(
        str_enum(BackupStatus, "backup_status"), nullable=False
    )
    date: Mapped[date] = mapped_column(Date, nullable=False)
    data_list: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_backup_created_at", "created_at"),
        Index("ix_backup_status", "status"),
    )


class Restore(Base):
    __tablename__ = "restore"

    restore_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    admin_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # the backup row restored from (null for a file given to `nexa restore` that is not one)
    backup_source_id: Mapped[int | None] = mapped_column(BigInteger)
    # the backup taken just before the data was replaced
    safety_backup_id: Mapped[int | None] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    type: Mapped[BackupType] = mapped_column(str_enum(BackupType, "restore_type"), nullable=False)
    status: Mapped[BackupStatus] = mapped_column(
        str_enum(BackupStatus, "restore_status"), nullable=False
    )
    date: Mapped[date] = mapped_column(Date, nullable=False)
    data_list: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_restore_created_at", "created_at"),
        Index("ix_restore_status", "status"),
    )


class BackupSchedule(Base):
    """The one automatic-backup schedule (a single row), run by the periodic job."""

    __tablename__ = "backup_schedule"

    schedule_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frequency: Mapped[ScheduleFrequency] = mapped_column(
        str_enum(ScheduleFrequency, "schedule_frequency"), nullable=False
    )
    # wall-clock time in NEXA_TIMEZONE
    time_of_day: Mapped[time] = mapped_column(SqlTime, nullable=False)
    # automatic backups are attributed to the admin who set the schedule
    admin_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    last_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    next_run: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (CheckConstraint("schedule_id = 1", name="single_row"),)
