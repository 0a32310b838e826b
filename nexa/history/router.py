from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexa.auth.dependencies import CurrentCustomer
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DateOrInstant, DbId, query_instant
from nexa.history import service
from nexa.history.repository import TransactionFilter
from nexa.history.schemas import (
    CustomerQueueResponse,
    CustomerSubscriptionResponse,
    CustomerTransactionResponse,
)
from nexa.models import PaymentStatus, TransactionType

router = APIRouter(prefix="/customer")


@router.get(
    "/transactions", response_model=list[CustomerTransactionResponse], tags=["View Transactions"]
)
async def get_customer_transactions(
    customer: CurrentCustomer,
    db: SessionDep,
    page: PageParams,
    transaction_id: Annotated[DbId | None, Query()] = None,
    transaction_type: TransactionType | None = None,
    payment_status: PaymentStatus | None = None,
    date_from: DateOrInstant | None = None,
    date_to: DateOrInstant | None = None,
) -> list[CustomerTransactionResponse]:
    """What you paid, newest first."""
    filters = TransactionFilter(
        transaction_id=transaction_id,
        transaction_type=transaction_type,
        payment_status=payment_status,
        date_from=query_instant(date_from),
        date_to=query_instant(date_to, end=True),
    )
    transactions, total = await service.customer_transactions(
        db, customer, filters, page.skip, page.limit
    )
    page.set_total(total)
    return transactions


@router.get(
    "/subscriptions/active",
    response_model=list[CustomerSubscriptionResponse],
    tags=["View Subscriptions"],
)
async def get_customer_active_subscriptions(
    customer: CurrentCustomer, db: SessionDep, page: PageParams
) -> list[CustomerSubscriptionResponse]:
    """Your plans and top-ups active now, the first to end first."""
    subscriptions, total = await service.active_subscriptions(
        db, customer.customer_id, page.skip, page.limit, admin=False
    )
    page.set_total(total)
    return subscriptions


@router.get(
    "/subscriptions/queue", response_model=list[CustomerQueueResponse], tags=["View Subscriptions"]
)
async def get_customer_queued_subscriptions(
    customer: CurrentCustomer, db: SessionDep, page: PageParams
) -> list[CustomerQueueResponse]:
    """Plans waiting for the current one to end, per number in order."""
    queued, total = await service.queued_subscriptions(
        db, customer.customer_id, page.skip, page.limit, admin=False
    )
    page.set_total(total)
    return queued
