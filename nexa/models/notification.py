from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, str_enum

NotificationType = enum.StrEnum(
    "NotificationType",
    "low_balance plan_expiry promotional payment_success payment_failure postpaid_due_date"
    " referral_bonus inactivity_warning plan_queued plan_activated data_exhausted addon_offered"
    " topup_activated topup_exhausted daily_limit_reached payment_refunded",
)
NotificationChannel = enum.StrEnum("NotificationChannel", "sms push in_app")
NotificationSource = enum.StrEnum("NotificationSource", "system admin")


class Notification(CreatedAt, Base):
    """A notification to a customer: an outbox row written with the event that causes it."""

    __tablename__ = "notification"

    notification_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[NotificationType] = mapped_column(
        str_enum(NotificationType, "notification_type"), nullable=False
    )
    channel: Mapped[NotificationChannel] = mapped_column(
        str_enum(NotificationChannel, "notification_channel"), nullable=False
    )
    is_read: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="pending")
    delivery_mode: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default="simulated"
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[NotificationSource] = mapped_column(
        str_enum(NotificationSource, "notification_source"),
        nullable=False,
        server_default="system",
    )
    # makes an automatic alert happen at most once per period (e.g. per day, per cycle)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # delivery bookkeeping (SMS and push): tries so far, when to try next, the last failure
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(String(500))
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_broadcast.broadcast_id")
    )

    __table_args__ = (
        Index("ix_notification_customer_created", "customer_id", "created_at"),
        Index(
            "ix_notification_pending",
            "created_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_notification_type", "type"),
        Index("ix_notification_broadcast_id", "broadcast_id"),
    )


class NotificationPreference(Base):
    """A customer's opt-outs: promotional messages per channel (service alerts stay on)."""

    __tablename__ = "notification_preference"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), primary_key=True)
    promotional_sms: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    promotional_push: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    promotional_in_app: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationBroadcast(CreatedAt, Base):
    """An admin send to many customers, fanned out into rows by a job in batches."""

    __tablename__ = "notification_broadcast"

    broadcast_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("admin.admin_id"), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[NotificationType] = mapped_column(
        str_enum(NotificationType, "broadcast_notification_type"), nullable=False
    )
    channel: Mapped[NotificationChannel] = mapped_column(
        str_enum(NotificationChannel, "broadcast_channel"), nullable=False
    )
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="queued")
    target_count: Mapped[int] = mapped_column(Integer, nullable=False)
    created_count: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    # keyset cursor of the fan-out: customers up to this id are done
    last_customer_id: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PrioritySms(CreatedAt, Base):
    """An SMS to a number, registered or not, sent ahead of every notification row (one-time
    codes). Its text is kept only sealed (encrypted with a key derived from SECRET_KEY) and
    only until it is sent or given up; it never appears in notification lists
    (docs/decisions.md#otp-delivery)."""

    __tablename__ = "priority_sms"

    sms_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    # what it is for, e.g. "one_time_code:login" (never its text)
    purpose: Mapped[str] = mapped_column(String(40), nullable=False)
    sealed_message: Mapped[str | None] = mapped_column(Text)
    # not sent after this (a code that has expired is useless)
    send_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="pending")
    delivery_mode: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default="simulated"
    )
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failure_reason: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        Index(
            "ix_priority_sms_pending",
            "created_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_priority_sms_created_at", "created_at"),
    )


class TestSms(Base):
    """Outside production: the last messages the simulated SMS provider "sent" to each
    number (20 per number), for testers (`GET /admin/test-sms/{phone_number}`)."""

    __tablename__ = "test_sms"
    __test__ = False  # not a pytest class

    test_sms_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (Index("ix_test_sms_phone", "phone_number", "test_sms_id"),)
