"""Backup and restore endpoints (E091–E099), mounted under /admin/backup-restore."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from nexa.auth.dependencies import CurrentAdmin
from nexa.backup import service
from nexa.backup.schemas import (
    BackupResponse,
    BackupStatsResponse,
    RestoreRequest,
    RestoreResponse,
    ScheduleOptionsResponse,
    ScheduleRequest,
    ScheduleResponse,
    ScheduleStatusResponse,
)
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId, Message
from nexa.models import BackupType

router = APIRouter(prefix="/backup-restore", tags=["Admin - Backup & Restore"])
BackupId = Annotated[DbId, Path()]


@router.post("/backup/manual", response_model=BackupResponse)
async def create_manual_backup(db: SessionDep, admin: CurrentAdmin) -> BackupResponse:
    """Queue a backup of every business table and the CMS content; a job writes the archive
    (the answer carries its id and `status`; the history shows when it is completed)."""
    return await service.request_backup(db, admin)


@router.get("/backup", response_model=list[BackupResponse])
async def get_backup_history(
    db: SessionDep,
    page: PageParams,
    backup_type: Annotated[BackupType | None, Query()] = None,
) -> list[BackupResponse]:
    """Backups, newest first."""
    backups, total = await service.list_backups(
        db, skip=page.skip, limit=page.limit, backup_type=backup_type
    )
    page.set_total(total)
    return backups


@router.post("/backup/schedule", response_model=ScheduleResponse, response_model_exclude_none=True)
async def set_backup_schedule(
    data: ScheduleRequest, db: SessionDep, admin: CurrentAdmin
) -> ScheduleResponse:
    """daily / weekly (Mondays) / monthly (the 1st) at `time_of_day` (HH:MM in NEXA_TIMEZONE,
    default DEFAULT_BACKUP_TIME); `manual` turns automatic backups off."""
    return await service.set_schedule(db, admin, data)


@router.get(
    "/backup/schedule/status",
    response_model=ScheduleStatusResponse,
    response_model_exclude_none=True,
)
async def get_schedule_status(db: SessionDep) -> ScheduleStatusResponse:
    return await service.schedule_status(db)


@router.get("/backup/schedule/options", response_model=ScheduleOptionsResponse)
async def get_schedule_options() -> ScheduleOptionsResponse:
    return service.schedule_options()


@router.post("/restore/{backup_id}", response_model=RestoreResponse)
async def restore_from_backup(
    backup_id: BackupId,
    db: SessionDep,
    admin: CurrentAdmin,
    data: Annotated[RestoreRequest | None, Body()] = None,
) -> RestoreResponse:
    """Replace all business data and CMS content with a backup's. Requires
    `{"confirm": true}`. The archive is checked (readable, same schema) at once; a job then
    verifies every checksum, takes a safety backup and replaces the data in one transaction."""
    return await service.request_restore(db, admin, backup_id, data.confirm if data else False)


@router.get("/restore", response_model=list[RestoreResponse])
async def get_restore_history(db: SessionDep, page: PageParams) -> list[RestoreResponse]:
    restores, total = await service.list_restores(db, skip=page.skip, limit=page.limit)
    page.set_total(total)
    return restores


@router.get("/stats", response_model=BackupStatsResponse)
async def get_backup_stats(db: SessionDep) -> BackupStatsResponse:
    return await service.stats(db)


@router.delete("/backup/{backup_id}", response_model=Message)
async def delete_backup(backup_id: BackupId, db: SessionDep, admin: CurrentAdmin) -> Message:
    """Delete a backup's row and archive."""
    return Message(message=await service.delete_backup(db, admin, backup_id))
