"""The routes of invoices and credit notes, written once for both audiences: a customer's
own (`/customer/…`, 404 for anyone else's, as for a missing one) and every one for staff
(`/admin/…`). Each as JSON or PDF: of a transaction, of a postpaid bill, or by id.
docs/decisions.md#invoice-access"""

# no `from __future__ import annotations`: the routes are built in a function, and FastAPI
# must see their parameter types (a local alias) as objects, not names

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response

from nexa.core.db import SessionDep
from nexa.core.schemas import DbId
from nexa.invoice import service
from nexa.invoice.schemas import InvoiceView
from nexa.invoice.service import Audience, Lookup

Id = Annotated[DbId, Path()]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such document (not issued, or not yours)"}
}
PDF: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The document as a PDF (an attachment)",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    },
    **NOT_FOUND,
}


def pdf_response(document: service.PdfFile) -> Response:
    return Response(
        document.content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def document_routes(
    audience: Audience, owner: Callable[..., Awaitable[int | None]], tag: str
) -> APIRouter:
    """The six routes; `owner` is the dependency giving whose documents may be read (a
    customer's id, or None for staff)."""
    router = APIRouter(tags=[tag])
    Owner = Annotated[int | None, Depends(owner)]

    async def _json(db: SessionDep, lookup: Lookup, customer_id: int | None) -> InvoiceView:
        return await service.view(db, lookup, audience=audience, customer_id=customer_id)

    async def _pdf(db: SessionDep, lookup: Lookup, customer_id: int | None) -> Response:
        document = await service.pdf_file(db, lookup, audience=audience, customer_id=customer_id)
        return pdf_response(document)

    # each .pdf path before its JSON twin, which would otherwise take "12.pdf" for an id
    @router.get(
        "/transactions/{transaction_id}/invoice.pdf", response_class=Response, responses=PDF
    )
    async def get_transaction_invoice_pdf(
        transaction_id: Id, customer_id: Owner, db: SessionDep
    ) -> Response:
        """The tax invoice of a successful transaction, as a PDF."""
        return await _pdf(db, Lookup(transaction_id=transaction_id), customer_id)

    @router.get(
        "/transactions/{transaction_id}/invoice", response_model=InvoiceView, responses=NOT_FOUND
    )
    async def get_transaction_invoice(
        transaction_id: Id, customer_id: Owner, db: SessionDep
    ) -> InvoiceView:
        """The tax invoice of a successful transaction, with its credit notes."""
        return await _json(db, Lookup(transaction_id=transaction_id), customer_id)

    @router.get("/postpaid/bills/{bill_id}/invoice.pdf", response_class=Response, responses=PDF)
    async def get_bill_invoice_pdf(bill_id: Id, customer_id: Owner, db: SessionDep) -> Response:
        """The tax invoice of the payment that paid a postpaid bill, as a PDF."""
        return await _pdf(db, Lookup(bill_id=bill_id), customer_id)

    @router.get(
        "/postpaid/bills/{bill_id}/invoice", response_model=InvoiceView, responses=NOT_FOUND
    )
    async def get_bill_invoice(bill_id: Id, customer_id: Owner, db: SessionDep) -> InvoiceView:
        """The tax invoice of the payment that paid a postpaid bill (the latest, if it was
        paid again after a refund), with its credit notes."""
        return await _json(db, Lookup(bill_id=bill_id), customer_id)

    @router.get("/invoices/{invoice_id}.pdf", response_class=Response, responses=PDF)
    async def get_invoice_pdf(invoice_id: Id, customer_id: Owner, db: SessionDep) -> Response:
        """An invoice or credit note, as a PDF."""
        return await _pdf(db, Lookup(invoice_id=invoice_id), customer_id)

    @router.get("/invoices/{invoice_id}", response_model=InvoiceView, responses=NOT_FOUND)
    async def get_invoice(invoice_id: Id, customer_id: Owner, db: SessionDep) -> InvoiceView:
        """An invoice (with its credit notes) or a credit note (with the invoice it
        credits)."""
        return await _json(db, Lookup(invoice_id=invoice_id), customer_id)

    return router
