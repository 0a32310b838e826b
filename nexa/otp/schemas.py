from __future__ import annotations

from typing import Annotated

from pydantic import Field

from nexa.core.schemas import PhoneNumber, Schema
from nexa.models import OtpPurpose

# what a customer types from the SMS: malformed input is a 422, a wrong code a 400
OtpCode = Annotated[
    str, Field(pattern=r"^[0-9]{6}$", description="The 6-digit one-time code sent by SMS")
]


class OtpRequest(Schema):
    phone_number: PhoneNumber
    purpose: OtpPurpose


class OtpRequestAccepted(Schema):
    """The same answer whether or not the number is registered
    (docs/decisions.md#one-time-codes)."""

    message: str
    # true when no new code was issued because the number asked too often
    throttled: bool
    # how long the code just issued stays valid (0 when none was issued)
    expires_in_seconds: int
    # when the app may offer "send again"
    resend_after_seconds: int
