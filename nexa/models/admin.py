from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, Timestamps


class Admin(Timestamps, Base):
    __tablename__ = "admin"

    admin_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    phone_number: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    email: Mapped[str] = mapped_column(String(255), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    # the TOTP second factor (docs/decisions.md#admin-mfa): the secret sealed with a key
    # derived from SECRET_KEY, pending until `totp_enabled_at`; the last time step accepted,
    # so that a code is never accepted twice
    totp_secret: Mapped[str | None] = mapped_column(Text)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    # e-mail addresses compare case-insensitively
    __table_args__ = (Index("uq_admin_email_lower", text("lower(email)"), unique=True),)

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_enabled_at is not None
