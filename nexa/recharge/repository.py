from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TypedDict

from sqlalchemy import (
    ScalarSelect,
    Select,
    and_,
    exists,
    func,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import sql
from nexa.models import (
    Line,
    NotificationChannel,
    NotificationType,
    Subscription,
    SubscriptionQueue,
    SubscriptionStatus,
)

# Creates the missing lines and locks them all, in phone-number order (no deadlocks between
# batches), in one statement: an existing line is "updated" to itself, which locks it as
# FOR NO KEY UPDATE does (enough: every writer of a number's plans takes this lock first); a
# line another transaction is creating is waited for. The subqueries read the state as of
# this statement's snapshot, which is enough: other transactions holding these lines only
# ever make changes less due, never more.
_LOCK_LINES = """
    INSERT INTO line (phone_number)
    SELECT phone FROM unnest(%(phones)s::varchar[]) AS phone ORDER BY phone
    ON CONFLICT (phone_number) DO UPDATE SET updated_at = line.updated_at
    RETURNING line.phone_number,
        %(now)s::timestamptz IS NOT NULL AND (
            EXISTS (SELECT 1 FROM subscription s
                    WHERE s.phone_number = line.phone_number AND s.status = 'active'
                      AND s.expiry_date <= %(now)s)
            OR EXISTS (SELECT 1 FROM subscription_queue q
                       WHERE q.phone_number = line.phone_number AND q.processed_at IS NULL
                         AND q.queue_position = 1 AND q.expected_activation_date <= %(now)s)
        ) AS due
"""


class LineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, phone_numbers: Sequence[str]) -> None:
        """Create missing lines and lock them all, in one order (no deadlocks between batches)."""
        await self.lock_and_find_due(phone_numbers, None)

    async def lock_and_find_due(
        self, phone_numbers: Sequence[str], now: datetime | None
    ) -> list[str]:
        """`lock`, and in the same statement the locked lines with a time-based change due at
        `now` (an active plan past its expiry, or a queued plan whose start has come)."""
        ordered = sorted(set(phone_numbers))
        if not ordered:
            return []
        rows = await sql.fetch_all(self.session, _LOCK_LINES, {"phones": ordered, "now": now})
        return [row.phone_number for row in rows if row.due]

    async def lock_lines_due(self, now: datetime, batch_size: int) -> list[str]:
        """Lines with a time-based change due (an expiry passed, a queued plan waiting),
        locked; lines another transaction holds are skipped (it settles them itself)."""
        expired = select(Subscription.phone_number).where(
            Subscription.status == SubscriptionStatus.active, Subscription.expiry_date <= now
        )
        waiting = select(SubscriptionQueue.phone_number).where(
            SubscriptionQueue.processed_at.is_(None),
            SubscriptionQueue.queue_position == 1,
            SubscriptionQueue.expected_activation_date <= now,
            ~exists().where(
                Subscription.phone_number == SubscriptionQueue.phone_number,
                Subscription.status == SubscriptionStatus.active,
                Subscription.is_topup.is_(False),
            ),
        )
        rows = await self.session.execute(
            select(Line.phone_number)
            .where(Line.phone_number.in_(expired.union(waiting).scalar_subquery()))
            .order_by(Line.phone_number)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars())


