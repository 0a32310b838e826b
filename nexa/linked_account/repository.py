from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from nexa.models import (
    Customer,
    LinkedAccount,
    PaymentStatus,
    Plan,
    Subscription,
    SubscriptionQueue,
    SubscriptionStatus,
    Transaction,
)

Primary = aliased(Customer)
Linked = aliased(Customer)


def for_primary(customer_id: int) -> Any:
    return LinkedAccount.primary_customer_id == customer_id


def for_link(linked_account_id: int) -> Any:
    return LinkedAccount.linked_account_id == linked_account_id


def linked_to_phone(phone_number: str) -> Any:
    return LinkedAccount.linked_phone_number == phone_number


def phone_contains(fragment: str) -> Any:
    return LinkedAccount.linked_phone_number.contains(fragment, autoescape=True)


def _paid_by(payer_id: int, phone_number: str) -> list[Any]:
    """Subscriptions of the number bought through a transaction this payer paid (with the
    transaction joined on `subscription.transaction_id`)."""
    return [Transaction.customer_id == payer_id, Subscription.phone_number == phone_number]


def _active(now: datetime) -> Any:
    return and_(Subscription.status == SubscriptionStatus.active, Subscription.expiry_date > now)


class LinkedAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_owner(self, customer_id: int) -> None:
        """Serialise link creation per primary customer until commit (the limit holds)."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended('linked_account:' || :id, 0))"),
            {"id": str(customer_id)},
        )

    async def count(self, customer_id: int) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count()).where(LinkedAccount.primary_customer_id == customer_id)
                )
            ).scalar_one()
        )

    async def exists(self, customer_id: int, phone_number: str) -> bool:
        found = await self.session.execute(
            select(LinkedAccount.linked_account_id).where(
                LinkedAccount.primary_customer_id == customer_id,
                LinkedAccount.linked_phone_number == phone_number,
            )
        )
        return found.first() is not None

    async def add(self, link: LinkedAccount) -> LinkedAccount:
        self.session.add(link)
        await self.session.flush()
        return link

    async def get(self, linked_account_id: int) -> LinkedAccount | None:
        return await self.session.get(LinkedAccount, linked_account_id)

    async def delete(self, link: LinkedAccount) -> None:
        await self.session.delete(link)
        await self.session.flush()

    def _listing(self) -> Any:
        """Links with both customers' names; the linked number resolved now (Q-22)."""
        return (
            select(
                LinkedAccount.linked_account_id,
                LinkedAccount.primary_customer_id,
                LinkedAccount.linked_phone_number,
                LinkedAccount.created_at,
                Primary.full_name.label("primary_customer_name"),
                Primary.phone_number.label("primary_phone_number"),
                Linked.customer_id.label("linked_customer_id"),
                Linked.full_name.label("linked_customer_name"),
            )
            .join(Primary, Primary.customer_id == LinkedAccount.primary_customer_id)
            .outerjoin(
                Linked,
                and_(
                    Linked.phone_number == LinkedAccount.linked_phone_number,
                    Linked.deleted_at.is_(None),
                ),
            )
            .order_by(LinkedAccount.created_at, LinkedAccount.linked_account_id)
        )

    async def rows(self, conditions: list[Any]) -> list[Any]:
        """Every matching link (small sets: one customer's links)."""
        return list(await self.session.execute(self._listing().where(*conditions)))

    async def page(self, conditions: list[Any], skip: int, limit: int) -> tuple[list[Any], int]:
        total = await self.session.scalar(
            select(func.count()).select_from(LinkedAccount).where(*conditions)
        )
        rows = await self.session.execute(
            self._listing().where(*conditions).offset(skip).limit(limit)
        )
        return list(rows), int(total or 0)

    async def spending(
        self,
        payer_id: int,
        phone_number: str,
        date_from: datetime | None,
        date_to: datetime | None,
    ) -> Any:
        conditions = [
            Transaction.customer_id == payer_id,
            Transaction.recipient_phone_number == phone_number,
            Transaction.payment_status == PaymentStatus.success,
        ]
        if date_from is not None:
            conditions.append(Transaction.transaction_date >= date_from)
        if date_to is not None:
            conditions.append(Transaction.transaction_date < date_to)
        return (
            await self.session.execute(
                select(
                    func.coalesce(func.sum(Transaction.final_amount), 0).label("total_spent"),
                    func.count().label("transaction_count"),
                    func.max(Transaction.transaction_date).label("last_recharge_at"),
                ).where(*conditions)
            )
        ).one()

    async def count_active_paid(self, payer_id: int, phone_number: str, now: datetime) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count())
                    .select_from(Subscription)
                    .join(Transaction, Transaction.transaction_id == Subscription.transaction_id)
                    .where(*_paid_by(payer_id, phone_number), _active(now))
                )
            ).scalar_one()
        )

    async def paid_subscriptions(
        self, payer_id: int, phone_number: str, now: datetime, skip: int, limit: int
    ) -> tuple[list[Any], int]:
        """Active and queued plans of the number that this payer bought: active first (the
        base plan before its top-ups), then the queue in order."""
        conditions = [
            *_paid_by(payer_id, phone_number),
            or_(Subscription.status == SubscriptionStatus.queued, _active(now)),
        ]
        total = (
            await self.session.execute(
                select(func.count())
                .select_from(Subscription)
                .join(Transaction, Transaction.transaction_id == Subscription.transaction_id)
                .where(*conditions)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(
                Subscription,
                Plan.plan_name,
                SubscriptionQueue.queue_position,
                SubscriptionQueue.expected_activation_date,
            )
            .join(Transaction, Transaction.transaction_id == Subscription.transaction_id)
            .join(Plan, Plan.plan_id == Subscription.plan_id)
            .outerjoin(
                SubscriptionQueue,
                and_(
                    SubscriptionQueue.subscription_id == Subscription.subscription_id,
                    SubscriptionQueue.processed_at.is_(None),
                ),
            )
            .where(*conditions)
            .order_by(
                case((Subscription.status == SubscriptionStatus.active, 0), else_=1),
                Subscription.is_topup,
                SubscriptionQueue.queue_position,
                Subscription.expiry_date,
                Subscription.subscription_id,
            )
            .offset(skip)
            .limit(limit)
        )
        return list(rows), int(total)

    async def customer(self, customer_id: int) -> Any:
        return (
            await self.session.execute(
                select(Customer.customer_id, Customer.full_name, Customer.phone_number).where(
                    Customer.customer_id == customer_id, Customer.deleted_at.is_(None)
                )
            )
        ).first()
