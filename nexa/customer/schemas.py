from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator

from nexa.core.gst import GST_STATES
from nexa.core.schemas import (
    CUSTOMER_PASSWORD_MIN,
    PASSWORD_MAX,
    Money,
    Name,
    PhoneNumber,
    Schema,
)
from nexa.models import AccountStatus, StatusReason
from nexa.otp.schemas import OtpCode

FullName = Field(max_length=255)


def _known_state(value: str) -> str:
    if value not in GST_STATES:
        raise ValueError(
            "state_code must be a GST state code: two digits, e.g. 29 (Karnataka), 27 "
            "(Maharashtra), 07 (Delhi)"
        )
    return value


# the customer's GST state, the place of supply on their invoices (docs/decisions.md#gst-split)
StateCode = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_known_state)]
PictureUrl = Field(default=None, max_length=300)


class CustomerRegister(Schema):
    phone_number: PhoneNumber
    password: str = Field(min_length=CUSTOMER_PASSWORD_MIN, max_length=PASSWORD_MAX)
    full_name: Name = FullName
    profile_picture_url: str | None = PictureUrl
    referral_code: str | None = Field(default=None, max_length=32)
    # a code from `POST /customer/otp/request` (purpose `register`): required when
    # NEXA_PHONE_VERIFICATION=required (docs/decisions.md#phone-verification)
    otp: OtpCode | None = None


class PasswordResetRequest(Schema):
    phone_number: PhoneNumber
    # from `POST /customer/otp/request` with purpose `reset_password`
    otp: OtpCode
    new_password: str = Field(min_length=CUSTOMER_PASSWORD_MIN, max_length=PASSWORD_MAX)


class PasswordResetResponse(Schema):
    message: str
    sessions_revoked: int


class CustomerResponse(Schema):
    customer_id: int
    phone_number: str
    full_name: str
    account_status: AccountStatus
    profile_picture_url: str | None = None
    last_active_plan_date: datetime | None = None
    days_inactive: int = 0
    created_at: datetime
    updated_at: datetime | None = None
    # NEXA addition: when the number was proved by a one-time code
    phone_verified_at: datetime | None = None
    # NEXA addition: the GST state code, when the customer gave it
    state_code: str | None = None


class CustomerProfileResponse(Schema):
    customer_id: int
    phone_number: str
    full_name: str
    profile_picture_url: str | None = None
    account_status: AccountStatus
    last_active_plan_date: datetime | None = None
    created_at: datetime
    # NEXA addition: when the number was proved by a one-time code
    phone_verified_at: datetime | None = None
    # NEXA addition: the GST state code, when the customer gave it
    state_code: str | None = None


class CustomerProfileUpdate(Schema):
    full_name: Name | None = Field(default=None, max_length=255)
    profile_picture_url: str | None = PictureUrl
    # NEXA addition: the GST state code (place of supply on invoices); null forgets it
    state_code: StateCode | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_not_null(cls, data: Any) -> Any:
        if isinstance(data, dict) and "full_name" in data and data["full_name"] is None:
            raise ValueError("full_name cannot be null; leave it out to keep the current name")
        return data


class ChangePasswordRequest(Schema):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class CustomerDetailResponse(CustomerResponse):
    """The earlier API's detail fields, returned on every list row
    (docs/decisions.md#customer-management)."""

    total_transactions: int = 0
    total_spent: Money = Decimal("0.00")
    active_subscriptions: int = 0
    queued_subscriptions: int = 0
    referral_code: str | None = None
    status_reason: StatusReason | None = None
    status_changed_at: datetime | None = None
    status_note: str | None = None


class CustomerContact(Schema):
    """Who a customer is, for other domains' views."""

    customer_id: int
    full_name: str
    phone_number: str


class CustomerStatsResponse(Schema):
    total_customers: int
    active_customers: int
    inactive_customers: int
    suspended_customers: int
    new_customers_today: int
    new_customers_this_week: int


class SuspendRequest(Schema):
    reason: str = Field(min_length=1, max_length=255)


class StatusChangeResponse(Schema):
    message: str
    customer_id: int
    account_status: AccountStatus
    sessions_revoked: int
