"""Postpaid activations, their bills, data add-ons and secondary (family) numbers."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, CreatedAt, Timestamps, str_enum

PostpaidStatus = enum.StrEnum("PostpaidStatus", "active suspended cancelled")


class PostpaidActivation(Timestamps, Base):
    """A postpaid plan running on a primary number, in rolling billing cycles."""

    __tablename__ = "postpaid_activation"

    activation_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.plan_id"), nullable=False)
    primary_number: Mapped[str] = mapped_column(ForeignKey("line.phone_number"), nullable=False)
    status: Mapped[PostpaidStatus] = mapped_column(
        str_enum(PostpaidStatus, "postpaid_status"), nullable=False, server_default="active"
    )
    billing_cycle_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    billing_cycle_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # the plan's monthly price and allowance, fixed at activation
    base_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    base_data_allowance_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # what is left of this cycle's base allowance (add-ons keep their own remainder)
    base_balance_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data_used_mb: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # sum of unpaid bills: what is payable now
    total_amount_due: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), nullable=False, server_default="0"
    )
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("base_amount >= 0", name="base_amount_not_negative"),
        CheckConstraint("total_amount_due >= 0", name="due_not_negative"),
        CheckConstraint("base_balance_mb >= 0", name="balance_not_negative"),
        CheckConstraint("billing_cycle_end > billing_cycle_start", name="cycle_ordered"),
        # one running (active or suspended) activation per number
        Index(
            "uq_postpaid_activation_one_per_number",
            "primary_number",
            unique=True,
            postgresql_where=text("status IN ('active', 'suspended')"),
        ),
        Index("ix_postpaid_activation_customer", "customer_id"),
        Index("ix_postpaid_activation_cycle_end", "status", "billing_cycle_end"),
        Index("ix_postpaid_activation_plan_id", "plan_id"),
    )


BillStatus = enum.StrEnum("BillStatus", "unpaid paid")


class PostpaidBill(CreatedAt, Base):
    """One closed billing cycle: base amount plus that cycle's add-ons (its line items)."""

    __tablename__ = "postpaid_bill"

    bill_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    activation_id: Mapped[int] = mapped_column(
        ForeignKey("postpaid_activation.activation_id"), nullable=False
    )
    cycle_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    cycle_end: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    base_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    addon_charges: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    total_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    due_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[BillStatus] = mapped_column(
        str_enum(BillStatus, "bill_status"), nullable=False, server_default="unpaid"
    )
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_transaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("transaction.transaction_id")
    )

    __table_args__ = (
        CheckConstraint("total_amount = base_amount + addon_charges", name="total_adds_up"),
        Index("uq_postpaid_bill_cycle", "activation_id", "cycle_start", unique=True),
        Index(
            "ix_postpaid_bill_unpaid_due", "due_date", postgresql_where=text("status = 'unpaid'")
        ),
    )


AddonStatus = enum.StrEnum("AddonStatus", "active expired fully_used")


class PostpaidDataAddon(CreatedAt, Base):
    """Extra data bought during a cycle; charged on that cycle's bill."""

    __tablename__ = "postpaid_data_addon"

    addon_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    activation_id: Mapped[int] = mapped_column(
        ForeignKey("postpaid_activation.activation_id"), nullable=False
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.plan_id"), nullable=False)
    addon_name: Mapped[str] = mapped_column(String(255), nullable=False)
    data_amount_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    data_remaining_mb: Mapped[int] = mapped_column(BigInteger, nullable=False)
    addon_price: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    purchased_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    status: Mapped[AddonStatus] = mapped_column(
        str_enum(AddonStatus, "addon_status"), nullable=False, server_default="active"
    )
    # the bill that charged it (null while its cycle is open)
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("postpaid_bill.bill_id"))

    __table_args__ = (
        CheckConstraint("data_remaining_mb BETWEEN 0 AND data_amount_mb", name="remaining_range"),
        CheckConstraint("addon_price >= 0", name="price_not_negative"),
        Index("ix_postpaid_data_addon_activation", "activation_id", "status"),
        Index("ix_postpaid_data_addon_bill_id", "bill_id"),
    )


class PostpaidSecondaryNumber(Base):
    """A family number sharing an activation's data pool. Removal keeps the row as history."""

    __tablename__ = "postpaid_secondary_number"

    secondary_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    activation_id: Mapped[int] = mapped_column(
        ForeignKey("postpaid_activation.activation_id"), nullable=False
    )
    phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    added_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # a number is a secondary of at most one activation at a time
        Index(
            "uq_postpaid_secondary_number_phone",
            "phone_number",
            unique=True,
            postgresql_where=text("removed_at IS NULL"),
        ),
        Index("ix_postpaid_secondary_number_activation", "activation_id"),
    )
