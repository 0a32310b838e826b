"""Invoices and credit notes as customers and staff read them: each with the documents it is
linked to (an invoice's credit notes, a credit note's invoice), loaded for a whole page in a
fixed number of queries, and the paths to download each as JSON or PDF."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import ColumnElement

from nexa.core.gst import state_name
from nexa.invoice.repository import InvoiceRepository
from nexa.invoice.schemas import DocumentRef, InvoiceParty, InvoiceView, Supplier
from nexa.models import Invoice, InvoiceKind


@dataclass(frozen=True)
class Paths:
    """Where an audience downloads a document (`/customer/invoices/{id}`, or `/admin/…`)."""

    base: str

    def json(self, invoice_id: int) -> str:
        return f"{self.base}/invoices/{invoice_id}"

    def pdf(self, invoice_id: int) -> str:
        return f"{self.base}/invoices/{invoice_id}.pdf"


def paths_for(audience: str) -> Paths:
    return Paths(f"/{audience}")


@dataclass(frozen=True)
class InvoiceFilter:
    kind: InvoiceKind | None = None
    financial_year: str | None = None
    customer_id: int | None = None
    payment_id: str | None = None
    transaction_id: int | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        wanted: list[ColumnElement[bool]] = []
        if self.kind is not None:
            wanted.append(Invoice.kind == self.kind)
        if self.financial_year is not None:
            wanted.append(Invoice.financial_year == self.financial_year)
        if self.customer_id is not None:
            wanted.append(Invoice.customer_id == self.customer_id)
        if self.payment_id is not None:
            wanted.append(Invoice.payment_id == self.payment_id)
        if self.transaction_id is not None:
            wanted.append(Invoice.transaction_id == self.transaction_id)
        return wanted


def _ref(document: Invoice, paths: Paths) -> DocumentRef:
    return DocumentRef(
        invoice_id=document.invoice_id,
        number=document.number,
        kind=document.kind,
        amount=document.amount,
        issued_at=document.issued_at,
        json_path=paths.json(document.invoice_id),
        pdf_path=paths.pdf(document.invoice_id),
    )


def _view(
    document: Invoice, notes: list[Invoice], credited: Invoice | None, paths: Paths
) -> InvoiceView:
    is_invoice = document.kind == InvoiceKind.invoice
    return InvoiceView(
        invoice_id=document.invoice_id,
        number=document.number,
        kind=document.kind,
        title="Tax invoice" if is_invoice else "Credit note",
        financial_year=document.financial_year,
        sequence=document.sequence,
        issued_at=document.issued_at,
        payment_id=document.payment_id,
        transaction_id=document.transaction_id,
        order_type=document.order_type,
        bill_ids=document.bill_ids or [],
        recipient_phone_number=document.recipient_phone_number,
        description=document.description,
        plan_name=document.plan_name,
        validity_days=document.validity_days,
        period_start=document.period_start,
        period_end=document.period_end,
        customer=InvoiceParty(
            customer_id=document.customer_id,
            name=document.customer_name,
            phone_number=document.customer_phone,
        ),
        supplier=Supplier(
            name=document.supplier_name,
            address=document.supplier_address,
            gstin=document.supplier_gstin,
            state_code=document.supplier_state,
            state_name=state_name(document.supplier_state),
        ),
        place_of_supply=document.place_of_supply,
        place_of_supply_name=state_name(document.place_of_supply),
        sac=document.sac,
        tax_rate=document.tax_rate,
        tax_type="cgst_sgst" if document.place_of_supply == document.supplier_state else "igst",
        amount=document.amount,
        taxable_value=document.taxable_value,
        cgst=document.cgst,
        sgst=document.sgst,
        igst=document.igst,
        refund_id=document.refund_id,
        credit_note_for=_ref(credited, paths) if credited is not None else None,
        credit_notes=[_ref(note, paths) for note in notes],
        net_amount=document.amount + sum((note.amount for note in notes), Decimal("0.00")),
        json_path=paths.json(document.invoice_id),
        pdf_path=paths.pdf(document.invoice_id),
    )


async def documents(
    invoices: InvoiceRepository, rows: list[Invoice], paths: Paths
) -> list[InvoiceView]:
    """Views of these documents, in their order (two more queries, whatever their number)."""
    notes = await invoices.credit_notes_of(
        [row.invoice_id for row in rows if row.kind == InvoiceKind.invoice]
    )
    credited = await invoices.by_ids(
        [row.credited_invoice_id for row in rows if row.credited_invoice_id is not None]
    )
    return [
        _view(
            row,
            notes.get(row.invoice_id, []),
            credited.get(row.credited_invoice_id) if row.credited_invoice_id else None,
            paths,
        )
        for row in rows
    ]
