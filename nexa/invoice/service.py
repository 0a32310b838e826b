"""Tax invoices and credit notes (docs/decisions.md#invoice-numbering, #gst-split,
#credit-notes).

The payment domain calls `issue_invoice` in the transaction that captures a payment (once:
only the statement that moves a payment to captured leads here) and `issue_credit_note` in
the one that completes a refund. Each document takes the next number of its series for the
financial year in the same transaction, so a rolled-back capture gives its number back.
Customers and staff read the documents as JSON or PDF.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import structlog
from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.core.errors import NotFound
from nexa.core.gst import INDIA
from nexa.invoice import pdf, views
from nexa.invoice.repository import InvoiceRepository, NewDocument, Numbering, use_buyer_step
from nexa.invoice.schemas import InvoiceView, ProcessedRefund, Sale
from nexa.invoice.tax import RATE, SAC, credited_split, split
from nexa.models import Invoice, InvoiceKind

log = structlog.get_logger("nexa.invoice")
Audience = Literal["customer", "admin"]


class InvoiceNotFound(NotFound): ...  # code `not_found`, for a missing or another's document


def financial_year(at: datetime) -> str:
    """`2026-27` for any instant from 1 April 2026 to 31 March 2027, India time."""
    day = at.astimezone(INDIA).date()
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def register_buyer_step(step: Callable[[str], str]) -> None:
    """The customer domain's step reading a customer's name, number and GST state, for the
    invoice statement (nexa/wiring.py registers it: the domains do not import each other)."""
    use_buyer_step(step)


def numbering(prefix: str, at: datetime) -> Numbering:
    """The series a document issued at `at` is numbered in: `{prefix}/{year}/{sequence}`."""
    year = financial_year(at)
    return Numbering(number_prefix=f"{prefix}/{year}/", series=prefix, financial_year=year)


async def issue_invoice(db: AsyncSession, sale: Sale, at: datetime) -> int | None:
    """The invoice of a payment captured at `at`; None when it has one already."""
    settings = get_settings()
    line = sale.line
    # the customer's state decides between the two, in the statement that reads it
    within, across = split(sale.amount, intra_state=True), split(sale.amount, intra_state=False)
    values = NewDocument(
        issued_at=at,
        payment_id=sale.payment_id,
        transaction_id=sale.transaction_id,
        order_type=sale.order_type,
        bill_ids=list(line.get("bill_ids") or []) or None,
        recipient_phone_number=sale.recipient_phone_number,
        description=sale.description[:255],
        plan_name=line.get("plan_name"),
        validity_days=line.get("validity_days"),
        period_start=_instant(line.get("period_start")),
        period_end=_instant(line.get("period_end")),
        customer_id=sale.customer_id,
        supplier_name=settings.operator_name,
        supplier_address=settings.operator_address,
        supplier_gstin=settings.gstin,
        supplier_state=settings.gst_state,
        sac=SAC,
        tax_rate=RATE,
        amount=sale.amount,
        taxable_value=within.taxable_value,
        cgst=within.cgst,
        sgst=within.sgst,
        igst=across.igst,
    )
    invoice_id = await InvoiceRepository(db).issue_invoice(
        numbering(settings.invoice_prefix, at), values
    )
    if invoice_id is None:
        log.warning("invoice_already_issued", payment_id=sale.payment_id)
    return invoice_id


def _instant(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


async def issue_credit_note(db: AsyncSession, refund: ProcessedRefund, at: datetime) -> int | None:
    """The credit note of a refund processed at `at`, against its payment's invoice (the
    caller holds the payment's lock, so the notes of one invoice are written one at a time).
    None for a payment captured before invoices existed."""
    invoices = InvoiceRepository(db)
    invoice = await invoices.invoice_of_payment(refund.payment_id)
    if invoice is None:
        log.warning("refund_without_invoice", payment_id=refund.payment_id)
        return None
    credited_before = await invoices.credited_total(invoice.invoice_id)
    lines = credited_split(
        invoice.amount,
        credited_before,
        refund.amount,
        intra_state=_same_state(invoice),
        rate=invoice.tax_rate,
    )
    settings = get_settings()
    values = NewDocument(
        issued_at=at,
        payment_id=invoice.payment_id,
        transaction_id=invoice.transaction_id,
        order_type=invoice.order_type,
        bill_ids=invoice.bill_ids,
        recipient_phone_number=invoice.recipient_phone_number,
        description=invoice.description,
        plan_name=invoice.plan_name,
        validity_days=invoice.validity_days,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        customer_id=invoice.customer_id,
        # the supplier as it is now; its registration and the tax as on the invoice
        supplier_name=settings.operator_name,
        supplier_address=settings.operator_address,
        supplier_gstin=invoice.supplier_gstin,
        supplier_state=invoice.supplier_state,
        sac=invoice.sac,
        tax_rate=invoice.tax_rate,
        amount=-refund.amount,
        taxable_value=lines.taxable_value,
        cgst=lines.cgst,
        sgst=lines.sgst,
        igst=lines.igst,
    )
    return await invoices.issue_credit_note(
        numbering(settings.credit_note_prefix, at),
        values,
        {
            "credited_invoice_id": invoice.invoice_id,
            "refund_id": refund.refund_id,
            "customer_name": invoice.customer_name,
            "customer_phone": invoice.customer_phone,
            "place_of_supply": invoice.place_of_supply,
        },
    )


def _same_state(invoice: Invoice) -> bool:
    """Whether the invoice was taxed as a supply within the supplier's state."""
    return invoice.place_of_supply is not None and invoice.place_of_supply == invoice.supplier_state


