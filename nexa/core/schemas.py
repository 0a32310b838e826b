"""Shared Pydantic types: phone numbers, passwords, money, messages."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)

_SEPARATORS = re.compile(r"[\s\-().]")
_TEN_DIGITS = re.compile(r"\d{10}")

CUSTOMER_PASSWORD_MIN, ADMIN_PASSWORD_MIN, PASSWORD_MAX = 6, 10, 128


def normalise_phone(value: object) -> str:
    """Q-01: strip separators; +91…, 91… and 0… prefixes give the 10-digit national form."""
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


class Schema(BaseModel):
    """Base of request and response bodies."""

    model_config = ConfigDict(from_attributes=True, str_strip_whitespace=False)


class Message(Schema):
    message: str


# database ids are BIGINT: larger values are malformed input (422), not a server error
MAX_DB_ID = 2**63 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_DB_ID)]
