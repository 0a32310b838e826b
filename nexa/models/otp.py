"""One-time codes sent by SMS (docs/decisions.md#one-time-codes)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, str_enum

OtpPurpose = enum.StrEnum("OtpPurpose", "register login reset_password")


class OneTimeCode(Base):
    """A code issued to a phone number for one purpose. Only its keyed hash is stored; it
    is usable once, for 5 minutes, with at most 5 wrong tries, and only while it is the
    newest of its number and purpose. Rows are also issued (never sent) for numbers that
    would not get an SMS, so that limits and answers do not tell which numbers exist."""

    __tablename__ = "one_time_code"

    code_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    purpose: Mapped[OtpPurpose] = mapped_column(str_enum(OtpPurpose, "otp_purpose"), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    attempts: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default="0")
    # the service's clock (docs/decisions.md#test-clock), not the database's
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    consumed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_one_time_code_phone_created", "phone_number", "created_at"),
        Index("ix_one_time_code_created_at", "created_at"),
    )
