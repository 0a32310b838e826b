"""Linked accounts (§3.9, Q-22): numbers a customer recharges for family and friends, with
exactly the own-recharge rules (one purchase service, D-39)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.errors import BadRequest, NotFound
from nexa.core.schemas import mb_to_gb
from nexa.linked_account.repository import (
    LinkedAccountRepository,
    for_link,
    for_primary,
    linked_to_phone,
    phone_contains,
)
from nexa.linked_account.schemas import (
    CustomerLinks,
    CustomerSummary,
    LinkedAccountResponse,
    LinkedSpending,
    LinkedSubscription,
    LinkToCustomer,
    OwnedLink,
    RechargeLinkedRequest,
    RechargeLinkedResponse,
)
from nexa.models import Customer, LinkedAccount
from nexa.recharge import service as recharge_service

MAX_LINKED_ACCOUNTS = 5


class LinkNotFound(NotFound):
    code = "linked_account_not_found"


class CannotLinkOwnNumber(BadRequest):
    code = "cannot_link_own_number"


class AlreadyLinked(BadRequest):
    code = "already_linked"


class LinkLimitReached(BadRequest):
    code = "link_limit_reached"


class CustomerNotFound(NotFound):
    code = "customer_not_found"


def _response(row: Any) -> LinkedAccountResponse:
    return LinkedAccountResponse(
        **row._mapping, is_registered_user=row.linked_customer_id is not None
    )


async def add_link(
    db: AsyncSession, customer: Customer, phone_number: str
) -> LinkedAccountResponse:
    if phone_number == customer.phone_number:
        raise CannotLinkOwnNumber("You cannot link your own number")
    links = LinkedAccountRepository(db)
    await links.lock_owner(customer.customer_id)
    if await links.exists(customer.customer_id, phone_number):
        raise AlreadyLinked(f"{phone_number} is already linked")
    if await links.count(customer.customer_id) >= MAX_LINKED_ACCOUNTS:
        raise LinkLimitReached(f"At most {MAX_LINKED_ACCOUNTS} linked numbers")
    try:
        link = await links.add(
            LinkedAccount(
                primary_customer_id=customer.customer_id, linked_phone_number=phone_number
            )
        )
    except IntegrityError as exc:
        raise AlreadyLinked(f"{phone_number} is already linked") from exc
    rows, _ = await links.listing([for_link(link.linked_account_id)], 0, 1)
    return _response(rows[0])


async def _own_link(db: AsyncSession, customer: Customer, linked_account_id: int) -> LinkedAccount:
    link = await LinkedAccountRepository(db).get(linked_account_id)
    if link is None or link.primary_customer_id != customer.customer_id:
        raise LinkNotFound(f"Linked account {linked_account_id} not found")
    return link


async def list_links(
    db: AsyncSession, customer: Customer, linked_account_id: int | None, skip: int, limit: int
) -> tuple[list[LinkedAccountResponse], int]:
    links = LinkedAccountRepository(db)
    conditions = [for_primary(customer.customer_id)]
    if linked_account_id is not None:
        link = await _own_link(db, customer, linked_account_id)
        conditions.append(for_link(linked_account_id))
        rows, total = await links.listing(conditions, 0, 1)
        response = _response(rows[0])
        spending = await links.spending(customer.customer_id, link.linked_phone_number, None, None)
        response.total_spent = Decimal(spending.total_spent)
        response.active_subscriptions = len(
            await links.paid_subscriptions(
                customer.customer_id, link.linked_phone_number, clock.now()
            )
        )
        return [response], total
    rows, total = await links.listing(conditions, skip, limit)
    return [_response(row) for row in rows], total


async def remove_link(db: AsyncSession, customer: Customer, linked_account_id: int) -> None:
    await LinkedAccountRepository(db).delete(await _own_link(db, customer, linked_account_id))


async def recharge(
    db: AsyncSession,
    customer: Customer,
    linked_account_id: int,
    data: RechargeLinkedRequest,
    idempotency_key: str | None,
) -> RechargeLinkedResponse:
    """The own-recharge purchase, for the linked number (same prices, vouchers, queue)."""
    link = await _own_link(db, customer, linked_account_id)
    order = recharge_service.PurchaseOrder(
        payer=customer,
        recipient_phone_number=link.linked_phone_number,
        plan_id=data.plan_id,
        offer_id=data.offer_id if data.offer_id and data.offer_id > 0 else None,
        payment_method=data.payment_method,
        use_referral_discount=data.use_referral_discount,
    )
    payload = {**data.model_dump(mode="json"), "linked_account_id": linked_account_id}
    response = await recharge_service.purchase_idempotently(
        db,
        order,
        idempotency_key,
        f"POST /customer/linked-accounts/{linked_account_id}/recharge",
        payload,
    )
    return RechargeLinkedResponse(
        **response.model_dump(), linked_phone_number=link.linked_phone_number
    )


async def spending(
    db: AsyncSession,
    customer: Customer,
    linked_account_id: int,
    date_from: datetime | None,
    date_to: datetime | None,
) -> LinkedSpending:
    link = await _own_link(db, customer, linked_account_id)
    row = await LinkedAccountRepository(db).spending(
        customer.customer_id, link.linked_phone_number, date_from, date_to
    )
    return LinkedSpending(
        linked_account_id=linked_account_id,
        linked_phone_number=link.linked_phone_number,
        total_spent=Decimal(row.total_spent),
        transaction_count=row.transaction_count,
        last_recharge_at=row.last_recharge_at,
    )


async def subscriptions(
    db: AsyncSession, customer: Customer, linked_account_id: int
) -> list[LinkedSubscription]:
    link = await _own_link(db, customer, linked_account_id)
    rows = await LinkedAccountRepository(db).paid_subscriptions(
        customer.customer_id, link.linked_phone_number, clock.now()
    )
    return [
        LinkedSubscription(
            subscription_id=row[0].subscription_id,
            plan_name=row.plan_name,
            phone_number=row[0].phone_number,
            is_topup=row[0].is_topup,
            status=row[0].status,
            activation_date=row[0].activation_date or row.expected_activation_date,
            expiry_date=row[0].expiry_date,
            queue_position=row.queue_position,
            data_balance_mb=row[0].data_balance_mb,
            data_balance_gb=mb_to_gb(row[0].data_balance_mb) or Decimal(0),
        )
        for row in rows
    ]


# --- administration -----------------------------------------------------------------------


async def admin_list(
    db: AsyncSession,
    primary_customer_id: int | None,
    linked_phone: str | None,
    skip: int,
    limit: int,
) -> tuple[list[LinkedAccountResponse], int]:
    conditions: list[Any] = []
    if primary_customer_id is not None:
        conditions.append(for_primary(primary_customer_id))
    if linked_phone:
        conditions.append(phone_contains(linked_phone))
    rows, total = await LinkedAccountRepository(db).listing(conditions, skip, limit)
    return [_response(row) for row in rows], total


async def admin_customer_links(db: AsyncSession, customer_id: int) -> CustomerLinks:
    links = LinkedAccountRepository(db)
    summary = await links.customer(customer_id)
    if summary is None:
        raise CustomerNotFound(f"Customer {customer_id} not found")
    owned, _ = await links.listing([for_primary(customer_id)], 0, 1000)
    linked, _ = await links.listing([linked_to_phone(summary.phone_number)], 0, 1000)
    return CustomerLinks(
        customer=CustomerSummary.model_validate(summary._mapping),
        as_primary_owner=[
            OwnedLink(**row._mapping, is_registered_user=row.linked_customer_id is not None)
            for row in owned
        ],
        as_linked_account=[LinkToCustomer.model_validate(row._mapping) for row in linked],
    )


async def admin_remove(db: AsyncSession, linked_account_id: int) -> None:
    links = LinkedAccountRepository(db)
    link = await links.get(linked_account_id)
    if link is None:
        raise LinkNotFound(f"Linked account {linked_account_id} not found")
    await links.delete(link)
