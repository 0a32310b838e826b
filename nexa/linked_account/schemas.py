from __future__ import annotations

from datetime import datetime

from pydantic import Field

from nexa.core.schemas import DbId, Gigabytes, Money, PhoneNumber, Schema
from nexa.models import PaymentMethod, SubscriptionStatus
from nexa.recharge.schemas import RechargeResponse


class LinkedAccountBase(Schema):
    linked_phone_number: PhoneNumber


class LinkedAccountResponse(Schema):
    linked_account_id: int
    primary_customer_id: int
    linked_phone_number: str
    linked_customer_id: int | None = None
    created_at: datetime
    primary_customer_name: str | None = None
    linked_customer_name: str | None = None
    is_registered_user: bool = False
    # with ?linked_account_id= (Q-22)
    active_subscriptions: int | None = None
    total_spent: Money | None = None


class RechargeLinkedRequest(Schema):
    linked_account_id: int | None = Field(default=None, description="ignored: the path wins")
    plan_id: DbId
    offer_id: int | None = Field(default=None, le=2**63 - 1)
    payment_method: PaymentMethod
    use_referral_discount: bool = True


class RechargeLinkedResponse(RechargeResponse):
    linked_phone_number: str


class LinkedSpending(Schema):
    linked_account_id: int
    linked_phone_number: str
    total_spent: Money
    transaction_count: int
    last_recharge_at: datetime | None


class LinkedSubscription(Schema):
    subscription_id: int
    plan_name: str
    phone_number: str
    is_topup: bool
    status: SubscriptionStatus
    activation_date: datetime | None
    expiry_date: datetime
    queue_position: int | None = None
    data_balance_mb: int
    data_balance_gb: Gigabytes


class CustomerSummary(Schema):
    customer_id: int
    full_name: str
    phone_number: str


class OwnedLink(Schema):
    linked_account_id: int
    linked_phone_number: str
    linked_customer_name: str | None
    is_registered_user: bool
    created_at: datetime


class LinkToCustomer(Schema):
    linked_account_id: int
    primary_customer_name: str | None
    primary_phone_number: str
    created_at: datetime


class CustomerLinks(Schema):
    customer: CustomerSummary
    as_primary_owner: list[OwnedLink]
    as_linked_account: list[LinkToCustomer]