@cache
def _new_subscription(starts_now: bool) -> str:
    """The new subscription, noted on the ledger row it was bought with in the same
    statement; a plan that `starts_now` also records, in it, that the number's registered
    owner is covered again, and belongs to that owner (else to the payer given).

    Built at first use, importing the services then: the services import one another,
    and this module must import whichever is loaded first."""
    from nexa.customer import service as customer_service
    from nexa.payment import service as payment_service

    activation = customer_service.step_recording_plan_activation("phone_number", "activation_date")
    owner = f"owner AS ({activation})," if starts_now else ""
    holder = (
        "coalesce((SELECT customer_id FROM owner), %(customer_id)s)"
        if starts_now
        else "%(customer_id)s"
    )
    owner_id = "(SELECT customer_id FROM owner)" if starts_now else "NULL::int"
    return f"""
        WITH {owner}
        bought AS (
            INSERT INTO subscription (
                customer_id, phone_number, plan_id, transaction_id, is_topup, status,
                base_subscription_id, activation_date, expiry_date, data_allowance_mb,
                data_balance_mb, daily_data_limit_mb, daily_data_used_mb, last_daily_reset)
            VALUES (
                {holder}, %(phone_number)s, %(plan_id)s, %(transaction_id)s, %(is_topup)s,
                %(status)s, %(base_subscription_id)s, %(activation_date)s, %(expiry_date)s,
                %(data_allowance_mb)s, %(data_balance_mb)s, %(daily_data_limit_mb)s, 0,
                %(last_daily_reset)s)
            RETURNING subscription_id, transaction_id, customer_id
        ),
        noted AS ({payment_service.step_noting_subscription("bought")})
        SELECT subscription_id, customer_id, {owner_id} AS owner_id FROM bought
    """  # noqa: S608 (constant steps of the customer and payment domains)


@dataclass(frozen=True)
class Inserted:
    subscription_id: int
    customer_id: int  # whose it is
    owner_id: int | None  # the registered owner covered again (`starts_now` only)


class SubscriptionColumns(TypedDict):
    """The columns a purchase writes for a new subscription."""

    customer_id: int
    phone_number: str
    plan_id: int
    transaction_id: int
    is_topup: bool
    status: SubscriptionStatus
    base_subscription_id: int | None
    activation_date: datetime | None
    expiry_date: datetime
    data_allowance_mb: int
    data_balance_mb: int
    daily_data_limit_mb: int | None
    last_daily_reset: datetime | None


class QueueEntry(TypedDict):
    subscription_id: int
    customer_id: int
    phone_number: str
    expected_activation_date: datetime
    expected_expiry_date: datetime
    queue_position: int


@dataclass(frozen=True)
class StartedPlan:
    """A queued plan that has just started."""

    subscription_id: int
    phone_number: str
    customer_id: int
    plan_id: int
    activation_date: datetime
    expiry_date: datetime


@dataclass(frozen=True)
class ActiveBase:
    subscription_id: int
    expiry_date: datetime


class SubscriptionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, values: SubscriptionColumns, *, starts_now: bool = False) -> Inserted:
        """Write a subscription (noted on its ledger row). One that `starts_now` belongs to
        the number's registered owner, if any, who is recorded as covered again
        (`customer_service.step_recording_plan_activation`)."""
        row = await sql.fetch_one(self.session, _new_subscription(starts_now), values)
        assert row is not None
        return Inserted(row.subscription_id, row.customer_id, row.owner_id)

    async def add_to_queue(self, values: QueueEntry) -> None:
        await sql.execute(
            self.session,
            "INSERT INTO subscription_queue (subscription_id, customer_id, phone_number,"
            " expected_activation_date, expected_expiry_date, queue_position) VALUES"
            " (%(subscription_id)s, %(customer_id)s, %(phone_number)s,"
            " %(expected_activation_date)s, %(expected_expiry_date)s, %(queue_position)s)",
            values,
        )

    async def active_base(self, phone_number: str) -> ActiveBase | None:
        row = await sql.fetch_one(
            self.session,
            "SELECT subscription_id, expiry_date FROM subscription"
            " WHERE phone_number = %(phone)s AND status = 'active' AND NOT is_topup",
            {"phone": phone_number},
        )
        return ActiveBase(row.subscription_id, row.expiry_date) if row else None

    async def queue_tail(self, phone_number: str) -> tuple[datetime | None, int]:
        """When the number's last active or queued base plan ends, and how many wait."""
        row = await sql.fetch_one(
            self.session,
            """
            SELECT (SELECT max(expiry_date) FROM subscription
                    WHERE phone_number = %(phone)s AND NOT is_topup
                      AND status IN ('active', 'queued')) AS chain_end,
                   (SELECT count(*) FROM subscription_queue
                    WHERE phone_number = %(phone)s AND processed_at IS NULL) AS waiting
            """,
            {"phone": phone_number},
        )
        assert row is not None
        return row.chain_end, int(row.waiting)

    async def cancel_bought(self, transaction_id: int, now: datetime) -> bool:
        """Cancel the subscription bought by this ledger row (and the top-ups riding on it
        when it is an active base plan); a queued one leaves the queue. False when it had
        already ended."""
        bought = (
            await self.session.execute(
                update(Subscription)
                .where(
                    Subscription.transaction_id == transaction_id,
                    Subscription.status.in_([SubscriptionStatus.active, SubscriptionStatus.queued]),
                )
                .values(status=SubscriptionStatus.cancelled, expired_at=now)
                .returning(Subscription.subscription_id)
            )
        ).scalar_one_or_none()
        if bought is None:
            return False
        await self.session.execute(
            update(Subscription)
            .where(
                Subscription.base_subscription_id == bought,
                Subscription.status == SubscriptionStatus.active,
            )
            .values(status=SubscriptionStatus.expired, expired_at=now)
        )
        await self.session.execute(
            update(SubscriptionQueue)
            .where(SubscriptionQueue.subscription_id == bought)
            .values(processed_at=now)
        )
        return True

    async def rechain_queue(self, phone_number: str, start: datetime) -> None:
        """Renumber the number's waiting plans 1..n and chain them from `start`: each starts
        when the one before it ends, and keeps its length."""
        waiting = (
            await self.session.execute(
                select(SubscriptionQueue)
                .where(
                    SubscriptionQueue.phone_number == phone_number,
                    SubscriptionQueue.processed_at.is_(None),
                )
                .order_by(SubscriptionQueue.queue_position, SubscriptionQueue.queue_id)
                .with_for_update()
            )
        ).scalars()
        for position, entry in enumerate(waiting, start=1):
            length = entry.expected_expiry_date - entry.expected_activation_date
            entry.queue_position = position
            entry.expected_activation_date, entry.expected_expiry_date = start, start + length
            await self.session.execute(
                update(Subscription)
                .where(Subscription.subscription_id == entry.subscription_id)
                .values(expiry_date=entry.expected_expiry_date)
            )
            start = entry.expected_expiry_date
        await self.session.flush()

    async def expire_ended(self, phone_numbers: Sequence[str], now: datetime) -> int:
        """Active base plans and top-ups whose time is up, and top-ups of ended bases."""
        ended = await self.session.execute(
            update(Subscription)
            .where(
                Subscription.phone_number.in_(phone_numbers),
                Subscription.status == SubscriptionStatus.active,
                Subscription.expiry_date <= now,
            )
            .values(status=SubscriptionStatus.expired, expired_at=Subscription.expiry_date)
        )
        return int(ended.rowcount or 0)  # type: ignore[attr-defined]

    async def activate_next_queued(
        self, phone_numbers: Sequence[str], now: datetime
    ) -> list[StartedPlan]:
        """Start the first waiting plan of each number that has no active base plan.

        It starts exactly when its predecessor ended (the expected dates), whenever this runs.
        Returns the plans started.
        """
        result = await self.session.execute(
            text(
                """
                WITH next AS (
                    SELECT q.queue_id, q.subscription_id,
                           q.expected_activation_date, q.expected_expiry_date
                    FROM subscription_queue q
                    WHERE q.phone_number = ANY(:phones)
                      AND q.processed_at IS NULL
                      AND q.queue_position = 1
                      AND q.expected_activation_date <= :now
                      AND NOT EXISTS (
                          SELECT 1 FROM subscription s
                          WHERE s.phone_number = q.phone_number
                            AND s.status = 'active' AND NOT s.is_topup)
                ), processed AS (
                    UPDATE subscription_queue q SET processed_at = :now
                    FROM next WHERE q.queue_id = next.queue_id
                ), started AS (
                    UPDATE subscription s
                    SET status = 'active',
                        activation_date = next.expected_activation_date,
                        expiry_date = next.expected_expiry_date,
                        last_daily_reset = next.expected_activation_date,
                        daily_data_used_mb = 0,
                        updated_at = now()
                    FROM next WHERE s.subscription_id = next.subscription_id
                    RETURNING s.subscription_id, s.phone_number, s.customer_id, s.plan_id,
                              s.activation_date, s.expiry_date
                )
                SELECT started.subscription_id, started.phone_number, started.customer_id,
                       started.plan_id, started.activation_date, started.expiry_date
                FROM started
                """
            ),
            {"phones": list(phone_numbers), "now": now},
        )
        started = [StartedPlan(*row) for row in result]
        if started:
            # the rest of each queue moves up one place
            await self.session.execute(
                update(SubscriptionQueue)
                .where(
                    SubscriptionQueue.phone_number.in_({row.phone_number for row in started}),
                    SubscriptionQueue.processed_at.is_(None),
                )
                .values(queue_position=SubscriptionQueue.queue_position - 1)
            )
        return started

    async def for_usage(self, phone_numbers: Sequence[str]) -> list[Subscription]:
        """Active base plans and active top-ups of the numbers, top-ups by earliest expiry."""
        rows = await self.session.execute(
            select(Subscription)
            .where(
                Subscription.phone_number.in_(phone_numbers),
                Subscription.status == SubscriptionStatus.active,
            )
            .order_by(
                Subscription.phone_number,
                Subscription.is_topup,
                Subscription.expiry_date,
                Subscription.subscription_id,
            )
        )
        return list(rows.scalars())

    async def reset_daily_usage(self, midnight: datetime, batch_size: int) -> int:
        """Zero today's counter of active base plans last reset before `midnight` (a batch)."""
        batch = (
            select(Subscription.subscription_id)
            .where(
                Subscription.status == SubscriptionStatus.active,
                Subscription.is_topup.is_(False),
                (Subscription.last_daily_reset.is_(None))
                | (Subscription.last_daily_reset < midnight),
            )
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            update(Subscription)
            .where(Subscription.subscription_id.in_(batch.scalar_subquery()))
            .values(daily_data_used_mb=0, last_daily_reset=midnight)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def expiry_reminders(
        self, now: datetime, window: timedelta, timezone: str, plan_name: ScalarSelect[str]
    ) -> Select[int, str, str, str, str, str]:
        """SELECT of the plan_expiry alerts due (columns as the notification service wants):
        active base plans ending within `window`, with no plan queued after them.
        `plan_name`: the name of `Subscription.plan_id`'s plan (the catalogue's)."""
        local_expiry = func.timezone(timezone, Subscription.expiry_date)
        hours = int(window.total_seconds() // 3600)
        return select(
            Subscription.customer_id,
            literal(NotificationType.plan_expiry.value),
            literal("Plan expiring soon"),
            func.concat(
                "Your plan ",
                plan_name,
                " for ",
                Subscription.phone_number,
                " expires on ",
                func.to_char(local_expiry, "DD Mon YYYY HH24:MI"),
                ". Recharge to stay connected.",
            ),
            literal(NotificationChannel.sms.value),
            func.concat("plan_expiry:", Subscription.subscription_id, f":{hours}h"),
        ).where(
            Subscription.status == SubscriptionStatus.active,
            Subscription.is_topup.is_(False),
            Subscription.expiry_date > now,
            Subscription.expiry_date <= now + window,
            ~exists().where(
                and_(
                    SubscriptionQueue.phone_number == Subscription.phone_number,
                    SubscriptionQueue.processed_at.is_(None),
                )
            ),
        )
