"""Payments for the operator's staff: the list, one payment's timeline, refunds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from nexa.auth.dependencies import CurrentAdmin
from nexa.core.db import SessionDep
from nexa.core.idempotency import IdempotencyKeyHeader
from nexa.core.pagination import PageParams
from nexa.core.schemas import DateOrInstant, DbId, query_instant
from nexa.models import PaymentState
from nexa.payment import views
from nexa.payment.schemas import PaymentView, RefundRequest

router = APIRouter(prefix="/payments", tags=["Payments Management"])
PaymentId = Annotated[str, Path(min_length=1, max_length=32)]


def payment_filter(
    status: PaymentState | None = None,
    provider: Annotated[str | None, Query(max_length=20)] = None,
    customer_id: Annotated[DbId | None, Query()] = None,
    date_from: DateOrInstant | None = None,
    date_to: DateOrInstant | None = None,
) -> views.PaymentFilter:
    return views.PaymentFilter(
        status=status,
        provider=provider,
        customer_id=customer_id,
        date_from=query_instant(date_from),
        date_to=query_instant(date_to, end=True),
    )


@router.get("", response_model=list[PaymentView])
async def list_payments(
    db: SessionDep,
    page: PageParams,
    filters: Annotated[views.PaymentFilter, Depends(payment_filter)],
) -> list[PaymentView]:
    """Payments newest first, filtered by status, provider, customer and dates."""
    found, total = await views.list_payments(db, filters, skip=page.skip, limit=page.limit)
    page.set_total(total)
    return found


@router.get("/{payment_id}", response_model=PaymentView)
async def get_payment(payment_id: PaymentId, db: SessionDep) -> PaymentView:
    """One payment: its order, timeline (every change, with its source) and refunds."""
    return await views.payment_view(db, payment_id)


@router.post(
    "/{payment_id}/refund",
    response_model=PaymentView,
    responses={
        404: {"description": "No such payment"},
        409: {"description": "Not refundable (never captured, or already refunded)"},
        422: {"description": "More than what is left to refund"},
    },
)
async def refund_payment(
    payment_id: PaymentId,
    data: RefundRequest,
    db: SessionDep,
    admin: CurrentAdmin,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PaymentView:
    """Give back `amount` (all that is left when omitted) through the provider; the refund
    completes at once or when the provider's `refund.processed` webhook comes."""
    return await views.refund(db, admin, payment_id, data, idempotency_key)
