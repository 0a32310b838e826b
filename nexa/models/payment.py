"""Payments (each with the order it pays for), their history and refunds, and the ledger:
one `transaction` row per settled payment attempt, whatever was bought."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, Timestamps, str_enum

TransactionType = enum.StrEnum(
    "TransactionType", "prepaid_recharge postpaid_bill_payment topup_purchase"
)
DiscountType = enum.StrEnum("DiscountType", "offer referral")
PaymentMethod = enum.StrEnum("PaymentMethod", "credit_card debit_card net_banking upi")
PaymentStatus = enum.StrEnum("PaymentStatus", "success failed")


class PaymentState(enum.StrEnum):
    """created -> pending -> captured | failed; a captured payment may then be refunded in
    part (partially_refunded) or in full (refunded). docs/decisions.md#payment-lifecycle"""

    created = "created"
    pending = "pending"
    captured = "captured"
    failed = "failed"
    partially_refunded = "partially_refunded"
    refunded = "refunded"


RefundStatus = enum.StrEnum("RefundStatus", "pending processed failed")


class Payment(Timestamps, Base):
    """One payment and the order it pays for: what is bought, for whom, at which price. The
    order is fulfilled once, when the payment is captured."""

    __tablename__ = "payment"

    payment_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    # the order: what it buys (the ledger's kinds), for which number, at which price
    order_type: Mapped[TransactionType] = mapped_column(
        str_enum(TransactionType, "payment_order_type", length=30), nullable=False
    )
    recipient_phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.plan_id"), nullable=False)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.offer_id"))
    referral_discount_id: Mapped[int | None] = mapped_column(BigInteger)
    original_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    discount_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    discount_type: Mapped[DiscountType | None] = mapped_column(
        str_enum(DiscountType, "payment_discount_type")
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "payment_payment_method"), nullable=False
    )
    # what one open payment at a time may be for (e.g. "postpaid_activation:12": its bills)
    order_ref: Mapped[str | None] = mapped_column(String(100))
    # what the owning domain needs to fulfil it (e.g. the bills paid)
    order_details: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    description: Mapped[str] = mapped_column(String(255), nullable=False)
    # the money
    status: Mapped[PaymentState] = mapped_column(
        str_enum(PaymentState, "payment_state"), nullable=False
    )
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    provider_order_id: Mapped[str | None] = mapped_column(String(100))
    provider_payment_id: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    refunded_amount: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), nullable=False, server_default="0"
    )
    captured_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fulfilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the ledger row written when the payment settled (success or failure)
    transaction_id: Mapped[int | None] = mapped_column(BigInteger)
    # the purchase's Idempotency-Key: whoever settles the payment stores its final answer
    idempotency_key_id: Mapped[int | None] = mapped_column(BigInteger)
    # reconciliation of a payment still open: when to ask the provider next, and when to give up
    next_check_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("amount = original_amount - discount_amount", name="amount_is_priced"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount", name="refund_within_amount"
        ),
        Index("ix_payment_customer_created", "customer_id", "created_at"),
        Index("ix_payment_created_at", "created_at"),
        Index(
            "ix_payment_open",
            "next_check_at",
            postgresql_where=text("status IN ('created', 'pending')"),
        ),
        Index(
            "uq_payment_open_order_ref",
            "order_ref",
            unique=True,
            postgresql_where=text("status IN ('created', 'pending')"),
        ),
        Index(
            "uq_payment_provider_order",
            "provider",
            "provider_order_id",
            unique=True,
            postgresql_where=text("provider_order_id IS NOT NULL"),
        ),
    )


class PaymentEvent(CreatedAt, Base):
    """Every change of a payment, and every provider event about it, kept (its timeline)."""

    __tablename__ = "payment_event"

    payment_event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payment.payment_id"), nullable=False)
    status: Mapped[PaymentState] = mapped_column(
        str_enum(PaymentState, "payment_event_state"), nullable=False
    )
    # checkout, provider, webhook, reconciliation, admin
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    provider: Mapped[str | None] = mapped_column(String(20))
    # a webhook's own id: the same event delivered again changes nothing
    provider_event_id: Mapped[str | None] = mapped_column(String(100))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    detail: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (
        Index("ix_payment_event_payment", "payment_id", "payment_event_id"),
        Index(
            "uq_payment_event_provider_event",
            "provider",
            "provider_event_id",
            unique=True,
            postgresql_where=text("provider_event_id IS NOT NULL"),
        ),
    )


class PaymentRefund(Timestamps, Base):
    """Money given back: asked of the provider (pending), completed by it (processed)."""

    __tablename__ = "payment_refund"

    refund_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payment.payment_id"), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    status: Mapped[RefundStatus] = mapped_column(
        str_enum(RefundStatus, "refund_status"), nullable=False
    )
    reason: Mapped[str] = mapped_column(String(255), nullable=False)
    # the admin who asked for it; NULL when NEXA refunded an order it could not fulfil
    admin_id: Mapped[int | None] = mapped_column(ForeignKey("admin.admin_id"))
    provider_refund_id: Mapped[str | None] = mapped_column(String(100))
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_payment_refund_payment", "payment_id"),
        Index("ix_payment_refund_processed_at", "processed_at"),
    )


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
    # the payment this row settles (NULL for rows older than payments)
    payment_id: Mapped[str | None] = mapped_column(ForeignKey("payment.payment_id"))

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
        Index("ix_transaction_payment_id", "payment_id"),
    )
