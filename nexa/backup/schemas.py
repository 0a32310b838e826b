from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import field_validator

from nexa.backup.schedule import parse_time_of_day
from nexa.core.schemas import Schema
from nexa.models import BackupStatus, BackupType, ScheduleFrequency


class _ArchiveRun(Schema):
    """What a backup and a restore history row both show (reference fields first)."""

    admin_id: int  # 0: from the command line
    file_name: str
    path: str
    type: BackupType
    data_list: dict[str, Any]
    date: date
    message: str | None = None
    # NEXA additions
    status: BackupStatus
    error: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None


class BackupResponse(_ArchiveRun):
    backup_id: int
    size_bytes: int | None = None


class RestoreRequest(Schema):
    """`{"confirm": true}`: a restore replaces every business table."""

    confirm: bool = False


class RestoreResponse(_ArchiveRun):
    restore_id: int
    backup_source_id: int | None = None
    safety_backup_id: int | None = None


class ScheduleRequest(Schema):
    frequency: ScheduleFrequency
    # HH:MM, 24-hour, in NEXA_TIMEZONE; missing or null: DEFAULT_BACKUP_TIME
    time_of_day: str | None = None

    @field_validator("time_of_day")
    @classmethod
    def _hh_mm(cls, value: str | None) -> str | None:
        if value is not None:
            parse_time_of_day(value)
        return value


class ScheduleResponse(Schema):
    success: bool
    message: str
    next_run: str | None = None


class ScheduleStatusResponse(Schema):
    active: bool
    frequency: str | None = None
    scheduled_time: str | None = None
    last_run: str | None = None
    next_run: str | None = None
    message: str | None = None
    timezone: str | None = None


class ScheduleOption(Schema):
    description: str
    recommended: bool
    retention_days: int


class ScheduleOptionsResponse(Schema):
    options: dict[str, ScheduleOption]


class BackupStatsResponse(Schema):
    total_backups: int
    manual_backups: int
    auto_backups: int
    recent_backups: int
    total_restores: int
    # NEXA additions
    failed_backups: int = 0
    total_size_bytes: int = 0
    latest_backup_at: datetime | None = None
