"""Data usage from the mediation feed (docs/decisions.md#usage-recording, #daily-reset,
#prepaid-alerts).

Usage draws on today's allowance of the active base plan first, then on top-ups by
earliest expiry; what finds no data left is recorded as throttled, never as a negative
balance. Each event id counts once, even when a batch is sent again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import service as catalog_service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.schemas import mb_to_gb
from nexa.models import NotificationType, Subscription, SubscriptionStatus
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.postpaid import service as postpaid_service
from nexa.recharge import lifecycle
from nexa.recharge.repository import SubscriptionRepository
from nexa.recharge.schemas import (
    CustomerUsageResponse,
    TopupUsage,
    UsageBatch,
    UsageBatchResult,
)
from nexa.recharge.usage_repository import UsageOutcome, UsageRepository


@dataclass
class LineData:
    """The active data sources of one number while a batch is applied."""

    base: Subscription | None = None
    topups: list[Subscription] = field(default_factory=list)

    @property
    def remaining_mb(self) -> int:
        base = self.base.data_balance_mb if self.base else 0
        return base + sum(topup.data_balance_mb for topup in self.topups)

    def consume(self, used_mb: int) -> int:
        """Take up to `used_mb` from the allowances; returns what was applied."""
        left = used_mb
        base = self.base
        if base is not None:
            allowed = base.data_balance_mb
            if base.daily_data_limit_mb is not None:
                allowed = min(allowed, max(base.daily_data_limit_mb - base.daily_data_used_mb, 0))
            take = min(left, allowed)
            base.data_balance_mb -= take
            base.daily_data_used_mb += take
            left -= take
        for topup in self.topups:
            if left == 0:
                break
            take = min(left, topup.data_balance_mb)
            topup.data_balance_mb -= take
            left -= take
        return used_mb - left


async def record_usage(db: AsyncSession, batch: UsageBatch) -> UsageBatchResult:
    now = clock.now()
    # the same event twice inside one batch counts once
    records = list({record.event_id: record for record in batch.records}.values())
    phones = sorted({record.phone_number for record in records})
    await lifecycle.lock_and_settle(db, phones, now)

    usage = UsageRepository(db)
    new_ids = await usage.insert_new_events(
        [
            {
                "event_id": record.event_id,
                "phone_number": record.phone_number,
                "used_mb": record.used_mb,
                "applied_mb": 0,
                "throttled_mb": record.used_mb,
                "occurred_at": record.occurred_at or now,
                "recorded_at": now,
            }
            for record in records
        ]
    )
    lines = await _load_lines(db, phones, now)
    # postpaid numbers (primary or secondary) draw on their activation's shared pool
    pools = await postpaid_service.load_pools(db, phones)
    outcomes: list[UsageOutcome] = []
    touched: set[str] = set()
    for record in sorted(records, key=lambda item: (item.occurred_at or now, item.event_id)):
        if record.event_id not in new_ids:
            continue
        source = pools.get(record.phone_number) or lines[record.phone_number]
        applied = source.consume(record.used_mb)
        outcomes.append(
            {
                "event_id": record.event_id,
                "applied_mb": applied,
                "throttled_mb": record.used_mb - applied,
            }
        )
        touched.add(record.phone_number)
    await usage.set_outcomes(outcomes)
    await db.flush()
    await _alert(db, {p: lines[p] for p in sorted(touched) if p not in pools}, now)
    touched_pools = {id(pools[p]): pools[p] for p in sorted(touched) if p in pools}
    await postpaid_service.alert_pools(db, list(touched_pools.values()))
    return UsageBatchResult(
        received=len(batch.records),
        applied=len(outcomes),
        duplicates=len(batch.records) - len(outcomes),
        applied_mb=sum(outcome["applied_mb"] for outcome in outcomes),
        throttled_mb=sum(outcome["throttled_mb"] for outcome in outcomes),
    )


def _counter_is_stale(subscription: Subscription, midnight: datetime) -> bool:
    """A daily counter not reset since the operator's midnight counts as zero
    (docs/decisions.md#daily-reset)."""
    return subscription.last_daily_reset is None or subscription.last_daily_reset < midnight


def _used_today(subscription: Subscription, midnight: datetime) -> int:
    return 0 if _counter_is_stale(subscription, midnight) else subscription.daily_data_used_mb


async def _load_lines(
    db: AsyncSession, phones: list[str], now: datetime, *, apply_daily_reset: bool = True
) -> dict[str, LineData]:
    """Active base plans and top-ups per number; with `apply_daily_reset`, a counter last
    reset before the operator's midnight restarts, lazily (docs/decisions.md#daily-reset)."""
    midnight = clock.business_midnight(now)
    lines: dict[str, LineData] = defaultdict(LineData)
    for subscription in await SubscriptionRepository(db).for_usage(phones):
        line = lines[subscription.phone_number]
        if subscription.is_topup:
            line.topups.append(subscription)
        else:
            if apply_daily_reset and _counter_is_stale(subscription, midnight):
                subscription.daily_data_used_mb = 0
                subscription.last_daily_reset = midnight
            line.base = subscription
    return lines


async def _alert(db: AsyncSession, lines: dict[str, LineData], now: datetime) -> None:
    """Usage alerts, each at most once per day per number (once per top-up when exhausted;
    docs/decisions.md#prepaid-alerts)."""
    day = clock.business_date(now).isoformat()
    low_balance_mb = get_settings().low_balance_mb
    alerts: list[Alert] = []
    for phone, line in lines.items():
        for topup in line.topups:
            if topup.data_balance_mb == 0:
                topup.status = SubscriptionStatus.exhausted
                alerts.append(
                    Alert(
                        customer_id=topup.customer_id,
                        type=NotificationType.topup_exhausted,
                        title="Top-up used up",
                        message=f"The data top-up on {phone} is fully used.",
                        dedupe_key=f"topup_exhausted:{topup.subscription_id}",
                    )
                )
        if line.base is None:
            continue
        owner = line.base.customer_id
        remaining = line.remaining_mb
        if remaining == 0:
            alerts.append(
                Alert(
                    owner,
                    NotificationType.data_exhausted,
                    "Data used up",
                    f"All data on {phone} is used up. Buy a top-up to keep browsing.",
                    dedupe_key=f"data_exhausted:{phone}:{day}",
                )
            )
        elif remaining < low_balance_mb:
            alerts.append(
                Alert(
                    owner,
                    NotificationType.low_balance,
                    "Low data balance",
                    f"Only {remaining} MB of data left on {phone}.",
                    dedupe_key=f"low_balance:{phone}:{day}",
                )
            )
        base = line.base
        if (
            base.daily_data_limit_mb is not None
            and base.daily_data_used_mb >= base.daily_data_limit_mb
        ):
            alerts.append(
                Alert(
                    owner,
                    NotificationType.daily_limit_reached,
                    "Daily data limit reached",
                    f"Today's {base.daily_data_limit_mb} MB on {phone} are used; "
                    "it resets at midnight.",
                    dedupe_key=f"daily_limit_reached:{phone}:{day}",
                )
            )
    await db.flush()
    if alerts:
        await notification_service.notify(db, *alerts)


async def usage_summary(db: AsyncSession, phone_number: str) -> CustomerUsageResponse:
    """`GET /customer/usage`: today's use, the daily limit, what is left, the top-ups."""
    now = clock.now()
    lines = await _load_lines(db, [phone_number], now, apply_daily_reset=False)
    line = lines.get(phone_number, LineData())
    plan_names = await catalog_service.plan_names(
        db, [s.plan_id for s in ([line.base] if line.base else []) + line.topups]
    )
    live_topups = [topup for topup in line.topups if topup.expiry_date > now]
    summary = CustomerUsageResponse(
        phone_number=phone_number,
        has_active_plan=line.base is not None and line.base.expiry_date > now,
        topups=[
            TopupUsage(
                subscription_id=topup.subscription_id,
                plan_name=plan_names[topup.plan_id],
                data_balance_mb=topup.data_balance_mb,
                data_balance_gb=mb_to_gb(topup.data_balance_mb) or Decimal(0),
                expiry_date=topup.expiry_date,
            )
            for topup in live_topups
        ],
    )
    base = line.base if summary.has_active_plan else None
    base_balance = base.data_balance_mb if base else 0
    total = base_balance + sum(topup.data_balance_mb for topup in live_topups)
    summary.total_remaining_mb = total
    summary.total_remaining_gb = mb_to_gb(total) or Decimal(0)
    if base is not None:
        summary.plan_name = plan_names[base.plan_id]
        summary.subscription_id = base.subscription_id
        summary.expiry_date = base.expiry_date
        summary.daily_data_limit_mb = base.daily_data_limit_mb
        summary.daily_data_limit_gb = mb_to_gb(base.daily_data_limit_mb)
        used_today = _used_today(base, clock.business_midnight(now))
        summary.daily_data_used_mb = used_today
        summary.daily_data_used_gb = mb_to_gb(used_today) or Decimal(0)
        if base.daily_data_limit_mb is not None:
            summary.daily_remaining_mb = min(
                max(base.daily_data_limit_mb - used_today, 0), base_balance
            )
        summary.base_balance_mb = base_balance
        summary.base_balance_gb = mb_to_gb(base_balance) or Decimal(0)
    return summary
