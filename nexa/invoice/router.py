"""A customer's tax invoices and credit notes (docs/decisions.md#invoice-access)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from nexa.auth.dependencies import CustomerPrincipal
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.invoice import service
from nexa.invoice.routes import document_routes
from nexa.invoice.schemas import InvoiceView
from nexa.invoice.views import InvoiceFilter
from nexa.models import InvoiceKind

router = APIRouter(prefix="/customer")
FinancialYear = Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-27"])]


async def own_documents(customer: CustomerPrincipal) -> int | None:
    return customer.subject_id


@router.get("/invoices", response_model=list[InvoiceView], tags=["Invoices"])
async def get_my_invoices(
    customer_id: Annotated[int | None, Depends(own_documents)],
    db: SessionDep,
    page: PageParams,
    kind: InvoiceKind | None = None,
    financial_year: FinancialYear = None,
) -> list[InvoiceView]:
    """Your invoices and credit notes, newest first."""
    filters = InvoiceFilter(kind=kind, financial_year=financial_year, customer_id=customer_id)
    found, total = await service.list_documents(
        db, filters, audience="customer", skip=page.skip, limit=page.limit
    )
    page.set_total(total)
    return found


router.include_router(document_routes("customer", own_documents, "Invoices"))
