"""Daily sales totals: the closed operator days of `transaction`, summed once by a job so
that analytics over a year of sales read a few thousand rows instead of millions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Date, DateTime, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base


class TransactionSummary(Base):
    """Count and sum of `final_amount` per operator day (NEXA_TIMEZONE), plan, type and
    payment status, for the days before `TransactionSummaryState.summarized_until`."""

    __tablename__ = "transaction_summary"

    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    plan_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transaction_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    payment_status: Mapped[str] = mapped_column(String(20), primary_key=True)
    transactions: Mapped[int] = mapped_column(BigInteger, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), nullable=False)


class TransactionSummaryState(Base):
    """How far the summary goes: the days before `summarized_until` (a midnight in
    `timezone`) are summed; null = nothing is (any change to an earlier transaction resets
    it, through triggers on `transaction`)."""

    __tablename__ = "transaction_summary_state"

    state_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    summarized_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)

    __table_args__ = (CheckConstraint("state_id = 1", name="single_row"),)
