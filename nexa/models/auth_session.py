from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, str_enum

UserType = enum.StrEnum("UserType", "customer admin")


class AuthSession(CreatedAt, Base):
    """One login. Its tokens carry `sid`; revoking the row revokes them all at once."""

    __tablename__ = "auth_session"

    session_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_type: Mapped[UserType] = mapped_column(str_enum(UserType, "user_type"), nullable=False)
    # customer_id or admin_id, by user_type
    subject_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # jti of the refresh token that may be used next (rotation) or that was issued at login
    refresh_jti: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(50))

    __table_args__ = (
        Index("ix_auth_session_subject", "user_type", "subject_id"),
        Index("ix_auth_session_expires_at", "expires_at"),
    )
