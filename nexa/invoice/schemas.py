"""The invoice domain's public types: what a selling domain says its order is (the invoice
line, carried in the payment's order details), what the payment domain hands over when a
payment is captured or a refund processed, and the views of an invoice or credit note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from nexa.core.schemas import Money, Schema
from nexa.models import InvoiceKind, TransactionType

# the key of the invoice line in a payment's order details
INVOICE_LINE = "invoice_line"


def invoice_line(
    *,
    plan_name: str | None = None,
    validity_days: int | None = None,
    period: tuple[datetime, datetime] | None = None,
    bill_ids: Sequence[int] = (),
) -> dict[str, Any]:
    """What the invoice says was sold, for an order's details (`{INVOICE_LINE: …}`): the
    plan and its validity, or the billing period and bills paid."""
    line: dict[str, Any] = {"plan_name": plan_name, "validity_days": validity_days}
    if period is not None:
        line |= {"period_start": period[0].isoformat(), "period_end": period[1].isoformat()}
    if bill_ids:
        line["bill_ids"] = list(bill_ids)
    return line


@dataclass(frozen=True)
class Sale:
    """A payment just captured: what its invoice is for."""

    payment_id: str
    transaction_id: int | None
    customer_id: int
    order_type: TransactionType
    recipient_phone_number: str
    description: str
    amount: Decimal
    line: Mapping[str, Any]


@dataclass(frozen=True)
class ProcessedRefund:
    """Money given back: what its credit note is for."""

    payment_id: str
    refund_id: int
    amount: Decimal


class InvoiceParty(Schema):
    customer_id: int
    name: str
    phone_number: str


class Supplier(Schema):
    name: str
    address: str
    gstin: str
    state_code: str
    state_name: str | None = None


class DocumentRef(Schema):
    """Another document: a credit note of an invoice, or the invoice a credit note takes
    back from."""

    invoice_id: int
    number: str
    kind: InvoiceKind
    amount: Money
    issued_at: datetime
    json_path: str
    pdf_path: str


class InvoiceView(Schema):
    """A tax invoice, or a credit note: its amounts are then negative, taking back (part of)
    the invoice it names in `credit_note_for`."""

    invoice_id: int
    number: str
    kind: InvoiceKind
    title: Literal["Tax invoice", "Credit note"]
    financial_year: str
    sequence: int
    issued_at: datetime
    payment_id: str
    transaction_id: int | None = None
    order_type: TransactionType
    bill_ids: list[int] = Field(default_factory=list)
    recipient_phone_number: str
    description: str
    plan_name: str | None = None
    validity_days: int | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    customer: InvoiceParty
    supplier: Supplier
    # the customer's GST state; null: not known (IGST applies)
    place_of_supply: str | None = None
    place_of_supply_name: str | None = None
    sac: str
    tax_rate: Money
    tax_type: Literal["cgst_sgst", "igst"]
    amount: Money
    taxable_value: Money
    cgst: Money
    sgst: Money
    igst: Money
    refund_id: int | None = None
    credit_note_for: DocumentRef | None = None
    credit_notes: list[DocumentRef] = Field(default_factory=list)
    # an invoice: its amount less its credit notes
    net_amount: Money
    json_path: str
    pdf_path: str
