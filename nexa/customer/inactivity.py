"""Inactivity monitoring (docs/decisions.md#inactivity): warnings at 30 and 60 days
without a plan, and the account becomes `inactive` (reason `inactivity`) at 90 days, with
a last warning.

A customer is covered while their own number has an active prepaid base plan or a
running postpaid plan. Otherwise days count from the latest of: the end of their last
plan, their last successful payment, their registration. Each warning is sent once per
inactivity period; any new plan re-arms them (and returns the account to `active`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.customer.repository import CustomerRepository, WarningLevel
from nexa.models import AccountStatus, Customer, NotificationType
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.payment import service as payment_service
from nexa.postpaid import service as postpaid_service
from nexa.recharge import service as recharge_service

BATCH_SIZE = 1000

MESSAGES = {
    1: "You have had no active plan for {days} days. Recharge to stay connected.",
    2: "It has been {days} days without an active plan. Recharge soon to keep your account.",
    3: "After {days} days without a plan your account is now inactive. Any recharge "
    "reactivates it.",
}


async def refresh_batch(db: AsyncSession, now: datetime | None = None) -> int:
    """One batch of the daily inactivity job; returns how many customers it looked at."""
    now = now or clock.now()
    customers = CustomerRepository(db)
    phone, customer_id = Customer.phone_number, Customer.customer_id
    rows = await customers.refresh_inactivity(
        now,
        clock.business_midnight(now),
        BATCH_SIZE,
        covered=or_(
            recharge_service.has_active_base_plan(phone, now),
            postpaid_service.has_running_line(phone),
        ),
        since=func.greatest(
            recharge_service.last_base_plan_end(phone, now),
            payment_service.last_paid_at(customer_id),
        ),
    )
    thresholds = get_settings().inactivity_warning_days
    alerts: list[Alert] = []
    changes: list[WarningLevel] = []
    for row in rows:
        # suspended or deactivated accounts are left alone (they cannot sign in anyway)
        if row.covered or row.account_status != AccountStatus.active:
            continue
        level = sum(1 for days in thresholds if row.days_inactive >= days)
        if level <= row.inactivity_warning_level:
            continue
        # the highest level newly reached: one message, not a burst of three
        alerts.append(
            Alert(
                customer_id=row.customer_id,
                type=NotificationType.inactivity_warning,
                title="We miss you" if level < 3 else "Account inactive",
                message=MESSAGES[level].format(days=row.days_inactive),
                dedupe_key=f"inactivity_warning:{row.customer_id}:{level}:"
                f"{row.since.date().isoformat()}",
            )
        )
        changes.append({"customer_id": row.customer_id, "level": level, "now": now})
    await customers.set_inactivity_levels(changes)
    if alerts:
        await notification_service.notify(db, *alerts)
    return len(rows)
