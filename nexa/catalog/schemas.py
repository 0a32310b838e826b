"""Catalogue bodies: categories, plans, offers (reference field names, plus `*_mb` companions).

Money is `Decimal` (at most 2 decimals in, 2 decimals out). Data is stored in integer MB; the
`*_gb` fields are converted with `gb_to_mb` / `mb_to_gb`. Offer dates travel as
`DD.MM.YYYY HH:MM` strings in the business time zone (ISO-8601 is also accepted on input).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator

from nexa.core.config import get_settings
from nexa.core.schemas import DbId, Gigabytes, Money, Name, Schema, mb_to_gb
from nexa.models import Offer, Plan, PlanStatus, PlanType

OFFER_TIME_FORMAT = "%d.%m.%Y %H:%M"
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


class OfferStatus(enum.StrEnum):
    active = "active"
    inactive = "inactive"
    expired = "expired"


# --- input types ---------------------------------------------------------------------------


def _enum_any_case(enum_class: type[enum.StrEnum]) -> Any:
    def parse(value: Any) -> Any:
        if isinstance(value, str):
            wanted = value.strip().lower()
            for member in enum_class:
                if member.value.lower() == wanted:
                    return member
            allowed = ", ".join(member.value for member in enum_class)
            raise ValueError(f"must be one of {allowed} (any letter case)")
        return value

    return BeforeValidator(parse)


def _any_case_schema(enum_class: type[enum.StrEnum]) -> WithJsonSchema:
    values = ", ".join(member.value for member in enum_class)
    return WithJsonSchema({"type": "string", "description": f"{values} (any letter case)"})


PlanTypeInput = Annotated[PlanType, _enum_any_case(PlanType), _any_case_schema(PlanType)]
PlanStatusInput = Annotated[PlanStatus, _enum_any_case(PlanStatus), _any_case_schema(PlanStatus)]
OfferStatusInput = Annotated[
    OfferStatus, _enum_any_case(OfferStatus), _any_case_schema(OfferStatus)
]

# a price as sent: at most 2 decimals and 10 digits before the point (NUMERIC(12,2));
# its range (> 0, below the plan price) is a business rule checked by the service (400)
PriceInput = Annotated[Decimal, Field(max_digits=12, decimal_places=2, allow_inf_nan=False)]
Percentage = Annotated[Decimal, Field(max_digits=12, allow_inf_nan=False)]
GigabytesInput = Annotated[
    Decimal, Field(ge=-(10**9), le=10**9, max_digits=16, allow_inf_nan=False)
]
Int32 = Annotated[int, Field(ge=INT32_MIN, le=INT32_MAX)]
Benefit = Annotated[str, Field(max_length=500)]


def parse_offer_time(value: Any) -> Any:
    """`DD.MM.YYYY HH:MM` (business time zone) or ISO-8601 (with an offset; without one the
    business time zone is assumed) -> an aware UTC datetime."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.strptime(text, OFFER_TIME_FORMAT)
        except ValueError:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    "use the format DD.MM.YYYY HH:MM (e.g. 31.12.2025 23:59) "
                    "or ISO-8601 with an offset"
                ) from None
    else:
        raise ValueError("must be a string DD.MM.YYYY HH:MM")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=get_settings().business_timezone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError("date out of range") from None


def format_offer_time(at: datetime) -> str:
    """An instant as the legacy offer string, in the business time zone."""
    return at.astimezone(get_settings().business_timezone).strftime(OFFER_TIME_FORMAT)


OfferTime = Annotated[
    datetime,
    BeforeValidator(parse_offer_time),
    WithJsonSchema(
        {
            "type": "string",
            "description": "DD.MM.YYYY HH:MM in the business time zone, or ISO-8601 with offset",
            "examples": ["31.12.2025 23:59"],
        }
    ),
]


def _reject_nulls(data: Any, fields: tuple[str, ...]) -> Any:
    if isinstance(data, dict):
        nulls = [field for field in fields if field in data and data[field] is None]
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
    return data


# --- categories ------------------------------------------------------------------------------


class CategoryCreate(Schema):
    category_name: Name = Field(max_length=100)


class CategoryResponse(Schema):
    category_name: str
    category_id: int
    created_at: datetime | None = None


class CategoryForCustomer(Schema):
    category_id: int
    category_name: str


# --- plans -----------------------------------------------------------------------------------


class PlanCreate(Schema):
    category_id: DbId
    plan_name: Name = Field(max_length=255)
    plan_type: PlanTypeInput
    is_topup: bool = False
    price: PriceInput
    validity_days: Int32
    description: str = Field(max_length=10_000)
    data_allowance_gb: GigabytesInput | None = None
    daily_data_limit_gb: GigabytesInput | None = None
    talktime_allowance_minutes: Int32 | None = None
    sms_allowance: Int32 | None = None
    benefits: list[Benefit] | None = Field(default=None, max_length=100)
    max_secondary_numbers: Int32 = 0
    is_featured: bool = False


_PLAN_REQUIRED = (
    "category_id",
    "plan_name",
    "plan_type",
    "is_topup",
    "price",
    "validity_days",
    "description",
    "max_secondary_numbers",
    "is_featured",
    "status",
)


class PlanUpdate(Schema):
    """Partial: only the fields sent change; nullable fields may be cleared with null."""

    category_id: DbId | None = None
    plan_name: Name | None = Field(default=None, max_length=255)
    plan_type: PlanTypeInput | None = None
    is_topup: bool | None = None
    price: PriceInput | None = None
    validity_days: Int32 | None = None
    description: str | None = Field(default=None, max_length=10_000)
    data_allowance_gb: GigabytesInput | None = None
    daily_data_limit_gb: GigabytesInput | None = None
    talktime_allowance_minutes: Int32 | None = None
    sms_allowance: Int32 | None = None
    benefits: list[Benefit] | None = Field(default=None, max_length=100)
    max_secondary_numbers: Int32 = 0
    is_featured: bool | None = None
    status: PlanStatusInput | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return _reject_nulls(data, _PLAN_REQUIRED)


