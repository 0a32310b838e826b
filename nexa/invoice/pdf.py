"""A tax invoice or credit note as a PDF (fpdf2, docs/decisions.md#invoice-pdf): the
operator, the customer, the number and date, what was sold, SAC, taxable value, the tax
lines and the total, as real text (a reader can search and extract it).

fpdf2's core fonts are Latin-1: amounts are written "Rs.", and a character outside Latin-1
(a name in another script) prints as "?" — the JSON form keeps every character.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from nexa.core.gst import INDIA
from nexa.invoice.schemas import InvoiceView

WIDTH = 180  # mm between the margins of an A4 page
LABEL, VALUE = 120, 60
LINE = 6


def latin1(text: str) -> str:
    """What the core fonts can print: accents kept where Latin-1 has them, else dropped,
    anything else as "?"."""
    return "".join(char if ord(char) < 256 else _fold(char) for char in text)


def _fold(char: str) -> str:
    """A character outside Latin-1 as its Latin-1 base letters (e.g. a ligature), else "?"."""
    base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
    return base or "?"


def money(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}Rs. {abs(amount):,.2f}"


def when(at: datetime, *, time: bool = True) -> str:
    local = at.astimezone(INDIA)
    return local.strftime("%d %b %Y %H:%M IST" if time else "%d %b %Y")


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _what(document: InvoiceView) -> list[str]:
    """The description and its details: plan and validity, or billing period."""
    lines = [document.description]
    if document.plan_name:
        lines.append(f"Plan: {document.plan_name}")
    if document.validity_days is not None:
        validity = (
            f"{document.validity_days} days"
            if document.validity_days
            else "until the current base plan ends"
        )
        lines.append(f"Validity: {validity}")
    if document.period_start is not None and document.period_end is not None:
        lines.append(
            f"Billing period: {when(document.period_start, time=False)}"
            f" to {when(document.period_end, time=False)}"
        )
    if document.bill_ids:
        lines.append("Bills: " + ", ".join(f"#{bill}" for bill in document.bill_ids))
    lines.append(f"Mobile number: {document.recipient_phone_number}")
    return lines


def _tax_lines(document: InvoiceView) -> list[tuple[str, Decimal]]:
    half = _percent(document.tax_rate / 2)
    if document.tax_type == "cgst_sgst":
        return [(f"CGST @ {half}", document.cgst), (f"SGST @ {half}", document.sgst)]
    return [(f"IGST @ {_percent(document.tax_rate)}", document.igst)]


class _Page(FPDF):
    def row(self, label: str, value: str, *, bold: bool = False) -> None:
        self.set_font("Helvetica", "B" if bold else "", 10)
        self.cell(LABEL, LINE, latin1(label))
        self.cell(VALUE, LINE, latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def text_line(self, text: str, *, size: int = 10, style: str = "") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(WIDTH, LINE, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render(document: InvoiceView) -> bytes:
    """The PDF of an invoice or credit note (no clock, no randomness: the same document
    always gives the same bytes)."""
    credit = document.kind == "credit_note"
    page = _Page(format="A4")
    page.set_margins(15, 15, 15)
    page.set_auto_page_break(auto=True, margin=15)
    page.set_creation_date(document.issued_at)
    page.set_title(latin1(f"{document.title} {document.number}"))
    page.set_author(latin1(document.supplier.name))
    page.add_page()

    supplier = document.supplier
    page.text_line(supplier.name, size=16, style="B")
    page.text_line(supplier.address)
    page.text_line(f"GSTIN: {supplier.gstin}")
    page.text_line(f"State: {supplier.state_name or 'code'} ({supplier.state_code})")
    page.ln(4)
    page.text_line(document.title.upper(), size=14, style="B")
    page.row("Number", document.number, bold=True)
    page.row("Date", when(document.issued_at))
    if document.credit_note_for is not None:
        original = document.credit_note_for
        page.row("Against invoice", original.number)
        page.row("Invoice date", when(original.issued_at))
    page.row("Payment", document.payment_id)
    if document.transaction_id is not None:
        page.row("Transaction", str(document.transaction_id))
    page.ln(2)

    page.text_line("Billed to", style="B")
    page.text_line(f"{document.customer.name}, {document.customer.phone_number}")
    supply = (
        f"{document.place_of_supply_name} ({document.place_of_supply})"
        if document.place_of_supply
        else "not stated by the customer (inter-state tax applies)"
    )
    page.text_line(f"Place of supply: {supply}")
    page.ln(2)

    page.text_line("Telecommunication services", style="B")
    for line in _what(document):
        page.text_line(line)
    page.text_line(f"SAC: {document.sac}")
    page.ln(2)

    page.row("Taxable value", money(document.taxable_value))
    for label, amount in _tax_lines(document):
        page.row(label, money(amount))
    total = "Total credited" if credit else "Total (GST included)"
    page.row(total, money(document.amount), bold=True)
    page.ln(4)
    paid = "refunded to the original payment method" if credit else "paid"
    page.text_line(f"Amount {paid}: {money(abs(document.amount))}. Prices include GST.", size=9)
    if document.credit_notes:
        notes = ", ".join(f"{note.number} ({money(note.amount)})" for note in document.credit_notes)
        page.text_line(f"Credit notes against this invoice: {notes}", size=9)
    page.text_line("This is a computer-generated document; no signature is required.", size=9)
    return bytes(page.output())
