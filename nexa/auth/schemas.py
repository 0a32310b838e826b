from __future__ import annotations

from pydantic import EmailStr, Field

from nexa.admin.schemas import TotpCode
from nexa.core.schemas import PASSWORD_MAX, PhoneNumber, Schema
from nexa.otp.schemas import OtpCode


class Token(Schema):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"


class TokenRefresh(Schema):
    refresh_token: str = Field(min_length=1, max_length=4096)


class TokenResponse(Schema):
    """The reference answer (`access_token`, `token_type`) plus the refresh token to use next."""

    access_token: str
    token_type: str = "bearer"
    refresh_token: str


class LogoutRequest(Schema):
    refresh_token: str | None = Field(default=None, max_length=4096)


class LogoutResponse(Schema):
    message: str


class CustomerLogin(Schema):
    phone_number: PhoneNumber
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class CustomerCodeLogin(Schema):
    phone_number: PhoneNumber
    otp: OtpCode


class AdminLogin(Schema):
    email: EmailStr
    password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    # required once the admin turned two-factor sign-in on (docs/decisions.md#admin-mfa)
    totp: TotpCode | None = None
