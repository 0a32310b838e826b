from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.auth.dependencies import CurrentAdmin
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId, PhoneNumber
from nexa.models import NotificationChannel, NotificationSource, NotificationType
from nexa.notification import service
from nexa.notification.schemas import (
    AdminNotificationCreate,
    AdminNotificationStats,
    AdminSendResponse,
    AutomatedStats,
    NotificationResponse,
    TestSmsResponse,
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


# mounted only outside production, like the test clock (nexa/api.py)
test_sms_router = APIRouter(prefix="/test-sms", tags=["Test SMS"])


@test_sms_router.get("/{phone_number}", response_model=list[TestSmsResponse])
async def get_test_sms(
    phone_number: Annotated[PhoneNumber, Path(description="Any spelling of the number")],
    db: SessionDep,
) -> list[TestSmsResponse]:
    """The last 20 SMS the simulated gateway "sent" to a number, newest first (one-time
    codes included: this installation is not production)."""
    return await service.sms_inbox(db, phone_number)
