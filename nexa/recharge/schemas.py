from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import Field

from nexa.core.schemas import DbId, Gigabytes, Money, PhoneNumber, Schema
from nexa.models import (
    DiscountType,
    PaymentMethod,
    PaymentStatus,
    Subscription,
    SubscriptionStatus,
)


class RechargeRequest(Schema):
    plan_id: DbId
    # 0 or a negative value means "no offer", as the reference clients send
    offer_id: int | None = Field(default=None, le=2**63 - 1)
    recipient_phone_number: PhoneNumber
    payment_method: PaymentMethod
    use_referral_discount: bool = Field(
        default=True, description="Apply the payer's referral voucher (it replaces the offer)"
    )


class RechargeResponse(Schema):
    transaction_id: int
    payment_id: str | None = None  # NEXA: the payment, its order and its timeline
    plan_name: str
    final_amount: Money
    payment_status: PaymentStatus
    message: str
    # NEXA additions
    original_amount: Money
    discount_amount: Money
    discount_type: DiscountType | None = None
    offer_id: int | None = None
    subscription_id: int
    subscription_status: SubscriptionStatus
    recipient_phone_number: str
    activation_date: datetime
    expiry_date: datetime
    queue_position: int | None = None


class PaymentFailedBody(Schema):
    """The 402 of a declined payment: the failed attempt stays in the ledger."""

    detail: str
    code: str
    transaction_id: int
    payment_status: PaymentStatus = PaymentStatus.failed
    payment_id: str | None = None


class UsageRecord(Schema):
    event_id: str = Field(min_length=1, max_length=100)
    phone_number: PhoneNumber
    used_mb: int = Field(gt=0, le=10**9)
    occurred_at: datetime | None = None


class UsageBatch(Schema):
    records: list[UsageRecord] = Field(min_length=1, max_length=1000)


class UsageBatchResult(Schema):
    received: int
    applied: int
    duplicates: int
    applied_mb: int
    throttled_mb: int


class TopupUsage(Schema):
    subscription_id: int
    plan_name: str
    data_balance_mb: int
    data_balance_gb: Gigabytes
    expiry_date: datetime


class CustomerUsageResponse(Schema):
    phone_number: str
    has_active_plan: bool
    plan_name: str | None = None
    subscription_id: int | None = None
    expiry_date: datetime | None = None
    daily_data_limit_mb: int | None = None
    daily_data_limit_gb: Gigabytes | None = None
    daily_data_used_mb: int = 0
    daily_data_used_gb: Gigabytes = Decimal("0.00")
    daily_remaining_mb: int | None = None
    base_balance_mb: int = 0
    base_balance_gb: Gigabytes = Decimal("0.00")
    topups: list[TopupUsage] = Field(default_factory=list)
    total_remaining_mb: int = 0
    total_remaining_gb: Gigabytes = Decimal("0.00")


@dataclass(frozen=True)
class BoughtPlan:
    """A plan of a number, with its name and, while it waits, its place in the queue."""

    subscription: Subscription
    plan_name: str
    queue_position: int | None
    expected_activation_date: datetime | None
