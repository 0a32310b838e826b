from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexa.auth.dependencies import CurrentAdmin
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId
from nexa.models import NotificationChannel, NotificationSource, NotificationType
from nexa.notification import service
from nexa.notification.schemas import (
    AdminNotificationCreate,
    AdminNotificationStats,
    AdminSendResponse,
    AutomatedStats,
    NotificationResponse,
)

router = APIRouter(prefix="/notifications", tags=["Admin Notifications"])


@router.get("/", response_model=list[NotificationResponse])
async def get_all_notifications(
    db: SessionDep,
    page: PageParams,
    customer_id: Annotated[DbId | None, Query()] = None,
    notification_type: NotificationType | None = None,
    channel: NotificationChannel | None = None,
    status: Annotated[str | None, Query(pattern="^(pending|sent|failed)$")] = None,
    source: NotificationSource | None = None,
) -> list[NotificationResponse]:
    notifications, total = await service.admin_list(
        db,
        customer_id=customer_id,
        notification_type=notification_type,
        channel=channel,
        status=status,
        source=source,
        skip=page.skip,
        limit=page.limit,
    )
    page.set_total(total)
    return notifications


@router.post("/send", response_model=AdminSendResponse)
async def send_admin_notification(
    data: AdminNotificationCreate, admin: CurrentAdmin, db: SessionDep
) -> AdminSendResponse:
    """To the listed customers, or (`send_to_all`) to every active customer via a job."""
    return await service.admin_send(db, admin, data)


@router.get("/stats", response_model=AdminNotificationStats)
async def get_admin_notification_stats(db: SessionDep) -> AdminNotificationStats:
    return await service.admin_stats(db)


@router.get("/automated-stats", response_model=AutomatedStats)
async def get_automated_notification_stats(db: SessionDep) -> AutomatedStats:
    return await service.automated_stats(db)
