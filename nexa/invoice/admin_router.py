"""Every invoice and credit note, for the operator's staff (mounted under /admin behind the
admin guard): the filtered list, and each document as JSON or PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId
from nexa.invoice import service
from nexa.invoice.router import FinancialYear
from nexa.invoice.routes import document_routes
from nexa.invoice.schemas import InvoiceView
from nexa.invoice.views import InvoiceFilter
from nexa.models import InvoiceKind

TAG = "Invoice Management"
router = APIRouter()


async def every_document() -> int | None:
    return None


@router.get("/invoices", response_model=list[InvoiceView], tags=[TAG])
async def list_invoices(
    db: SessionDep,
    page: PageParams,
    kind: InvoiceKind | None = None,
    financial_year: FinancialYear = None,
    customer_id: Annotated[DbId | None, Query()] = None,
    payment_id: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    transaction_id: Annotated[DbId | None, Query()] = None,
) -> list[InvoiceView]:
    """Invoices and credit notes newest first, filtered by kind, financial year (`2026-27`),
    customer, payment or transaction."""
    filters = InvoiceFilter(
        kind=kind,
        financial_year=financial_year,
        customer_id=customer_id,
        payment_id=payment_id,
        transaction_id=transaction_id,
    )
    found, total = await service.list_documents(
        db, filters, audience="admin", skip=page.skip, limit=page.limit
    )
    page.set_total(total)
    return found


router.include_router(document_routes("admin", every_document, TAG))
