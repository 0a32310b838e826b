"""The SQL of invoices, credit notes and their counters.

A document is issued in one statement that takes the next number of its series and year
(`invoice_counter`, an upsert that locks the counter's row until the transaction ends) and
writes the document with it: a rolled-back transaction gives its number back, so the series
has no gap, and numbers are never issued twice (docs/decisions.md#invoice-numbering).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Select, func, select

from nexa.core import sql
from nexa.core.repository import Repository
from nexa.models import Invoice, InvoiceKind

# the next number of a series in a year (its row stays locked until the transaction ends);
# `source` is what a document is issued from: no row there, no number taken
_NEXT_NUMBER = """
    INSERT INTO invoice_counter (series, financial_year, last_value)
    SELECT %(series)s, %(financial_year)s, 1 FROM {source}
    ON CONFLICT (series, financial_year)
    DO UPDATE SET last_value = invoice_counter.last_value + 1
    RETURNING last_value
"""
_COLUMNS = """number, kind, series, financial_year, sequence, issued_at, payment_id,
    transaction_id, order_type, bill_ids, recipient_phone_number, description, plan_name,
    validity_days, period_start, period_end, credited_invoice_id, refund_id, customer_id,
    customer_name, customer_phone, place_of_supply, supplier_name, supplier_address,
    supplier_gstin, supplier_state, sac, tax_rate, amount, taxable_value, cgst, sgst, igst"""
# the number: prefix/year/ and the sequence, at least 6 digits
_NUMBER = """%(number_prefix)s::text
    || lpad(n.last_value::text, greatest(6, length(n.last_value::text)), '0')"""
_COMMON = """%(series)s, %(financial_year)s, n.last_value, %(issued_at)s, %(payment_id)s,
    %(transaction_id)s, %(order_type)s, %(bill_ids)s::bigint[], %(recipient_phone_number)s,
    %(description)s, %(plan_name)s, %(validity_days)s, %(period_start)s, %(period_end)s"""
_SUPPLIER = """%(supplier_name)s, %(supplier_address)s, %(supplier_gstin)s,
    %(supplier_state)s::text, %(sac)s, %(tax_rate)s, %(amount)s, %(taxable_value)s"""

# a credit note: everything given (its customer is the invoice's)
_ISSUE_CREDIT_NOTE = f"""
    WITH n AS ({_NEXT_NUMBER.format(source="(SELECT 1) AS one")})
    INSERT INTO invoice ({_COLUMNS})
    SELECT {_NUMBER}, 'credit_note', {_COMMON}, %(credited_invoice_id)s, %(refund_id)s,
           %(customer_id)s, %(customer_name)s, %(customer_phone)s, %(place_of_supply)s,
           {_SUPPLIER}, %(cgst)s, %(sgst)s, %(igst)s
    FROM n
    RETURNING invoice_id
