"""Lines, subscriptions, the activation queue and usage events (prepaid)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, Timestamps, str_enum


class SubscriptionStatus(enum.StrEnum):
    """Base plans: queued -> active -> expired. Top-ups: active -> exhausted / expired.
    A plan whose payment was refunded is cancelled (from queued or active)."""

    queued = "queued"
    active = "active"
    exhausted = "exhausted"
    expired = "expired"
    cancelled = "cancelled"


class Line(Timestamps, Base):
    """A phone number NEXA serves. Every purchase or usage for the number locks this row."""

    __tablename__ = "line"

    phone_number: Mapped[str] = mapped_column(String(20), primary_key=True)


class Subscription(Timestamps, Base):
    """A prepaid plan or top-up bought for one number."""

    __tablename__ = "subscription"

    subscription_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # the registered customer whose number this is, else the payer (docs/decisions.md#line-owner)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    phone_number: Mapped[str] = mapped_column(ForeignKey("line.phone_number"), nullable=False)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.plan_id"), nullable=False)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("transaction.transaction_id"), nullable=False
    )
    is_topup: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    status: Mapped[SubscriptionStatus] = mapped_column(
        str_enum(SubscriptionStatus, "subscription_status"), nullable=False
    )
    base_subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscription.subscription_id")
    )
    # null while queued; the expected start is in the queue row
    activation_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expiry_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    data_allowance_mb: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    data_balance_mb: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    daily_data_limit_mb: Mapped[int | None] = mapped_column(BigInteger)
    daily_data_used_mb: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    last_daily_reset: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("data_balance_mb >= 0", name="balance_not_negative"),
        CheckConstraint("daily_data_used_mb >= 0", name="daily_used_not_negative"),
        CheckConstraint(
            "status IN ('queued', 'active', 'expired', 'cancelled') OR is_topup",
            name="base_plan_status",
        ),
        CheckConstraint("is_topup OR base_subscription_id IS NULL", name="topup_has_base"),
        # at most one active base plan per number, whatever races happen
        Index(
            "uq_subscription_one_active_base",
            "phone_number",
            unique=True,
            postgresql_where=text("status = 'active' AND NOT is_topup"),
        ),
        Index("ix_subscription_phone_status", "phone_number", "status"),
        Index("ix_subscription_status_expiry", "status", "expiry_date"),
        Index("ix_subscription_customer_id", "customer_id"),
        Index("ix_subscription_transaction_id", "transaction_id"),
        Index("ix_subscription_base", "base_subscription_id"),
        Index("ix_subscription_plan_id", "plan_id"),
    )


class SubscriptionQueue(CreatedAt, Base):
    """A base plan waiting for the number's current plan to end (positions 1..n per number)."""

    __tablename__ = "subscription_queue"

    queue_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscription.subscription_id"), unique=True, nullable=False
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    phone_number: Mapped[str] = mapped_column(ForeignKey("line.phone_number"), nullable=False)
    expected_activation_date: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False
    )
    expected_expiry_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    queue_position: Mapped[int] = mapped_column(Integer, nullable=False)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("queue_position >= 1", name="position_positive"),
        CheckConstraint("expected_expiry_date >= expected_activation_date", name="window_ordered"),
        Index(
            "ix_subscription_queue_waiting",
            "phone_number",
            "queue_position",
            postgresql_where=text("processed_at IS NULL"),
        ),
        Index("ix_subscription_queue_customer_id", "customer_id"),
    )


class UsageEvent(Base):
    """One data-usage record from the mediation feed; `event_id` makes it idempotent."""

    __tablename__ = "usage_event"

    usage_event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    used_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    applied_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    throttled_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        CheckConstraint("used_mb > 0", name="used_positive"),
        CheckConstraint("applied_mb + throttled_mb = used_mb", name="split_adds_up"),
        Index("ix_usage_event_phone_time", "phone_number", "occurred_at"),
    )