# --- reading them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """Which document: a transaction's invoice, a bill's (the newest that paid it), or one
    invoice or credit note by its id."""

    transaction_id: int | None = None
    bill_id: int | None = None
    invoice_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        if self.invoice_id is not None:
            return [Invoice.invoice_id == self.invoice_id]
        is_invoice = Invoice.kind == InvoiceKind.invoice
        if self.transaction_id is not None:
            return [Invoice.transaction_id == self.transaction_id, is_invoice]
        assert self.bill_id is not None
        return [Invoice.bill_ids.contains([self.bill_id]), is_invoice]

    def missing(self) -> str:
        if self.invoice_id is not None:
            return f"Invoice or credit note {self.invoice_id} not found"
        if self.transaction_id is not None:
            return f"No invoice for transaction {self.transaction_id}"
        return f"No invoice for bill {self.bill_id}"


async def view(
    db: AsyncSession, lookup: Lookup, *, audience: Audience, customer_id: int | None = None
) -> InvoiceView:
    """The document as JSON, with its credit notes or the invoice it credits; a customer
    sees only their own (404 otherwise, as for a missing one)."""
    conditions = lookup.conditions()
    if customer_id is not None:
        conditions.append(Invoice.customer_id == customer_id)
    invoices = InvoiceRepository(db)
    document = await invoices.find_one(*conditions)
    if document is None:
        raise InvoiceNotFound(lookup.missing())
    [found] = await views.documents(invoices, [document], views.paths_for(audience))
    return found


@dataclass(frozen=True)
class PdfFile:
    filename: str
    content: bytes


async def pdf_file(
    db: AsyncSession, lookup: Lookup, *, audience: Audience, customer_id: int | None = None
) -> PdfFile:
    """The document as a PDF (rendered off the event loop)."""
    document = await view(db, lookup, audience=audience, customer_id=customer_id)
    content = await asyncio.to_thread(pdf.render, document)
    return PdfFile(f"{document.number.replace('/', '-')}.pdf", content)


async def list_documents(
    db: AsyncSession,
    filters: views.InvoiceFilter,
    *,
    audience: Audience,
    skip: int,
    limit: int,
) -> tuple[list[InvoiceView], int]:
    """Invoices and credit notes, newest first."""
    invoices = InvoiceRepository(db)
    rows, total = await invoices.find(filters.conditions(), skip, limit)
    return await views.documents(invoices, rows, views.paths_for(audience)), total