"""  # noqa: S608 (constant fragments)


def _issue_invoice(buyer_step: Callable[[str], str]) -> str:
    """An invoice, with its customer as the customer domain reads them (`buyer`): the tax
    lines are CGST + SGST when the customer's state is the supplier's, IGST otherwise."""
    intra = "b.state_code IS NOT DISTINCT FROM %(supplier_state)s::text"
    # a payment invoiced already takes no number (and the unique index would refuse a second)
    first = (
        "b WHERE NOT EXISTS (SELECT 1 FROM invoice"
        " WHERE payment_id = %(payment_id)s AND kind = 'invoice')"
    )
    return f"""
        WITH b AS ({buyer_step("%(customer_id)s")}),
        n AS ({_NEXT_NUMBER.format(source=first)})
        INSERT INTO invoice ({_COLUMNS})
        SELECT {_NUMBER}, 'invoice', {_COMMON}, NULL, NULL, %(customer_id)s, b.full_name,
               b.phone_number, b.state_code, {_SUPPLIER},
               CASE WHEN {intra} THEN %(cgst)s ELSE 0 END,
               CASE WHEN {intra} THEN %(sgst)s ELSE 0 END,
               CASE WHEN {intra} THEN 0 ELSE %(igst)s END
        FROM n CROSS JOIN b
        RETURNING invoice_id
    """  # noqa: S608 (constant fragments and the customer domain's step)


@dataclass
class _BuyerStep:
    """The customer domain's step that reads a customer for an invoice, registered at start
    (nexa/wiring.py), and the statement built with it."""

    step: Callable[[str], str] | None = None
    statement: str | None = None


_buyer = _BuyerStep()


def use_buyer_step(step: Callable[[str], str]) -> None:
    _buyer.step, _buyer.statement = step, _issue_invoice(step)


def _issue_invoice_statement() -> str:
    if _buyer.statement is None:  # a wiring mistake, not bad input
        raise RuntimeError("the invoice domain has no buyer step: call nexa.wiring.wire()")
    return _buyer.statement


class Numbering(TypedDict):
    """The series a document is numbered in; the statement takes its sequence."""

    number_prefix: str
    series: str
    financial_year: str


class NewDocument(TypedDict):
    """The columns of an invoice or credit note the caller decides."""

    issued_at: datetime
    payment_id: str
    transaction_id: int | None
    order_type: str
    bill_ids: list[int] | None
    recipient_phone_number: str
    description: str
    plan_name: str | None
    validity_days: int | None
    period_start: datetime | None
    period_end: datetime | None
    customer_id: int
    supplier_name: str
    supplier_address: str
    supplier_gstin: str
    supplier_state: str
    sac: str
    tax_rate: Decimal
    amount: Decimal
    taxable_value: Decimal
    cgst: Decimal
    sgst: Decimal
    igst: Decimal


class CreditNoteParty(TypedDict):
    """What a credit note repeats of its invoice."""

    credited_invoice_id: int
    refund_id: int
    customer_name: str
    customer_phone: str
    place_of_supply: str | None


class InvoiceRepository(Repository[Invoice]):
    model = Invoice

    async def issue_invoice(self, numbering: Numbering, values: NewDocument) -> int | None:
        """The payment's invoice, numbered; None if it has one already (nothing taken)."""
        params: dict[str, Any] = {**numbering, **values}
        return await sql.fetch_value(self.session, _issue_invoice_statement(), params)

    async def issue_credit_note(
        self, numbering: Numbering, values: NewDocument, party: CreditNoteParty
    ) -> int:
        params: dict[str, Any] = {**numbering, **values, **party}
        return int(await sql.fetch_value(self.session, _ISSUE_CREDIT_NOTE, params))

    async def invoice_of_payment(self, payment_id: str) -> Invoice | None:
        query = select(Invoice).where(
            Invoice.payment_id == payment_id, Invoice.kind == InvoiceKind.invoice
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def credited_total(self, invoice_id: int) -> Decimal:
        """What the invoice's credit notes took back so far (a positive amount)."""
        query = select(func.coalesce(-func.sum(Invoice.amount), 0)).where(
            Invoice.credited_invoice_id == invoice_id
        )
        return Decimal((await self.session.execute(query)).scalar_one())

    async def find_one(self, *conditions: ColumnElement[bool]) -> Invoice | None:
        """The newest document matching every condition."""
        query = (
            select(Invoice)
            .where(*conditions)
            .order_by(Invoice.issued_at.desc(), Invoice.invoice_id.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def by_ids(self, invoice_ids: Sequence[int]) -> dict[int, Invoice]:
        if not invoice_ids:
            return {}
        rows = await self.session.execute(
            select(Invoice).where(Invoice.invoice_id.in_(set(invoice_ids)))
        )
        return {row.invoice_id: row for row in rows.scalars()}

    async def credit_notes_of(self, invoice_ids: Sequence[int]) -> dict[int, list[Invoice]]:
        """The credit notes of each of these invoices, oldest first (one query)."""
        found: dict[int, list[Invoice]] = {invoice_id: [] for invoice_id in invoice_ids}
        if not invoice_ids:
            return found
        rows = await self.session.execute(
            select(Invoice)
            .where(Invoice.credited_invoice_id.in_(set(invoice_ids)))
            .order_by(Invoice.invoice_id)
        )
        for note in rows.scalars():
            assert note.credited_invoice_id is not None
            found[note.credited_invoice_id].append(note)
        return found

    async def find(
        self, conditions: list[ColumnElement[bool]], skip: int, limit: int
    ) -> tuple[list[Invoice], int]:
        """Newest first."""
        query: Select[Invoice] = (
            select(Invoice)
            .where(*conditions)
            .order_by(Invoice.issued_at.desc(), Invoice.invoice_id.desc())
        )
        return await self.page(query, skip=skip, limit=limit)
