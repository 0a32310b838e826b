"""Lines, transactions, subscriptions, the activation queue and usage events."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, Timestamps, str_enum


class TransactionType(enum.StrEnum):
    prepaid_recharge = "prepaid_recharge"
    postpaid_bill_payment = "postpaid_bill_payment"
    topup_purchase = "topup_purchase"


class DiscountType(enum.StrEnum):
    offer = "offer"
    referral = "referral"


class PaymentMethod(enum.StrEnum):
    credit_card = "credit_card"
    debit_card = "debit_card"
    net_banking = "net_banking"
    upi = "upi"


class PaymentStatus(enum.StrEnum):
    success = "success"
    failed = "failed"


class SubscriptionStatus(enum.StrEnum):
    """Base plans: queued -> active -> expired. Top-ups: active -> exhausted / expired."""

    queued = "queued"
    active = "active"
    exhausted = "exhausted"
    expired = "expired"


class Line(Timestamps, Base):
    """A phone number NEXA serves. Every purchase or usage for the number locks this row."""

    __tablename__ = "line"

    phone_number: Mapped[str] = mapped_column(String(20), primary_key=True)


class Transaction(Base):
    __tablename__ = "transaction"

    transaction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.plan_id"), nullable=False)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.offer_id"))
    recipient_phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    transaction_type: Mapped[TransactionType] = mapped_column(
        str_enum(TransactionType, "transaction_type", length=30), nullable=False
    )
    original_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    discount_amount: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), nullable=False, server_default="0"
    )
    discount_type: Mapped[DiscountType | None] = mapped_column(
        str_enum(DiscountType, "discount_type")
    )
    final_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "payment_method"), nullable=False
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "payment_status"), nullable=False
    )
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    transaction_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # the subscription bought (prepaid); filled after it is created
    subscription_id: Mapped[int | None] = mapped_column(BigInteger)
    # set by the referral programme when a voucher paid part of the price
    referral_discount_id: Mapped[int | None] = mapped_column(BigInteger)
    # postpaid bill paid by this transaction
    bill_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("original_amount >= 0", name="original_not_negative"),
        CheckConstraint("discount_amount >= 0", name="discount_not_negative"),
        CheckConstraint("final_amount >= 0", name="final_not_negative"),
        CheckConstraint(
            "final_amount = original_amount - discount_amount",
            name="final_is_original_less_discount",
        ),
        Index("ix_transaction_customer_date", "customer_id", "transaction_date"),
        Index("ix_transaction_date", "transaction_date"),
        Index("ix_transaction_recipient", "recipient_phone_number"),
        Index("ix_transaction_plan_id", "plan_id"),
        Index("ix_transaction_offer_id", "offer_id"),
    )


class Subscription(Timestamps, Base):
    """A prepaid plan or top-up bought for one number."""

    __tablename__ = "subscription"

    subscription_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # the registered customer whose number this is, else the payer
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
            "status IN ('queued', 'active', 'expired') OR is_topup", name="base_plan_status"
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
