from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pydantic import Field, model_validator

from nexa.core.schemas import MAX_DB_ID, Schema
from nexa.models import NotificationChannel, NotificationSource, NotificationType


class NotificationResponse(Schema):
    notification_id: int
    customer_id: int
    title: str
    message: str
    type: NotificationType
    channel: NotificationChannel
    is_read: bool
    status: str
    delivery_mode: str
    sent_at: datetime | None = None
    created_at: datetime
    # NEXA additions
    source: NotificationSource
    read_at: datetime | None = None
    attempts: int = 0
    failure_reason: str | None = None


class NotificationStats(Schema):
    total_notifications: int
    unread_count: int
    received_today: int
    by_type: dict[str, int]
    by_channel: dict[str, int]


class MarkAsReadRequest(Schema):
    notification_ids: list[int] = Field(min_length=1, max_length=1000)


class MarkedResponse(Schema):
    message: str
    updated_count: int


class NotificationPreferences(Schema):
    """Promotional messages per channel (service alerts are always sent)."""

    promotional_sms: bool = True
    promotional_push: bool = True
    promotional_in_app: bool = True


class NotificationPreferencesUpdate(Schema):
    promotional_sms: bool | None = None
    promotional_push: bool | None = None
    promotional_in_app: bool | None = None


class AdminNotificationCreate(Schema):
    title: str = Field(min_length=1, max_length=255)
    message: str = Field(min_length=1, max_length=2000)
    type: NotificationType = NotificationType.promotional
    channel: NotificationChannel
    customer_ids: list[int] | None = Field(default=None, max_length=10_000)
    send_to_all: bool = False

    @model_validator(mode="after")
    def _exactly_one_audience(self) -> AdminNotificationCreate:
        listed = bool(self.customer_ids)
        if listed == self.send_to_all:
            raise ValueError("send either customer_ids (non-empty) or send_to_all: true, not both")
        if self.customer_ids and any(not 1 <= cid <= MAX_DB_ID for cid in self.customer_ids):
            raise ValueError("customer_ids must be positive ids")
        return self


class SendResult(Schema):
    notification_id: int | None = None
    customer_id: int
    success: bool


class AdminSendResponse(Schema):
    message: str
    total_sent: int
    successful: int
    failed: int
    results: list[SendResult]
    # NEXA: broadcasts are written by a job; follow them by id
    broadcast_id: int | None = None
    skipped_opted_out: int = 0


class AdminNotificationStats(Schema):
    total_notifications: int
    sent_today: int
    by_type: dict[str, int]
    by_channel: dict[str, int]
    by_status: dict[str, int]


class RecentAutomated(Schema):
    notification_id: int
    customer_id: int
    type: NotificationType
    title: str
    created_at: datetime


class AutomatedStats(Schema):
    automated_by_type: dict[str, int]
    recent_automated: list[RecentAutomated]


# a notification some event causes, written by `notification_service.notify`
@dataclass(frozen=True)
class Alert:
    customer_id: int
    type: NotificationType
    title: str
    message: str
    channel: NotificationChannel = NotificationChannel.sms
    dedupe_key: str | None = None
    source: NotificationSource = NotificationSource.system


class TestSmsResponse(Schema):
    """A message the simulated SMS gateway "sent" (outside production only)."""

    __test__ = False  # not a pytest class

    test_sms_id: int
    phone_number: str
    message: str
    sent_at: datetime
