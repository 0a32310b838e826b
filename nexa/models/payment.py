"""The money ledger: one `transaction` row per payment attempt, whatever was bought."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, str_enum

TransactionType = enum.StrEnum(
    "TransactionType", "prepaid_recharge postpaid_bill_payment topup_purchase"
)
DiscountType = enum.StrEnum("DiscountType", "offer referral")
PaymentMethod = enum.StrEnum("PaymentMethod", "credit_card debit_card net_banking upi")
PaymentStatus = enum.StrEnum("PaymentStatus", "success failed")


class Transaction(Base):
    __tablename__ = "transaction"

    transaction_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.plan_id"), nullable=False)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.offer_id"))
    recipient_phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    transaction_type: Mapped[TransactionType] = mapped_column(
        str_enum(TransactionType, "transaction_type", length=30), nullable=False
    )
    original_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    discount_amount: Mapped[Decimal] = mapped_column(
        Numeric(12, 2), nullable=False, server_default="0"
    )
    discount_type: Mapped[DiscountType | None] = mapped_column(
        str_enum(DiscountType, "discount_type")
    )
    final_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    payment_method: Mapped[PaymentMethod] = mapped_column(
        str_enum(PaymentMethod, "payment_method"), nullable=False
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        str_enum(PaymentStatus, "payment_status"), nullable=False
    )
    payment_reference: Mapped[str | None] = mapped_column(String(100))
    failure_reason: Mapped[str | None] = mapped_column(String(255))
    transaction_date: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # the subscription bought (prepaid); filled after it is created
    subscription_id: Mapped[int | None] = mapped_column(BigInteger)
    # set by the referral programme when a voucher paid part of the price
    referral_discount_id: Mapped[int | None] = mapped_column(BigInteger)
    # postpaid bill paid by this transaction
    bill_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("original_amount >= 0", name="original_not_negative"),
        CheckConstraint("discount_amount >= 0", name="discount_not_negative"),
        CheckConstraint("final_amount >= 0", name="final_not_negative"),
        CheckConstraint(
            "final_amount = original_amount - discount_amount",
            name="final_is_original_less_discount",
        ),
        Index("ix_transaction_customer_date", "customer_id", "transaction_date"),
        Index("ix_transaction_date", "transaction_date"),
        Index("ix_transaction_recipient", "recipient_phone_number"),
        Index("ix_transaction_plan_id", "plan_id"),
        Index("ix_transaction_offer_id", "offer_id"),
    )
