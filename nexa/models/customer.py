from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, Timestamps, str_enum

AccountStatus = enum.StrEnum("AccountStatus", "active inactive suspended")
StatusReason = enum.StrEnum("StatusReason", "admin inactivity")


class Customer(Timestamps, Base):
    __tablename__ = "customer"

    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    phone_number: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    full_name: Mapped[str] = mapped_column(String(255), nullable=False)
    profile_picture_url: Mapped[str | None] = mapped_column(String(300))
    account_status: Mapped[AccountStatus] = mapped_column(
        str_enum(AccountStatus, "account_status"),
        nullable=False,
        server_default=AccountStatus.active.value,
    )
    status_reason: Mapped[StatusReason | None] = mapped_column(
        str_enum(StatusReason, "status_reason")
    )
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # why an admin suspended the account (shown to admins, never to the customer)
    status_note: Mapped[str | None] = mapped_column(String(255))
    last_active_plan_date: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    days_inactive: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    inactivity_warning_level: Mapped[int] = mapped_column(
        SmallInteger, nullable=False, server_default="0"
    )
    inactivity_status_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # when the customer proved the number is theirs with a one-time code (accounts older
    # than phone verification count as verified at registration)
    # (docs/decisions.md#phone-verification)
    phone_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # the customer's GST state code (place of supply on their invoices); NULL: not given
    # (docs/decisions.md#gst-split)
    state_code: Mapped[str | None] = mapped_column(String(2))

    __table_args__ = (
        Index("ix_customer_account_status", "account_status"),
        Index("ix_customer_created_at", "created_at"),
        Index("ix_customer_full_name_lower", text("lower(full_name)")),
    )
