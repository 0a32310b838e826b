from __future__ import annotations

from datetime import datetime

from nexa.core.schemas import Gigabytes, Money, Schema
from nexa.models import (
    DiscountType,
    PaymentMethod,
    PaymentStatus,
    SubscriptionStatus,
    TransactionType,
)


class CustomerTransactionResponse(Schema):
    transaction_id: int
    plan_name: str
    recipient_phone_number: str
    transaction_type: TransactionType
    original_amount: Money
    discount_amount: Money
    final_amount: Money
    payment_method: PaymentMethod
    payment_status: PaymentStatus
    transaction_date: datetime
    discount_type: DiscountType | None = None
    subscription_id: int | None = None


class TransactionResponse(Schema):
    transaction_id: int
    customer_id: int
    plan_id: int
    offer_id: int | None = None
    recipient_phone_number: str
    transaction_type: TransactionType
    original_amount: Money
    discount_amount: Money
    discount_type: DiscountType | None = None
    final_amount: Money
    payment_method: PaymentMethod
    payment_status: PaymentStatus
    transaction_date: datetime
    customer_name: str | None = None
    customer_phone: str | None = None
    plan_name: str | None = None
    offer_name: str | None = None
    subscription_id: int | None = None


class CustomerSubscriptionResponse(Schema):
    subscription_id: int
    plan_name: str
    phone_number: str
    is_topup: bool
    activation_date: datetime | None
    expiry_date: datetime
    data_balance_gb: Gigabytes | None = None
    daily_data_limit_gb: Gigabytes | None = None
    daily_data_used_gb: Gigabytes | None = None
    status: SubscriptionStatus
    data_balance_mb: int
    daily_data_limit_mb: int | None = None
    daily_data_used_mb: int


class CustomerQueueResponse(Schema):
    queue_id: int
    plan_name: str
    phone_number: str
    queue_position: int
    expected_activation_date: datetime
    expected_expiry_date: datetime
    subscription_id: int


class AdminSubscriptionItem(CustomerSubscriptionResponse):
    customer_id: int
    customer_name: str
    customer_phone: str
    plan_id: int
    base_subscription_id: int | None = None


class AdminQueueItem(CustomerQueueResponse):
    customer_id: int
    customer_name: str
    customer_phone: str
    plan_id: int
    created_at: datetime
