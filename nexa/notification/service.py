"""The one way any domain notifies a customer: a row written in the caller's transaction.

Rows are an outbox: delivery over SMS / push happens later in a job, so a rolled-back
business change never sends anything. A `dedupe_key` makes an alert happen at most once
(per day, per cycle, per subscription…) even when a job runs twice or on two workers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import NotificationChannel, NotificationSource, NotificationType
from nexa.notification.repository import NotificationRepository


@dataclass(frozen=True)
class Alert:
    customer_id: int
    type: NotificationType
    title: str
    message: str
    channel: NotificationChannel = NotificationChannel.sms
    dedupe_key: str | None = None
    source: NotificationSource = NotificationSource.system


async def notify(db: AsyncSession, *alerts: Alert) -> list[int]:
    """Write notifications; returns the ids created (duplicates by dedupe_key are skipped)."""
    return await NotificationRepository(db).add_many([asdict(alert) for alert in alerts])


async def notify_from_select(db: AsyncSession, query: Select[Any]) -> int:
    """Set-based variant for jobs. `query` selects the columns customer_id, type, title,
    message, channel, dedupe_key (in that order); returns how many were created."""
    columns = ["customer_id", "type", "title", "message", "channel", "dedupe_key"]
    return await NotificationRepository(db).add_from_select(columns, query)