class PlanResponse(Schema):
    category_id: int
    plan_name: str
    plan_type: PlanType
    is_topup: bool
    price: Money
    validity_days: int
    description: str
    data_allowance_gb: Gigabytes | None
    daily_data_limit_gb: Gigabytes | None
    talktime_allowance_minutes: int | None
    sms_allowance: int | None
    benefits: list[str] | None = None
    max_secondary_numbers: int = 0
    is_featured: bool
    plan_id: int
    status: PlanStatus
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # NEXA additions
    data_allowance_mb: int | None = None
    daily_data_limit_mb: int | None = None
    deleted_at: datetime | None = None

    @classmethod
    def from_plan(cls, plan: Plan) -> PlanResponse:
        return cls.model_validate(
            plan_fields(plan)
            | {
                "status": plan.status,
                "created_at": plan.created_at,
                "updated_at": plan.updated_at,
                "deleted_at": plan.deleted_at,
            }
        )


def plan_fields(plan: Plan) -> dict[str, Any]:
    """What the admin's and the customer's views of a plan both show (data in GB and MB)."""
    return {
        "plan_id": plan.plan_id,
        "category_id": plan.category_id,
        "plan_name": plan.plan_name,
        "plan_type": plan.plan_type,
        "is_topup": plan.is_topup,
        "price": plan.price,
        "validity_days": plan.validity_days,
        "description": plan.description,
        "data_allowance_gb": mb_to_gb(plan.data_allowance_mb),
        "data_allowance_mb": plan.data_allowance_mb,
        "daily_data_limit_gb": mb_to_gb(plan.daily_data_limit_mb),
        "daily_data_limit_mb": plan.daily_data_limit_mb,
        "talktime_allowance_minutes": plan.talktime_allowance_minutes,
        "sms_allowance": plan.sms_allowance,
        "benefits": plan.benefits,
        "max_secondary_numbers": plan.max_secondary_numbers,
        "is_featured": plan.is_featured,
    }


class PlanResponseForCustomer(Schema):
    plan_id: int
    category_name: str
    plan_name: str
    plan_type: PlanType
    is_topup: bool
    price: Money
    validity_days: int
    description: str
    data_allowance_gb: Gigabytes | None = None
    daily_data_limit_gb: Gigabytes | None = None
    talktime_allowance_minutes: int | None = None
    sms_allowance: int | None = None
    benefits: list[str] | None = None
    is_featured: bool
    has_active_offer: bool = False
    offer_id: int | None = None
    offer_price: Money | None = None
    discount_percentage: Money | None = None
    offer_valid_until: str | None = None
    # NEXA additions
    category_id: int
    data_allowance_mb: int | None = None
    daily_data_limit_mb: int | None = None
    max_secondary_numbers: int = 0


# --- offers ----------------------------------------------------------------------------------


class OfferCreate(Schema):
    plan_id: DbId
    offer_name: Name = Field(max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    discounted_price: PriceInput
    valid_from: OfferTime
    valid_until: OfferTime


class OfferCreateWithDiscount(Schema):
    plan_id: DbId
    offer_name: Name = Field(max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    discount_percentage: Annotated[Percentage, Field(gt=0, lt=100)]
    valid_from: OfferTime
    valid_until: OfferTime


class OfferUpdate(Schema):
    """Partial; `description` may be cleared with null, the other fields may not."""

    offer_name: Name | None = Field(default=None, max_length=255)
    description: str | None = Field(default=None, max_length=10_000)
    discounted_price: PriceInput | None = None
    valid_from: OfferTime | None = None
    valid_until: OfferTime | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        return _reject_nulls(data, ("offer_name", "discounted_price", "valid_from", "valid_until"))


def offer_status(offer: Offer, now: datetime) -> OfferStatus:
    """Computed when read; both bounds inclusive."""
    if now < offer.valid_from:
        return OfferStatus.inactive
    if now > offer.valid_until:
        return OfferStatus.expired
    return OfferStatus.active


class OfferResponse(Schema):
    plan_id: int
    offer_name: str
    description: str | None = None
    discounted_price: Money
    valid_from: str
    valid_until: str
    offer_id: int
    status: OfferStatus
    created_at: datetime | None = None

    @classmethod
    def from_offer(cls, offer: Offer, now: datetime) -> OfferResponse:
        return cls(
            plan_id=offer.plan_id,
            offer_name=offer.offer_name,
            description=offer.description,
            discounted_price=offer.discounted_price,
            valid_from=format_offer_time(offer.valid_from),
            valid_until=format_offer_time(offer.valid_until),
            offer_id=offer.offer_id,
            status=offer_status(offer, now),
            created_at=offer.created_at,
        )


class OfferResponseForCustomer(Schema):
    offer_id: int
    plan_name: str
    offer_name: str
    description: str | None = None
    original_price: Money
    discounted_price: Money
    discount_percentage: Money
    valid_from: str
    valid_until: str
    # NEXA addition
    plan_id: int


class DiscountCalculationResponse(Schema):
    original_price: Money
    discount_percentage: Money
    discounted_price: Money
    amount_saved: Money


# what a purchase needs of a plan (read straight from the driver on the purchase path)
@dataclass(frozen=True)
class SellablePlan:
    plan_id: int
    plan_name: str
    plan_type: PlanType
    is_topup: bool
    price: Decimal
    validity_days: int
    data_allowance_mb: int | None
    daily_data_limit_mb: int | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan_type", PlanType(self.plan_type))
