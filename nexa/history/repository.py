"""Read-only views of purchases and subscriptions (joins, never one query per row)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, Row, Select, func, select

from nexa.core.repository import Repository
from nexa.models import (
    Customer,
    Offer,
    PaymentMethod,
    PaymentStatus,
    Plan,
    Subscription,
    SubscriptionQueue,
    SubscriptionStatus,
    Transaction,
    TransactionType,
)

# a transaction with its customer's name and phone, its plan's name and its offer's name
# (None when it had no offer: an outer join, which the column types do not show)
TransactionRow = Row[Transaction, str, str, str, str]
# a subscription with its plan's name, its customer's name and phone
SubscriptionRow = Row[Subscription, str, str, str]
# a queued plan with its plan id and name, its customer's name and phone
QueuedRow = Row[SubscriptionQueue, int, str, str, str]


@dataclass(frozen=True)
class TransactionFilter:
    transaction_id: int | None = None
    customer_id: int | None = None
    customer_phone: str | None = None
    recipient_phone_number: str | None = None
    plan_id: int | None = None
    transaction_type: TransactionType | None = None
    payment_status: PaymentStatus | None = None
    payment_method: PaymentMethod | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        equal = {
            Transaction.transaction_id: self.transaction_id,
            Transaction.customer_id: self.customer_id,
            Transaction.recipient_phone_number: self.recipient_phone_number,
            Transaction.plan_id: self.plan_id,
            Transaction.transaction_type: self.transaction_type,
            Transaction.payment_status: self.payment_status,
            Transaction.payment_method: self.payment_method,
        }
        conditions = [column == value for column, value in equal.items() if value is not None]
        if self.date_from is not None:
            conditions.append(Transaction.transaction_date >= self.date_from)
        if self.date_to is not None:
            conditions.append(Transaction.transaction_date < self.date_to)
        if self.min_amount is not None:
            conditions.append(Transaction.final_amount >= self.min_amount)
        if self.max_amount is not None:
            conditions.append(Transaction.final_amount <= self.max_amount)
        if self.customer_phone:
            conditions.append(Customer.phone_number.like(f"%{self.customer_phone}%"))
        return conditions


def _transactions(filters: TransactionFilter) -> Select[Transaction, str, str, str, str]:
    return (
        select(
            Transaction,
            Customer.full_name.label("customer_name"),
            Customer.phone_number.label("customer_phone"),
            Plan.plan_name,
            Offer.offer_name,
        )
        .join(Customer, Customer.customer_id == Transaction.customer_id)
        .join(Plan, Plan.plan_id == Transaction.plan_id)
        .outerjoin(Offer, Offer.offer_id == Transaction.offer_id)
        .where(*filters.conditions())
    )


class HistoryRepository(Repository[Transaction]):
    model = Transaction

    async def transactions(
        self, filters: TransactionFilter, skip: int, limit: int
    ) -> tuple[list[TransactionRow], int]:
        """A page, newest first. A page in the older half is read from the oldest end (an
        OFFSET walks every row it skips: the last page of a million rows costs what the
        first does), then put back in newest-first order."""
        count = select(func.count()).select_from(Transaction).where(*filters.conditions())
        if filters.customer_phone:  # every transaction has its customer (a foreign key)
            count = count.join(Customer, Customer.customer_id == Transaction.customer_id)
        total = int((await self.session.execute(count)).scalar_one())
        query = _transactions(filters)
        newest_first = (Transaction.transaction_date.desc(), Transaction.transaction_id.desc())
        if skip + limit > total // 2 and skip < total:
            from_oldest = max(total - skip - limit, 0)
            rows = await self.session.execute(
                query.order_by(Transaction.transaction_date.asc(), Transaction.transaction_id.asc())
                .offset(from_oldest)
                .limit(total - skip - from_oldest)
            )
            return list(reversed(list(rows))), total
        rows = await self.session.execute(query.order_by(*newest_first).offset(skip).limit(limit))
        return list(rows), total

    async def stream_transactions(
        self, filters: TransactionFilter, chunk: int = 2000
    ) -> AsyncIterator[TransactionRow]:
        """Every matching row, newest first, through a server-side cursor (flat memory)."""
        result = await self.session.stream(
            _transactions(filters)
            .order_by(Transaction.transaction_date.desc(), Transaction.transaction_id.desc())
            .execution_options(yield_per=chunk)
        )
        async for row in result:
            yield row

    def _subscriptions(
        self, customer_id: int | None, now: datetime
    ) -> Select[Subscription, str, str, str]:
        query = (
            select(
                Subscription,
                Plan.plan_name,
                Customer.full_name.label("customer_name"),
                Customer.phone_number.label("customer_phone"),
            )
            .join(Plan, Plan.plan_id == Subscription.plan_id)
            .join(Customer, Customer.customer_id == Subscription.customer_id)
            .where(Subscription.status == SubscriptionStatus.active, Subscription.expiry_date > now)
        )
        if customer_id is not None:
            query = query.where(Subscription.customer_id == customer_id)
        return query

    async def active_subscriptions(
        self,
        customer_id: int | None,
        now: datetime,
        skip: int,
        limit: int,
        *,
        topups_only: bool = False,
        phone_number: str | None = None,
    ) -> tuple[list[SubscriptionRow], int]:
        query = self._subscriptions(customer_id, now)
        if topups_only:
            query = query.where(Subscription.is_topup.is_(True))
        if phone_number:
            query = query.where(Subscription.phone_number == phone_number)
        query = query.order_by(Subscription.expiry_date, Subscription.subscription_id)
        return await self.page_of_rows(query, skip=skip, limit=limit)

    async def queue(
        self, customer_id: int | None, skip: int, limit: int
    ) -> tuple[list[QueuedRow], int]:
        query = (
            select(
                SubscriptionQueue,
                Subscription.plan_id,
                Plan.plan_name,
                Customer.full_name.label("customer_name"),
                Customer.phone_number.label("customer_phone"),
            )
            .join(Subscription, Subscription.subscription_id == SubscriptionQueue.subscription_id)
            .join(Plan, Plan.plan_id == Subscription.plan_id)
            .join(Customer, Customer.customer_id == SubscriptionQueue.customer_id)
            .where(SubscriptionQueue.processed_at.is_(None))
        )
        if customer_id is not None:
            query = query.where(SubscriptionQueue.customer_id == customer_id)
        query = query.order_by(SubscriptionQueue.phone_number, SubscriptionQueue.queue_position)
        return await self.page_of_rows(query, skip=skip, limit=limit)
