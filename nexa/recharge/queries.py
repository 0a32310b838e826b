"""What other domains read of prepaid lines: the plans a payer bought for a number, and
correlated subqueries (plan coverage, counts) that they compose into their own SQL through
the recharge service (docs/decisions.md#boundaries)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Exists,
    ScalarSelect,
    Select,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import (
    Subscription,
    SubscriptionQueue,
    SubscriptionStatus,
)
from nexa.recharge.schemas import BoughtPlan


class BoughtPlanRepository:
    """The plans of a number that one payer bought (a linked account's view)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @staticmethod
    def _bought(
        phone_number: str, transactions: Select[int], now: datetime, *, queued: bool
    ) -> list[ColumnElement[bool]]:
        running = and_(
            Subscription.status == SubscriptionStatus.active, Subscription.expiry_date > now
        )
        return [
            Subscription.phone_number == phone_number,
            Subscription.transaction_id.in_(transactions),
            or_(Subscription.status == SubscriptionStatus.queued, running) if queued else running,
        ]

    async def count_running(
        self, phone_number: str, transactions: Select[int], now: datetime
    ) -> int:
        running = self._bought(phone_number, transactions, now, queued=False)
        query = select(func.count()).where(*running)
        return int((await self.session.execute(query)).scalar_one())

    async def page(
        self,
        phone_number: str,
        transactions: Select[int],
        plan_name: ScalarSelect[str],
        now: datetime,
        skip: int,
        limit: int,
    ) -> tuple[list[BoughtPlan], int]:
        """Running and queued plans: running first (the base plan before its top-ups), then
        the queue in order. `plan_name`: the name of `Subscription.plan_id`'s plan."""
        conditions = self._bought(phone_number, transactions, now, queued=True)
        total = (await self.session.execute(select(func.count()).where(*conditions))).scalar_one()
        rows = await self.session.execute(
            select(
                Subscription,
                plan_name,
                SubscriptionQueue.queue_position,
                SubscriptionQueue.expected_activation_date,
            )
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
        return [BoughtPlan(*row) for row in rows], int(total)


# --- correlated subqueries other domains compose into their SQL (through the service) ---


def has_active_base_plan(phone_number: ColumnExpressionArgument[str], now: datetime) -> Exists:
    """Whether the number has a base plan running at `now`."""
    return exists().where(
        Subscription.phone_number == phone_number,
        Subscription.status == SubscriptionStatus.active,
        Subscription.is_topup.is_(False),
        Subscription.expiry_date > now,
    )


def last_base_plan_end(
    phone_number: ColumnExpressionArgument[str], now: datetime
) -> ScalarSelect[datetime]:
    """When the number's latest base plan ended (`now` while one runs; NULL when none)."""
    return (
        select(
            func.max(
                func.least(func.coalesce(Subscription.expired_at, Subscription.expiry_date), now)
            )
        )
        .where(
            Subscription.phone_number == phone_number,
            Subscription.is_topup.is_(False),
            Subscription.status.in_([SubscriptionStatus.active, SubscriptionStatus.expired]),
        )
        .scalar_subquery()
    )


def running_plan_count_of(
    customer_id: ColumnExpressionArgument[int], now: datetime
) -> ScalarSelect[int]:
    """The customer's plans and top-ups, running or queued, that end after `now`."""
    return (
        select(func.count())
        .where(
            Subscription.customer_id == customer_id,
            Subscription.status.in_([SubscriptionStatus.active, SubscriptionStatus.queued]),
            Subscription.expiry_date > now,
        )
        .scalar_subquery()
    )


def queued_plan_count_of(customer_id: ColumnExpressionArgument[int]) -> ScalarSelect[int]:
    """The customer's plans waiting in a queue."""
    return (
        select(func.count())
        .where(
            SubscriptionQueue.customer_id == customer_id,
            SubscriptionQueue.processed_at.is_(None),
        )
        .scalar_subquery()
    )
