"""Tax invoices and credit notes (docs/decisions.md#invoice-numbering): one invoice per
captured payment, one credit note per processed refund, each numbered from a gapless series
per financial year."""

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
    Integer,
    Numeric,
    String,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from nexa.models.base import Base, str_enum
from nexa.models.payment import TransactionType

InvoiceKind = enum.StrEnum("InvoiceKind", "invoice credit_note")


class Invoice(Base):
    """A tax invoice, or a credit note (its amounts negative) that takes back part or all of
    one. Written once, never changed: what it says (customer, supplier, figures) is kept as
    it was when it was issued."""

    __tablename__ = "invoice"

    invoice_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # e.g. NX/2026-27/000123: series, financial year, sequence
    number: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    kind: Mapped[InvoiceKind] = mapped_column(str_enum(InvoiceKind, "invoice_kind"), nullable=False)
    series: Mapped[str] = mapped_column(String(10), nullable=False)
    financial_year: Mapped[str] = mapped_column(String(7), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # what was paid for
    payment_id: Mapped[str] = mapped_column(ForeignKey("payment.payment_id"), nullable=False)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transaction.transaction_id"))
    order_type: Mapped[TransactionType] = mapped_column(
        str_enum(TransactionType, "invoice_order_type", length=30), nullable=False
    )
    bill_ids: Mapped[list[int] | None] = mapped_column(ARRAY(BigInteger))
    recipient_phone_number: Mapped[str] = mapped_column(String(20), nullable=False)
    description: Mapped[str] = mapped_column(String(255), nullable=False)
    plan_name: Mapped[str | None] = mapped_column(String(255))
    validity_days: Mapped[int | None] = mapped_column(Integer)
    period_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # a credit note: the invoice it takes back from, and the refund it records
    credited_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.invoice_id"))
    refund_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_refund.refund_id"), unique=True
    )
    # the customer (who paid) and the supplier, as they were
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.customer_id"), nullable=False)
    customer_name: Mapped[str] = mapped_column(String(255), nullable=False)
    customer_phone: Mapped[str] = mapped_column(String(20), nullable=False)
    # the customer's GST state; NULL: not known (IGST applies)
    place_of_supply: Mapped[str | None] = mapped_column(String(2))
    supplier_name: Mapped[str] = mapped_column(String(120), nullable=False)
    supplier_address: Mapped[str] = mapped_column(String(300), nullable=False)
    supplier_gstin: Mapped[str] = mapped_column(String(15), nullable=False)
    supplier_state: Mapped[str] = mapped_column(String(2), nullable=False)
    # the figures: tax included in the amount, lines adding up to it to the paisa
    sac: Mapped[str] = mapped_column(String(8), nullable=False)
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    taxable_value: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    cgst: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    sgst: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)
    igst: Mapped[Decimal] = mapped_column(Numeric(12, 2), nullable=False)

    __table_args__ = (
        CheckConstraint("amount = taxable_value + cgst + sgst + igst", name="lines_add_up"),
        CheckConstraint(
            "(kind = 'invoice' AND amount >= 0 AND credited_invoice_id IS NULL)"
            " OR (kind = 'credit_note' AND amount < 0 AND credited_invoice_id IS NOT NULL"
            " AND refund_id IS NOT NULL)",
            name="kind_and_sign",
        ),
        CheckConstraint("igst = 0 OR (cgst = 0 AND sgst = 0)", name="one_kind_of_tax"),
        Index("uq_invoice_series_sequence", "series", "financial_year", "sequence", unique=True),
        # one invoice per payment, whoever settles it and however often
        Index(
            "uq_invoice_payment",
            "payment_id",
            unique=True,
            postgresql_where=text("kind = 'invoice'"),
        ),
        Index("ix_invoice_payment_id", "payment_id"),
        Index("ix_invoice_transaction_id", "transaction_id"),
        Index("ix_invoice_bill_ids", "bill_ids", postgresql_using="gin"),
        Index("ix_invoice_credited_invoice_id", "credited_invoice_id"),
        Index("ix_invoice_customer_issued", "customer_id", "issued_at"),
        Index("ix_invoice_issued_at", "issued_at"),
        Index("ix_invoice_year_kind", "financial_year", "kind"),
    )


class InvoiceCounter(Base):
    """The last sequence number issued in a series and financial year. Taken in the
    transaction that issues the document, so a rolled-back one gives its number back."""

    __tablename__ = "invoice_counter"

    series: Mapped[str] = mapped_column(String(10), primary_key=True)
    financial_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (CheckConstraint("last_value > 0", name="last_value_positive"),)
