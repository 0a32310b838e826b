"""Shared Pydantic types: phone numbers, passwords, money, messages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    field_validator,
)

from nexa.core.config import get_settings

_SEPARATORS = re.compile(r"[\s\-().]")
_TEN_DIGITS = re.compile(r"\d{10}")

CUSTOMER_PASSWORD_MIN, ADMIN_PASSWORD_MIN, PASSWORD_MAX = 6, 10, 128


def normalise_phone(value: object) -> str:
    """Strip separators; +91…, 91… and 0… prefixes give the 10-digit national form
    (docs/decisions.md#phone-numbers)."""
    if not isinstance(value, str):
        raise ValueError("phone number must be a string")
    digits = _SEPARATORS.sub("", value)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if not _TEN_DIGITS.fullmatch(digits):
        raise ValueError("phone number must be 10 digits (optionally prefixed with +91, 91 or 0)")
    return digits


def _strip_required(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


PhoneNumber = Annotated[str, BeforeValidator(normalise_phone)]
Name = Annotated[str, AfterValidator(_strip_required)]


def quantize_money(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# Money travels as a JSON number with two decimals, computed from Decimal (never float math)
Money = Annotated[
    Decimal,
    AfterValidator(quantize_money),
    PlainSerializer(
        lambda value: float(quantize_money(value)), return_type=float, when_used="json"
    ),
]
# Data in GB (computed from integer MB) travels as a JSON number with two decimals too
Gigabytes = Money


def reject_unstorable_text(value: Any) -> Any:
    """NUL characters and lone surrogates cannot be stored in PostgreSQL text: 422, not 500."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("text must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError("text must be valid Unicode (no lone surrogates)") from exc
    elif isinstance(value, list | tuple | set):
        for item in value:
            reject_unstorable_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            reject_unstorable_text(key)
            reject_unstorable_text(item)
    return value


class Schema(BaseModel):
    """Base of request and response bodies."""

    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        return reject_unstorable_text(value)


class Message(Schema):
    message: str


# database ids are BIGINT: larger values are malformed input (422), not a server error
MAX_DB_ID = 2**63 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]

MB_PER_GB = 1024


def mb_to_gb(megabytes: int | None) -> Decimal | None:
    """Integer MB inside -> the API's GB figure (2 decimals, half-up)."""
    if megabytes is None:
        return None
    return quantize_money(Decimal(megabytes) / MB_PER_GB)


def gb_to_mb(gigabytes: Decimal | None) -> int | None:
    """GB from a request -> integer MB (round half-up)."""
    if gigabytes is None:
        return None
    return int((gigabytes * MB_PER_GB).quantize(Decimal(1), rounding=ROUND_HALF_UP))


_BARE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _bare_date(value: Any) -> Any:
    """`2026-03-01` is a calendar day (not midnight UTC, which a datetime would parse it as)."""
    if isinstance(value, str) and _BARE_DATE.fullmatch(value.strip()):
        return date.fromisoformat(value.strip())
    return value


# a query bound: an instant (no zone means UTC), or a bare date meaning that calendar day
DateOrInstant = Annotated[datetime | date, BeforeValidator(_bare_date)]


def query_instant(value: datetime | date | None, *, end: bool = False) -> datetime | None:
    """The instant a `DateOrInstant` bound stands for: a bare date is that whole day in the
    operator's time zone (an end date included, so it maps to the next day's start)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(0), tzinfo=get_settings().business_timezone)
