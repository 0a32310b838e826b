"""Referral codes, their applications (usage log) and the vouchers they produce."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, str_enum

ReferralStatus = enum.StrEnum("ReferralStatus", "pending completed expired")
ReferralApplicationStatus = enum.StrEnum("ReferralApplicationStatus", "pending completed")
VoucherRole = enum.StrEnum("VoucherRole", "referee referrer")


class ReferralProgram(CreatedAt, Base):
    """One generated referral code."""

    __tablename__ = "referral_program"

    referral_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    referrer_customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.customer_id"), nullable=False
    )
    referral_code: Mapped[str] = mapped_column(String(20), unique=True, nullable=False)
    # the latest referee (each application has its own usage-log row)
    referee_phone_number: Mapped[str] = mapped_column(String(20), nullable=False, server_default="")
    referee_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.customer_id"))
    status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus, "referral_status"), nullable=False, server_default="pending"
    )
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    max_uses: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    current_uses: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("max_uses >= 1", name="max_uses_positive"),
        CheckConstraint("current_uses BETWEEN 0 AND max_uses", name="uses_within_max"),
        # one active programme per referrer
        Index(
            "uq_referral_program_one_active",
            "referrer_customer_id",
            unique=True,
            postgresql_where=text("is_active"),
        ),
        Index("ix_referral_program_referrer", "referrer_customer_id", "created_at"),
        Index("ix_referral_program_status", "status", "is_active"),
        Index("ix_referral_program_expiry", "expires_at", postgresql_where=text("is_active")),
    )


class ReferralUsageLog(Base):
    """One application of a code at registration, pending until the referee's first purchase."""

    __tablename__ = "referral_usage_log"

    log_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral_program.referral_id"), nullable=False
    )
    used_by_phone: Mapped[str] = mapped_column(String(20), nullable=False)
    used_by_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.customer_id"))
    used_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[ReferralApplicationStatus] = mapped_column(
        str_enum(ReferralApplicationStatus, "referral_application_status"),
        nullable=False,
        server_default="pending",
    )
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transaction.transaction_id")
    )

    __table_args__ = (
        Index("uq_referral_usage_log_program_phone", "referral_id", "used_by_phone", unique=True),
        Index(
            "ix_referral_usage_log_pending_referee",
            "used_by_customer_id",
            postgresql_where=text("status = 'pending'"),
        ),
    )


class ReferralDiscount(CreatedAt, Base):
    """A voucher: percent off the holder's next prepaid purchase."""

    __tablename__ = "referral_discount"

    discount_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referral_program.referral_id"), nullable=False
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    beneficiary_role: Mapped[VoucherRole] = mapped_column(
        str_enum(VoucherRole, "voucher_role"), nullable=False
    )
    discount_percentage: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    is_used: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transaction.transaction_id")
    )

    __table_args__ = (
        CheckConstraint(
            "discount_percentage > 0 AND discount_percentage < 100", name="percentage_range"
        ),
        Index(
            "ix_referral_discount_usable",
            "customer_id",
            "valid_until",
            postgresql_where=text("NOT is_used"),
        ),
        Index("ix_referral_discount_referral_id", "referral_id"),
    )
