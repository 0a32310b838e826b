from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from nexa.auth.dependencies import CurrentCustomer
from nexa.core.db import SessionDep
from nexa.core.idempotency import IdempotencyKeyHeader
from nexa.core.pagination import PageParams
from nexa.core.schemas import DateOrInstant, DbId, Message
from nexa.linked_account import service
from nexa.linked_account.schemas import (
    LinkedAccountBase,
    LinkedAccountResponse,
    LinkedSpending,
    LinkedSubscription,
    RechargeLinkedRequest,
    RechargeLinkedResponse,
)
from nexa.models import LinkedAccount
from nexa.payment.dependencies import PENDING_RESPONSE, pending_as_202
from nexa.recharge.schemas import PaymentFailedBody

router = APIRouter(prefix="/customer/linked-accounts", tags=["Linked Accounts"])

NOT_YOURS: dict[int | str, dict[str, Any]] = {404: {"description": "No such link among yours"}}


async def own_link(
    linked_account_id: Annotated[DbId, Path()], customer: CurrentCustomer, db: SessionDep
) -> LinkedAccount:
    """Load-or-404: one of the caller's links (another customer's link is not found)."""
    return await service.get_own_link(db, customer, linked_account_id)


OwnLink = Annotated[LinkedAccount, Depends(own_link)]


@router.post(
    "",
    response_model=LinkedAccountResponse,
    responses={400: {"description": "Own number, already linked, or 5 links already"}},
)
async def add_linked_account(
    data: LinkedAccountBase, customer: CurrentCustomer, db: SessionDep
) -> LinkedAccountResponse:
    """Link a family member's or friend's number (at most 5; never your own)."""
    return await service.add_link(db, customer, data.linked_phone_number)


@router.get("", response_model=list[LinkedAccountResponse], responses=NOT_YOURS)
async def get_linked_accounts(
    customer: CurrentCustomer,
    db: SessionDep,
    page: PageParams,
    linked_account_id: Annotated[
        DbId | None,
        Query(description="One of your links, with `total_spent` and `active_subscriptions`"),
    ] = None,
) -> list[LinkedAccountResponse]:
    """Your linked numbers, each resolved now as registered or not."""
    links, total = await service.list_links(db, customer, linked_account_id, page.skip, page.limit)
    page.set_total(total)
    return links


@router.delete("/{linked_account_id}", response_model=Message, responses=NOT_YOURS)
async def remove_linked_account(link: OwnLink, db: SessionDep) -> Message:
    """Remove one of your links (its past recharges stay in your history)."""
    await service.remove_link(db, link)
    return Message(message="Linked account removed successfully")


@router.post(
    "/{linked_account_id}/recharge",
    response_model=RechargeLinkedResponse,
    responses={
        **NOT_YOURS,
        **PENDING_RESPONSE,
        402: {"model": PaymentFailedBody, "description": "The payment was declined"},
        409: {"description": "Idempotency-Key reused with a different request"},
    },
)
async def recharge_linked_account(
    link: OwnLink,
    data: RechargeLinkedRequest,
    customer: CurrentCustomer,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RechargeLinkedResponse | JSONResponse:
    """Recharge the linked number exactly like your own (prices, vouchers, queue, top-ups);
    202 while the payment is pending."""
    return pending_as_202(await service.recharge(db, customer, link, data, idempotency_key))


@router.get(
    "/{linked_account_id}/spending",
    response_model=LinkedSpending,
    responses={**NOT_YOURS, 400: {"description": "date_from after date_to"}},
)
async def get_linked_spending(
    link: OwnLink,
    customer: CurrentCustomer,
    db: SessionDep,
    date_from: Annotated[
        DateOrInstant | None,
        Query(description="From this instant, or from the start of this date"),
    ] = None,
    date_to: Annotated[
        DateOrInstant | None,
        Query(description="Before this instant, or up to the end of this date (included)"),
    ] = None,
) -> LinkedSpending:
    """What you paid for this number (successful payments only)."""
    return await service.spending(db, customer, link, date_from, date_to)


@router.get(
    "/{linked_account_id}/subscriptions",
    response_model=list[LinkedSubscription],
    responses=NOT_YOURS,
)
async def get_linked_subscriptions(
    link: OwnLink, customer: CurrentCustomer, db: SessionDep, page: PageParams
) -> list[LinkedSubscription]:
    """The number's active and queued plans that you paid for (active first, then the queue)."""
    plans, total = await service.subscriptions(db, customer, link, page.skip, page.limit)
    page.set_total(total)
    return plans
