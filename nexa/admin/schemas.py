from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import EmailStr, Field, model_validator

from nexa.core.schemas import ADMIN_PASSWORD_MIN, PASSWORD_MAX, Name, PhoneNumber, Schema


class AdminCreate(Schema):
    name: Name = Field(max_length=255)
    phone_number: PhoneNumber
    email: EmailStr = Field(max_length=255)
    password: str = Field(min_length=ADMIN_PASSWORD_MIN, max_length=PASSWORD_MAX)


class AdminUpdate(Schema):
    name: Name | None = Field(default=None, max_length=255)
    phone_number: PhoneNumber | None = None
    email: EmailStr | None = Field(default=None, max_length=255)

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = [
                field
                for field in ("name", "phone_number", "email")
                if field in data and data[field] is None
            ]
            if nulls:
                raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
        return data


class AdminChangePassword(Schema):
    current_password: str = Field(min_length=1, max_length=PASSWORD_MAX)
    new_password: str = Field(min_length=1, max_length=PASSWORD_MAX)


class AdminResponse(Schema):
    admin_id: int
    name: str
    phone_number: str
    email: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # NEXA addition: the account's second factor is on (docs/decisions.md#admin-mfa)
    mfa_enabled: bool = False


# the 6 digits an authenticator app shows
TotpCode = Annotated[
    str, Field(pattern=r"^[0-9]{6}$", description="The 6-digit code of the authenticator app")
]


class TotpConfirm(Schema):
    totp: TotpCode


class MfaSetupResponse(Schema):
    """Shown once: the secret is never returned again."""

    secret: str
    otpauth_uri: str
    message: str
