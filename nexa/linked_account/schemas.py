from __future__ import annotations

from datetime import datetime

from pydantic import Field

from nexa.core.schemas import MAX_DB_ID, DbId, Gigabytes, Money, PhoneNumber, Schema
from nexa.models import PaymentMethod, SubscriptionStatus
from nexa.recharge.schemas import RechargeResponse


class LinkedAccountBase(Schema):
    linked_phone_number: PhoneNumber


class LinkedAccountResponse(Schema):
    linked_account_id: int
    primary_customer_id: int
    linked_phone_number: str
    # resolved from the customer table on every read, never stored
    # (docs/decisions.md#linked-accounts)
    linked_customer_id: int | None = None
    created_at: datetime
    primary_customer_name: str | None = None
    linked_customer_name: str | None = None
    is_registered_user: bool = False
    # filled only when one link is asked for (`?linked_account_id=`;
    # docs/decisions.md#linked-views)
    active_subscriptions: int | None = Field(
        default=None, description="Plans active now on the number that you paid for"
    )
    total_spent: Money | None = Field(
        default=None, description="What you paid for this number (successful payments)"
    )


class RechargeLinkedRequest(Schema):
    linked_account_id: int = Field(
        ge=-MAX_DB_ID, le=MAX_DB_ID, description="Required by the reference; the path value wins"
    )
    plan_id: DbId
    # 0 or a negative value means "no offer", as the reference clients send
    offer_id: int | None = Field(default=None, le=MAX_DB_ID)
    payment_method: PaymentMethod
    use_referral_discount: bool = Field(
        default=True, description="Apply your referral voucher (it replaces the offer)"
    )


class RechargeLinkedResponse(RechargeResponse):
    """The reference fields (`transaction_id`, `linked_phone_number`, `plan_name`,
    `final_amount`, `message`) plus everything the own recharge answers."""

    linked_phone_number: str


class LinkedSpending(Schema):
    linked_account_id: int
    linked_phone_number: str
    total_spent: Money
    transaction_count: int
    last_recharge_at: datetime | None = None
    date_from: datetime | None = None
    date_to: datetime | None = Field(default=None, description="exclusive")


class LinkedSubscription(Schema):
    subscription_id: int
    transaction_id: int
    plan_id: int
    plan_name: str
    phone_number: str
    is_topup: bool
    status: SubscriptionStatus
    # actual start when active, expected start when queued
    activation_date: datetime | None = None
    expiry_date: datetime
    queue_position: int | None = None
    data_allowance_mb: int
    data_allowance_gb: Gigabytes
    data_balance_mb: int
    data_balance_gb: Gigabytes
    daily_data_limit_mb: int | None = None
    daily_data_limit_gb: Gigabytes | None = None
    daily_data_used_mb: int
    daily_data_used_gb: Gigabytes


class CustomerSummary(Schema):
    customer_id: int
    full_name: str
    phone_number: str


class OwnedLink(Schema):
    linked_account_id: int
    linked_phone_number: str
    linked_customer_id: int | None = None
    linked_customer_name: str | None = None
    is_registered_user: bool
    created_at: datetime


class LinkToCustomer(Schema):
    linked_account_id: int
    primary_customer_id: int
    primary_customer_name: str | None = None
    primary_phone_number: str
    created_at: datetime


class CustomerLinks(Schema):
    customer: CustomerSummary
    as_primary_owner: list[OwnedLink]
    as_linked_account: list[LinkToCustomer]
