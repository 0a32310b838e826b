from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.core.auth import CurrentCustomer, SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId, Message
from nexa.linked_account import service
from nexa.linked_account.schemas import (
    LinkedAccountBase,
    LinkedAccountResponse,
    LinkedSpending,
    LinkedSubscription,
    RechargeLinkedRequest,
    RechargeLinkedResponse,
)
from nexa.recharge.router import IdempotencyKeyHeader

router = APIRouter(prefix="/customer/linked-accounts", tags=["Linked Accounts"])
LinkId = Annotated[DbId, Path()]


@router.post("", response_model=LinkedAccountResponse)
async def add_linked_account(
    data: LinkedAccountBase, customer: CurrentCustomer, db: SessionDep
) -> LinkedAccountResponse:
    """Link a family member's or friend's number (at most 5; never your own)."""
    return await service.add_link(db, customer, data.linked_phone_number)


@router.get("", response_model=list[LinkedAccountResponse])
async def get_linked_accounts(
    customer: CurrentCustomer,
    db: SessionDep,
    page: PageParams,
    linked_account_id: Annotated[DbId | None, Query()] = None,
) -> list[LinkedAccountResponse]:
    links, total = await service.list_links(db, customer, linked_account_id, page.skip, page.limit)
    page.set_total(total)
    return links


@router.delete("/{linked_account_id}", response_model=Message)
async def remove_linked_account(
    linked_account_id: LinkId, customer: CurrentCustomer, db: SessionDep
) -> Message:
    await service.remove_link(db, customer, linked_account_id)
    return Message(message="Linked account removed")


@router.post("/{linked_account_id}/recharge", response_model=RechargeLinkedResponse)
async def recharge_linked_account(
    linked_account_id: LinkId,
    data: RechargeLinkedRequest,
    customer: CurrentCustomer,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RechargeLinkedResponse:
    """Recharge the linked number exactly like your own (prices, vouchers, queue, top-ups)."""
    return await service.recharge(db, customer, linked_account_id, data, idempotency_key)


@router.get("/{linked_account_id}/spending", response_model=LinkedSpending)
async def get_linked_spending(
    linked_account_id: LinkId,
    customer: CurrentCustomer,
    db: SessionDep,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> LinkedSpending:
    """What you paid for this number (successful payments only)."""
    return await service.spending(db, customer, linked_account_id, date_from, date_to)


@router.get("/{linked_account_id}/subscriptions", response_model=list[LinkedSubscription])
async def get_linked_subscriptions(
    linked_account_id: LinkId, customer: CurrentCustomer, db: SessionDep
) -> list[LinkedSubscription]:
    """The number's active and queued plans that you paid for."""
    return await service.subscriptions(db, customer, linked_account_id)
