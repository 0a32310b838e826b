from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DateOrInstant, DbId, query_instant
from nexa.history import service
from nexa.history.repository import TransactionFilter
from nexa.history.schemas import AdminQueueItem, AdminSubscriptionItem, TransactionResponse
from nexa.models import PaymentMethod, PaymentStatus, TransactionType

router = APIRouter()
Amount = Annotated[Decimal | None, Query(ge=0, le=Decimal("9999999999.99"), decimal_places=2)]


def transaction_filter(
    transaction_id: Annotated[DbId | None, Query()] = None,
    customer_id: Annotated[DbId | None, Query()] = None,
    customer_phone: Annotated[str | None, Query(max_length=20)] = None,
    recipient_phone_number: Annotated[str | None, Query(max_length=20)] = None,
    plan_id: Annotated[DbId | None, Query()] = None,
    transaction_type: TransactionType | None = None,
    payment_status: PaymentStatus | None = None,
    payment_method: PaymentMethod | None = None,
    date_from: DateOrInstant | None = None,
    date_to: DateOrInstant | None = None,
    min_amount: Amount = None,
    max_amount: Amount = None,
) -> TransactionFilter:
    return TransactionFilter(
        transaction_id=transaction_id,
        customer_id=customer_id,
        customer_phone=customer_phone,
        recipient_phone_number=recipient_phone_number,
        plan_id=plan_id,
        transaction_type=transaction_type,
        payment_status=payment_status,
        payment_method=payment_method,
        date_from=query_instant(date_from),
        date_to=query_instant(date_to, end=True),
        min_amount=min_amount,
        max_amount=max_amount,
    )


Filters = Annotated[TransactionFilter, Depends(transaction_filter)]


@router.get(
    "/transactions/", response_model=list[TransactionResponse], tags=["Transaction Monitoring"]
)
async def get_transactions(
    db: SessionDep, page: PageParams, filters: Filters
) -> list[TransactionResponse]:
    """All transactions, newest first, with customer, plan and offer names."""
    transactions, total = await service.admin_transactions(db, filters, page.skip, page.limit)
    page.set_total(total)
    return transactions


@router.post("/transactions/export", tags=["Transaction Monitoring"])
async def export_transactions(
    filters: Filters, format: Literal["csv", "json"] = "csv"
) -> StreamingResponse:
    """Every matching transaction (no cap), streamed as CSV or JSON."""
    name = f"transactions_export_{datetime.now(UTC).date().isoformat()}.{format}"
    return StreamingResponse(
        service.export_transactions(filters, format),
        media_type="text/csv" if format == "csv" else "application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/subscriptions/active",
    response_model=list[AdminSubscriptionItem],
    tags=["Subscription Management"],
)
async def get_active_subscriptions(
    db: SessionDep, page: PageParams, customer_id: Annotated[DbId | None, Query()] = None
) -> list[AdminSubscriptionItem]:
    subscriptions, total = await service.active_subscriptions(
        db, customer_id, page.skip, page.limit, admin=True
    )
    page.set_total(total)
    return subscriptions


@router.get(
    "/subscriptions/queue", response_model=list[AdminQueueItem], tags=["Subscription Management"]
)
async def get_activation_queue(
    db: SessionDep, page: PageParams, customer_id: Annotated[DbId | None, Query()] = None
) -> list[AdminQueueItem]:
    queued, total = await service.queued_subscriptions(
        db, customer_id, page.skip, page.limit, admin=True
    )
    page.set_total(total)
    return queued


@router.get("/topups", response_model=list[AdminSubscriptionItem], tags=["Subscription Management"])
async def get_topups(
    db: SessionDep,
    page: PageParams,
    customer_id: Annotated[DbId | None, Query()] = None,
    phone_number: Annotated[str | None, Query(max_length=20)] = None,
) -> list[AdminSubscriptionItem]:
    """Active top-ups with their base plan and what is left."""
    topups, total = await service.active_subscriptions(
        db,
        customer_id,
        page.skip,
        page.limit,
        admin=True,
        topups_only=True,
        phone_number=phone_number,
    )
    page.set_total(total)
    return topups
