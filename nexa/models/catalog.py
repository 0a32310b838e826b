"""Categories, plans and offers (the catalogue). Data volumes are integer megabytes."""

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
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, Timestamps, str_enum


class PlanType(enum.StrEnum):
    prepaid = "Prepaid"
    postpaid = "Postpaid"


PlanStatus = enum.StrEnum("PlanStatus", "active inactive")


class Category(CreatedAt, Base):
    __tablename__ = "category"

    category_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category_name: Mapped[str] = mapped_column(String(100), nullable=False)

    __table_args__ = (Index("uq_category_name_lower", text("lower(category_name)"), unique=True),)


class Plan(Timestamps, Base):
    __tablename__ = "plan"

    plan_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    category_id: Mapped[int] = mapped_column(
        ForeignKey("category.category_id", ondelete="RESTRICT"), nullable=False
    )
    plan_name: Mapped[str] = mapped_column(String(255), nullable=False)
    plan_type: Mapped[PlanType] = mapped_column(str_enum(PlanType, "plan_type"), nullable=False)
    is_topup: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    validity_days: Mapped[int] = mapped_column(Integer, nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    data_allowance_mb: Mapped[int | None] = mapped_column(BigInteger)
    daily_data_limit_mb: Mapped[int | None] = mapped_column(BigInteger)
    talktime_allowance_minutes: Mapped[int | None] = mapped_column(Integer)
    sms_allowance: Mapped[int | None] = mapped_column(Integer)
    benefits: Mapped[list[str] | None] = mapped_column(JSONB)
    is_featured: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="false")
    status: Mapped[PlanStatus] = mapped_column(
        str_enum(PlanStatus, "plan_status"), nullable=False, server_default="active"
    )
    max_secondary_numbers: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("data_allowance_mb >= 0", name="data_allowance_not_negative"),
        CheckConstraint("daily_data_limit_mb >= 0", name="daily_limit_not_negative"),
        CheckConstraint("max_secondary_numbers >= 0", name="secondary_not_negative"),
        CheckConstraint(
            "validity_days >= 1 OR is_topup OR plan_type = 'Postpaid'",
            name="validity_days_minimum",
        ),
        CheckConstraint("validity_days >= 0", name="validity_days_not_negative"),
        Index("ix_plan_category_id", "category_id"),
        Index("ix_plan_catalogue", "plan_type", "status", "is_topup"),
    )


class Offer(CreatedAt, Base):
    __tablename__ = "offer"

    offer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plan.plan_id", ondelete="RESTRICT"), nullable=False
    )
    offer_name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    discounted_price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("discounted_price > 0", name="discounted_price_positive"),
        CheckConstraint("valid_until > valid_from", name="valid_range"),
        Index("ix_offer_plan_validity", "plan_id", "valid_from", "valid_until"),
    )
