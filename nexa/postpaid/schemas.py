from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import Field

from nexa.core.schemas import DbId, Gigabytes, Money, PhoneNumber, Schema
from nexa.models import AddonStatus, BillStatus, PaymentMethod, PostpaidStatus


class PostpaidPlanResponse(Schema):
    plan_id: int
    plan_name: str
    price: Money
    description: str
    data_allowance_gb: Gigabytes | None = None
    data_allowance_mb: int | None = None
    talktime_allowance_minutes: int | None = None
    sms_allowance: int | None = None
    benefits: list[str] | None = None
    max_secondary_numbers: int = 0


class PostpaidActivationRequest(Schema):
    plan_id: DbId
    primary_number: PhoneNumber


class SecondaryNumberRequest(Schema):
    activation_id: DbId
    phone_number: PhoneNumber


class SecondaryNumberResponse(Schema):
    secondary_id: int
    phone_number: str
    added_date: datetime
    customer_id: int | None = None


class PostpaidActivationResponse(Schema):
    activation_id: int
    plan_name: str
    primary_number: str
    billing_cycle_start: datetime
    billing_cycle_end: datetime
    base_data_allowance_gb: Gigabytes
    current_data_balance_gb: Gigabytes
    data_used_gb: Gigabytes
    base_amount: Money
    total_amount_due: Money
    status: PostpaidStatus
    secondary_numbers: list[SecondaryNumberResponse] = Field(default_factory=list)
    user_role: str = "primary_owner"
    # NEXA additions
    plan_id: int
    base_data_allowance_mb: int
    current_data_balance_mb: int
    data_used_mb: int


class DataAddonPurchaseRequest(Schema):
    activation_id: DbId
    plan_id: DbId


class DataAddonResponse(Schema):
    addon_id: int
    addon_name: str
    data_amount_gb: Gigabytes
    addon_price: Money
    purchased_date: datetime
    valid_until: datetime
    status: AddonStatus
    data_amount_mb: int
    data_remaining_mb: int
    data_remaining_gb: Gigabytes


class PostpaidActivationDetailResponse(PostpaidActivationResponse):
    customer_id: int
    customer_name: str
    customer_phone: str
    data_addons: list[DataAddonResponse] = Field(default_factory=list)


class BillLineItem(Schema):
    description: str
    amount: Money


class PostpaidBillResponse(Schema):
    activation_id: int
    billing_cycle_start: datetime
    billing_cycle_end: datetime
    base_amount: Money
    addon_charges: Money = Decimal("0.00")
    total_amount_due: Money
    due_date: datetime
    # NEXA additions: a closed bill has an id and a status; the running cycle has neither
    bill_id: int | None = None
    status: BillStatus | None = None
    is_estimate: bool = False
    line_items: list[BillLineItem] = Field(default_factory=list)
    paid_at: datetime | None = None


class BillPaymentRequest(Schema):
    activation_id: DbId
    payment_method: PaymentMethod


class BillPaymentResponse(Schema):
    message: str
    activation_id: int
    primary_number: str
    transaction_id: int
    amount_paid: Money
    bills_paid: list[int]
    status: PostpaidStatus
    payment_id: str | None = None


class PostpaidUsageResponse(Schema):
    activation_id: int
    data_used_gb: Gigabytes
    current_data_balance_gb: Gigabytes
    base_data_allowance_gb: Gigabytes
    data_used_mb: int
    current_data_balance_mb: int
    base_data_allowance_mb: int
    status: PostpaidStatus


class SecondaryValidation(Schema):
    activation_id: int
    plan_name: str
    max_secondary_numbers_allowed: int
    current_secondary_numbers: int
    can_add_more: bool
    remaining_slots: int


class DuePayment(Schema):
    activation_id: int
    customer_name: str
    customer_phone: str
    plan_name: str
    primary_number: str
    total_amount_due: Money
    billing_cycle_end: datetime
    days_remaining: int
    due_date: datetime
    status: PostpaidStatus


class CustomerSummary(Schema):
    customer_id: int
    full_name: str
    phone_number: str


class HistoryActivation(Schema):
    activation_id: int
    plan_name: str
    primary_number: str
    status: PostpaidStatus
    billing_cycle_start: datetime
    billing_cycle_end: datetime
    total_amount_due: Money
    data_used_gb: Gigabytes
    secondary_numbers_count: int
    active_addons_count: int
    created_at: datetime


class HistoryPayment(Schema):
    transaction_id: int
    plan_name: str
    amount: Money
    payment_method: str
    payment_status: str
    transaction_date: datetime


class CustomerPostpaidHistory(Schema):
    customer: CustomerSummary
    activations: list[HistoryActivation]
    payment_history: list[HistoryPayment]
