from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from nexa.auth.dependencies import CurrentCustomer
from nexa.core.db import SessionDep, unit_of_work
from nexa.core.pagination import PageParams
from nexa.models import NotificationType
from nexa.notification import live, service
from nexa.notification.schemas import (
    MarkAsReadRequest,
    MarkedResponse,
    NotificationPreferences,
    NotificationPreferencesUpdate,
    NotificationResponse,
    NotificationStats,
)

router = APIRouter(prefix="/customer/notifications", tags=["Customer Notifications"])
KEEPALIVE_SECONDS = 15


@router.get("/", response_model=list[NotificationResponse])
async def get_my_notifications(
    customer: CurrentCustomer,
    db: SessionDep,
    page: PageParams,
    unread_only: bool = False,
    is_read: bool | None = None,
    type: Annotated[list[NotificationType] | None, Query()] = None,
) -> list[NotificationResponse]:
    """Your notifications, newest first (every channel appears here)."""
    notifications, total = await service.list_for_customer(
        db,
        customer,
        is_read=False if unread_only else is_read,
        types=type,
        skip=page.skip,
        limit=page.limit,
    )
    page.set_total(total)
    return notifications


@router.get("/stats", response_model=NotificationStats)
async def get_notification_stats(customer: CurrentCustomer, db: SessionDep) -> NotificationStats:
    return await service.customer_stats(db, customer)


@router.post("/mark-read", response_model=MarkedResponse)
async def mark_notifications_as_read(
    data: MarkAsReadRequest, customer: CurrentCustomer, db: SessionDep
) -> MarkedResponse:
    count = await service.mark_read(db, customer, data.notification_ids)
    return MarkedResponse(message=f"{count} notifications marked as read", updated_count=count)


@router.post("/mark-all-read", response_model=MarkedResponse)
async def mark_all_notifications_as_read(
    customer: CurrentCustomer, db: SessionDep
) -> MarkedResponse:
    count = await service.mark_read(db, customer, None)
    return MarkedResponse(message=f"{count} notifications marked as read", updated_count=count)


@router.get("/preferences", response_model=NotificationPreferences)
async def get_preferences(customer: CurrentCustomer, db: SessionDep) -> NotificationPreferences:
    """Which promotional messages you receive per channel (service alerts always come)."""
    return await service.preferences(db, customer)


@router.put("/preferences", response_model=NotificationPreferences)
async def update_preferences(
    data: NotificationPreferencesUpdate, customer: CurrentCustomer, db: SessionDep
) -> NotificationPreferences:
    return await service.update_preferences(db, customer, data)


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream_notifications(
    customer: CurrentCustomer,
    request: Request,
) -> StreamingResponse:
    """Server-Sent Events: each new notification as an `event: notification` with its JSON.

    A client that reconnects fetches what it missed from the list endpoint."""
    customer_id = customer.customer_id
    hub = live.hub()
    queue = await hub.subscribe(customer_id)

    async def events() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n: connected\n\n"
            while not await request.is_disconnected():
                try:
                    notification_id = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                async with unit_of_work() as db:
                    found = await service.get_for_customer(db, customer_id, notification_id)
                if found is not None:
                    yield (
                        f"id: {found.notification_id}\nevent: notification\n"
                        f"data: {found.model_dump_json()}\n\n"
                    )
        finally:
            hub.unsubscribe(customer_id, queue)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
