"""Linked accounts (docs/decisions.md#linked-accounts): numbers a customer recharges for
family and friends, with exactly the own-recharge rules (one purchase service:
docs/decisions.md#linked-recharge)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action, row_summary
from nexa.core.errors import BadRequest, NotFound
from nexa.core.idempotency import ReplayedResponse
from nexa.core.schemas import mb_to_gb, normalise_phone, query_instant
from nexa.customer import service as customer_service
from nexa.linked_account.repository import (
    LinkedAccountRepository,
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
from nexa.models import LinkedAccount
from nexa.payment import service as payment_service
from nexa.payment.schemas import PaymentPending
from nexa.recharge import service as recharge_service
from nexa.recharge.schemas import BoughtPlan

if TYPE_CHECKING:
    from nexa.models import Admin, Customer

# links per customer; fixed in the code, not a setting (docs/decisions.md#linked-account-limit)
MAX_LINKED_ACCOUNTS = 5


class LinkNotFound(NotFound, code="linked_account_not_found"): ...


class CannotLinkOwnNumber(BadRequest, code="cannot_link_own_number"): ...


class AlreadyLinked(BadRequest, code="already_linked"): ...


class LinkLimitReached(BadRequest, code="link_limit_reached"): ...


class InvalidDateRange(BadRequest, code="invalid_date_range"): ...


class CustomerNotFound(NotFound, code="customer_not_found"): ...


async def _responses(db: AsyncSession, links: list[LinkedAccount]) -> list[LinkedAccountResponse]:
    """Each link with both customers' names; who holds the linked number is looked up now,
    never stored (docs/decisions.md#linked-accounts)."""
    primaries = await customer_service.contacts(db, {link.primary_customer_id for link in links})
    holders = await customer_service.contacts_by_phone(
        db, {link.linked_phone_number for link in links}
    )
    responses = []
    for link in links:
        primary, holder = primaries[link.primary_customer_id], holders.get(link.linked_phone_number)
        responses.append(
            LinkedAccountResponse(
                linked_account_id=link.linked_account_id,
                primary_customer_id=link.primary_customer_id,
                primary_customer_name=primary.full_name,
                linked_phone_number=link.linked_phone_number,
                linked_customer_id=holder.customer_id if holder else None,
                linked_customer_name=holder.full_name if holder else None,
                is_registered_user=holder is not None,
                created_at=link.created_at,
            )
        )
    return responses


# --- the primary customer -----------------------------------------------------------------


async def add_link(
    db: AsyncSession, customer: Customer, phone_number: str
) -> LinkedAccountResponse:
    """Link a number (normalised by the schema): never one's own, once, at most 5."""
    if phone_number == customer.phone_number:
        raise CannotLinkOwnNumber("You cannot link your own number")
    links = LinkedAccountRepository(db)
    # concurrent adds of one customer wait here, so the count below stays true until commit
    await links.lock_owner(customer.customer_id)
    if await links.exists(customer.customer_id, phone_number):
        raise AlreadyLinked(f"{phone_number} is already linked to your account")
    if await links.count(for_primary(customer.customer_id)) >= MAX_LINKED_ACCOUNTS:
        raise LinkLimitReached(
            f"You can link at most {MAX_LINKED_ACCOUNTS} numbers; remove one to add another"
        )
    try:
        link = await links.add(
            LinkedAccount(
                primary_customer_id=customer.customer_id, linked_phone_number=phone_number
            )
        )
    except IntegrityError as exc:  # the unique index lost a race the lock did not cover
        raise AlreadyLinked(f"{phone_number} is already linked to your account") from exc
    return (await _responses(db, [link]))[0]


async def get_own_link(
    db: AsyncSession, customer: Customer, linked_account_id: int
) -> LinkedAccount:
    """The caller's link, or 404 (another customer's link is not found, not forbidden)."""
    link = await LinkedAccountRepository(db).get(linked_account_id)
    if link is None or link.primary_customer_id != customer.customer_id:
        raise LinkNotFound(f"Linked account {linked_account_id} not found")
    return link


async def list_links(
    db: AsyncSession, customer: Customer, linked_account_id: int | None, skip: int, limit: int
) -> tuple[list[LinkedAccountResponse], int]:
    """The caller's links; with an id, that one link with its spending and active plans."""
    if linked_account_id is None:
        links, total = await LinkedAccountRepository(db).find(
            [for_primary(customer.customer_id)], skip, limit
        )
        return await _responses(db, links), total
    link = await get_own_link(db, customer, linked_account_id)
    response = (await _responses(db, [link]))[0]
    payer, phone = customer.customer_id, link.linked_phone_number
    response.total_spent = (
        await payment_service.spending(db, payer, phone, None, None)
    ).total_spent
    response.active_subscriptions = await recharge_service.running_plans_paid_by(db, payer, phone)
    return [response], 1


async def remove_link(db: AsyncSession, link: LinkedAccount) -> None:
    await LinkedAccountRepository(db).delete(link)


async def recharge(
    db: AsyncSession,
    customer: Customer,
    link: LinkedAccount,
    data: RechargeLinkedRequest,
    idempotency_key: str | None,
) -> RechargeLinkedResponse | PaymentPending:
    """The own-recharge purchase for the linked number: same prices, vouchers, payment,
    queue, top-ups, notifications and idempotency. The path's link wins over the body's
    `linked_account_id` (docs/decisions.md#linked-recharge)."""
    phone = link.linked_phone_number
    order = recharge_service.PurchaseOrder(
        payer_id=customer.customer_id,
        recipient_phone_number=phone,
        plan_id=data.plan_id,
        offer_id=data.offer_id if data.offer_id and data.offer_id > 0 else None,
        payment_method=data.payment_method,
        use_referral_discount=data.use_referral_discount,
    )
    endpoint = f"POST /customer/linked-accounts/{link.linked_account_id}/recharge"
    try:
        response = await recharge_service.purchase(
            db,
            order,
            idempotency_key,
            endpoint,
            lambda: {**data.model_dump(mode="json"), "linked_account_id": link.linked_account_id},
        )
    except ReplayedResponse as replay:
        # the stored answer is the purchase's; a replay answers like the first request did
        if replay.status_code == 200 and isinstance(replay.replay_body, dict):
            replay.replay_body = {**replay.replay_body, "linked_phone_number": phone}
        raise
    if isinstance(response, PaymentPending):
        return response
    return RechargeLinkedResponse(**response.model_dump(), linked_phone_number=phone)


async def spending(
    db: AsyncSession,
    customer: Customer,
    link: LinkedAccount,
    date_from: datetime | date | None,
    date_to: datetime | date | None,
) -> LinkedSpending:
    """What the caller paid for the number, successful payments only
    (docs/decisions.md#linked-views)."""
    start, end = query_instant(date_from), query_instant(date_to, end=True)
    if start is not None and end is not None and start > end:
        raise InvalidDateRange("date_from must not be after date_to")
    spent = await payment_service.spending(
        db, customer.customer_id, link.linked_phone_number, start, end
    )
    return LinkedSpending(
        linked_account_id=link.linked_account_id,
        linked_phone_number=link.linked_phone_number,
        total_spent=spent.total_spent,
        transaction_count=spent.transaction_count,
        last_recharge_at=spent.last_paid_at,
        date_from=start,
        date_to=end,
    )


async def subscriptions(
    db: AsyncSession, customer: Customer, link: LinkedAccount, skip: int, limit: int
) -> tuple[list[LinkedSubscription], int]:
    """The number's active and queued plans that the caller paid for
    (docs/decisions.md#linked-views)."""
    bought, total = await recharge_service.plans_paid_by(
        db, customer.customer_id, link.linked_phone_number, skip=skip, limit=limit
    )
    return [_subscription(row) for row in bought], total


def _subscription(row: BoughtPlan) -> LinkedSubscription:
    plan = row.subscription
    return LinkedSubscription(
        subscription_id=plan.subscription_id,
        transaction_id=plan.transaction_id,
        plan_id=plan.plan_id,
        plan_name=row.plan_name,
        phone_number=plan.phone_number,
        is_topup=plan.is_topup,
        status=plan.status,
        activation_date=plan.activation_date or row.expected_activation_date,
        expiry_date=plan.expiry_date,
        queue_position=row.queue_position,
        data_allowance_mb=plan.data_allowance_mb,
        data_allowance_gb=mb_to_gb(plan.data_allowance_mb) or Decimal(0),
        data_balance_mb=plan.data_balance_mb,
        data_balance_gb=mb_to_gb(plan.data_balance_mb) or Decimal(0),
        daily_data_limit_mb=plan.daily_data_limit_mb,
        daily_data_limit_gb=mb_to_gb(plan.daily_data_limit_mb),
        daily_data_used_mb=plan.daily_data_used_mb,
        daily_data_used_gb=mb_to_gb(plan.daily_data_used_mb) or Decimal(0),
    )


# --- administration -----------------------------------------------------------------------


def _phone_fragment(fragment: str) -> str:
    """A full number in any accepted form matches its stored 10 digits."""
    try:
        return normalise_phone(fragment)
    except ValueError:
        return fragment.strip()


async def admin_list(
    db: AsyncSession,
    primary_customer_id: int | None,
    linked_phone: str | None,
    skip: int,
    limit: int,
) -> tuple[list[LinkedAccountResponse], int]:
    """Every link, filtered; one query with both customers joined (no N+1)."""
    conditions: list[ColumnElement[bool]] = []
    if primary_customer_id is not None:
        conditions.append(for_primary(primary_customer_id))
    if linked_phone and linked_phone.strip():
        conditions.append(phone_contains(_phone_fragment(linked_phone)))
    links, total = await LinkedAccountRepository(db).find(conditions, skip, limit)
    return await _responses(db, links), total


async def admin_customer_links(db: AsyncSession, customer_id: int) -> CustomerLinks:
    """A customer's links as primary owner and the links others made to their number."""
    links = LinkedAccountRepository(db)
    customer = await customer_service.find(db, customer_id)
    if customer is None:
        raise CustomerNotFound(f"Customer {customer_id} not found")
    owned = await _responses(db, await links.rows([for_primary(customer_id)]))
    to_them = await links.rows([linked_to_phone(customer.phone_number)])
    primaries = await customer_service.contacts(db, {link.primary_customer_id for link in to_them})
    return CustomerLinks(
        customer=CustomerSummary.model_validate(customer),
        as_primary_owner=[OwnedLink.model_validate(row.model_dump()) for row in owned],
        as_linked_account=[
            LinkToCustomer(
                linked_account_id=link.linked_account_id,
                primary_customer_id=link.primary_customer_id,
                primary_customer_name=primaries[link.primary_customer_id].full_name,
                primary_phone_number=primaries[link.primary_customer_id].phone_number,
                created_at=link.created_at,
            )
            for link in to_them
        ],
    )


async def admin_remove(db: AsyncSession, linked_account_id: int, admin: Admin) -> None:
    links = LinkedAccountRepository(db)
    link = await links.get(linked_account_id)
    if link is None:
        raise LinkNotFound(f"Linked account {linked_account_id} not found")
    before = row_summary(link)
    await links.delete(link)
    await record_admin_action(
        db, admin, "linked_account.delete", "linked_account", linked_account_id, before
    )
