"""Time-based changes of prepaid lines: expiries, queue activations, reminders, daily resets.

Each function is set-based and idempotent, so a job may run late, twice or on two workers.
`settle_lines` is also called by every purchase and usage batch on the lines it has locked,
so reads never see a plan that should already have ended.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.customer import service as customer_service
from nexa.models import NotificationType, Subscription
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.recharge.repository import LineRepository, SubscriptionRepository

BATCH_SIZE = 500


def format_when(at: datetime) -> str:
    """A date for people, in the operator's time zone."""
    return at.astimezone(get_settings().business_timezone).strftime("%d %b %Y %H:%M")


async def lock_and_settle(db: AsyncSession, phone_numbers: Sequence[str], now: datetime) -> None:
    """Lock the lines (creating missing ones) and settle those with a change due."""
    due = await LineRepository(db).lock_and_find_due(phone_numbers, now)
    if due:
        await settle_lines(db, due, now)


async def settle_lines(db: AsyncSession, phone_numbers: Sequence[str], now: datetime) -> int:
    """Bring locked lines up to `now`: end what has ended, start what follows (repeatedly,
    since after a long pause several queued plans may have come and gone). Returns how many
    plans were started."""
    subscriptions = SubscriptionRepository(db)
    started_total = 0
    while True:
        await subscriptions.expire_ended(phone_numbers, now)
        started = await subscriptions.activate_next_queued(phone_numbers, now)
        if not started:
            return started_total
        started_total += len(started)
        names = await catalog_service.plan_names(db, {row.plan_id for row in started})
        await notification_service.notify(
            db,
            *(
                Alert(
                    customer_id=row.customer_id,
                    type=NotificationType.plan_activated,
                    title="Plan activated",
                    message=(
                        f"Your plan {names[row.plan_id]} for {row.phone_number} is active from "
                        f"{format_when(row.activation_date)} until {format_when(row.expiry_date)}."
                    ),
                    dedupe_key=f"plan_activated:{row.subscription_id}",
                )
                for row in started
            ),
        )
        for row in started:
            await customer_service.record_plan_activation(db, row.phone_number, row.activation_date)


async def cancel_bought(db: AsyncSession, phone_number: str, transaction_id: int) -> None:
    """The payment of the plan or top-up bought by `transaction_id` was refunded: it ends now
    (a base plan with its top-ups), or leaves the queue, and the plans queued after it move
    up to start when the plan before them ends (docs/decisions.md#refunds)."""
    now = clock.now()
    await LineRepository(db).lock([phone_number])
    subscriptions = SubscriptionRepository(db)
    if await subscriptions.cancel_bought(transaction_id, now):
        active_base = await subscriptions.active_base(phone_number)
        await subscriptions.rechain_queue(
            phone_number, active_base.expiry_date if active_base else now
        )
        await settle_lines(db, [phone_number], now)


async def settle_due_lines(db: AsyncSession, now: datetime | None = None) -> int:
    """One batch of the lifecycle job; returns how many lines it settled (0 = nothing due)."""
    now = now or clock.now()
    phones = await LineRepository(db).lock_lines_due(now, BATCH_SIZE)
    if phones:
        await settle_lines(db, phones, now)
    return len(phones)


async def send_expiry_reminders(db: AsyncSession, now: datetime | None = None) -> int:
    """One `plan_expiry` per base plan entering its last hours, unless a plan follows
    (docs/decisions.md#expiry-reminders)."""
    now = now or clock.now()
    settings = get_settings()
    query = SubscriptionRepository(db).expiry_reminders(
        now,
        timedelta(hours=settings.expiry_reminder_hours),
        settings.timezone,
        catalog_service.plan_name_of(Subscription.plan_id),
    )
    return await notification_service.notify_from_select(db, query)


async def reset_daily_usage(db: AsyncSession, now: datetime | None = None) -> int:
    """Daily counters restart at the operator's midnight (docs/decisions.md#daily-reset);
    one batch, 0 = done."""
    midnight = clock.business_midnight(now or clock.now())
    return await SubscriptionRepository(db).reset_daily_usage(midnight, BATCH_SIZE)
