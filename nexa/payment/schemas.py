"""The payment domain's public types: the order a purchase opens, and the views of a payment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from nexa.core.schemas import Money, Schema
from nexa.models import (
    DiscountType,
    PaymentMethod,
    PaymentState,
    RefundStatus,
    TransactionType,
)


@dataclass(frozen=True)
class Order:
    """What a purchase asks to be paid for, priced: fulfilled once its payment is captured."""

    payer_id: int
    order_type: TransactionType
    recipient_phone_number: str
    plan_id: int
    payment_method: PaymentMethod
    original_amount: Decimal
    # what the customer sees it as, e.g. "Unlimited 299 on 9876543210"
    description: str
    discount_amount: Decimal = Decimal("0.00")
    discount_type: DiscountType | None = None
    offer_id: int | None = None
    referral_discount_id: int | None = None
    # at most one open payment per reference (e.g. the bills of one activation)
    order_ref: str | None = None
    # the purchase's Idempotency-Key row (set by the checkout)
    idempotency_key_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def amount(self) -> Decimal:
        return self.original_amount - self.discount_amount


@dataclass(frozen=True)
class PaymentRecord:
    """A payment as the domains that fulfil it see it."""

    payment_id: str
    customer_id: int
    order_type: TransactionType
    recipient_phone_number: str
    plan_id: int
    offer_id: int | None
    referral_discount_id: int | None
    original_amount: Decimal
    discount_amount: Decimal
    discount_type: DiscountType | None
    amount: Decimal
    payment_method: PaymentMethod
    order_details: dict[str, Any]
    description: str
    status: PaymentState
    transaction_id: int | None
    captured_at: datetime | None
    idempotency_key_id: int | None


class OrderView(Schema):
    order_type: TransactionType
    recipient_phone_number: str
    plan_id: int
    offer_id: int | None = None
    original_amount: Money
    discount_amount: Money
    discount_type: DiscountType | None = None
    amount: Money
    description: str


class PaymentPending(Schema):
    """The answer (202) to a purchase whose payment the provider has not decided yet."""

    payment_status: Literal["pending"] = "pending"
    payment_id: str
    provider: str
    provider_order_id: str | None = None
    order: OrderView
    message: str = "Payment pending: the purchase completes when the payment is confirmed"


class PaymentEventView(Schema):
    status: PaymentState
    source: str
    amount: Money | None = None
    detail: str | None = None
    created_at: datetime


class RefundView(Schema):
    refund_id: int
    amount: Money
    status: RefundStatus
    reason: str
    admin_id: int | None = None
    provider_refund_id: str | None = None
    created_at: datetime
    processed_at: datetime | None = None


def as_record(payment: object) -> PaymentRecord:
    """The record of a payment row (or of a row the purchase path's SQL returned)."""
    return PaymentRecord(**{name: getattr(payment, name) for name in PaymentRecord.__annotations__})


class PaymentView(Schema):
    """A payment with its order; one payment asked for also has its timeline and refunds."""

    payment_id: str
    customer_id: int
    status: PaymentState
    provider: str
    payment_method: PaymentMethod
    amount: Money
    refunded_amount: Money
    order: OrderView
    timeline: list[PaymentEventView] = Field(default_factory=list)
    refunds: list[RefundView] = Field(default_factory=list)
    created_at: datetime
    captured_at: datetime | None = None
    failed_at: datetime | None = None
    fulfilled_at: datetime | None = None
    failure_reason: str | None = None
    transaction_id: int | None = None


class RefundRequest(Schema):
    """`amount` left out: what is still refundable."""

    amount: Money | None = Field(default=None, gt=0)
    reason: str = Field(default="Refunded by the operator", min_length=1, max_length=255)


class WebhookAck(Schema):
    received: bool = True
    duplicate: bool = False
