"""`nexa seed --synthetic`: a realistic operator database of any size, written with
set-based SQL (a million transactions in about a minute).

Over the last 365 days: customers registering at a growing pace (mostly active, some
inactive, suspended or soft-deleted), a synthetic catalogue with monthly offers, base-plan
purchases (3 % declined, 20 % at an offer price, 25 % for other numbers) chained per number
exactly as the queue does, top-ups bought while a base plan ran, postpaid lines with a bill
per closed 30-day cycle (paid ones paid by a bill-payment transaction), referral codes with
their applications, vouchers and first purchases, and notifications. Every customer's
password is `SYNTHETIC_PASSWORD`.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from nexa.analytics import service as analytics_service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.errors import BadRequest, Conflict
from nexa.core.security import hash_password
from nexa.synthetic import (
    bulk_load,
    catalogue,
    notifications,
    planning,
    postpaid,
    prepaid,
    referrals,
)
from nexa.synthetic import customers as synthetic_customers  # `customers` is a count here

SYNTHETIC_PASSWORD = "synthetic-pass-1"  # published on purpose: it is test data
MAX_CUSTOMERS, MAX_TRANSACTIONS = 5_000_000, 50_000_000
BULK_TABLES = ("transaction", "subscription", "subscription_queue", "notification")


class SyntheticRefused(BadRequest, code="synthetic_refused"): ...


class SyntheticDataPresent(Conflict, code="synthetic_data_present"): ...


async def seed_synthetic(
    db: AsyncSession,
    *,
    customers: int,
    transactions: int,
    seed: int = 1,
    now: datetime | None = None,
) -> dict[str, int]:
    """Write the data in the caller's transaction; returns the row counts written."""
    if get_settings().is_production:
        raise SyntheticRefused("Synthetic data is never written in production")
    if not 10 <= customers <= MAX_CUSTOMERS:
        raise SyntheticRefused(f"customers must be between 10 and {MAX_CUSTOMERS}")
    if not 10 <= transactions <= MAX_TRANSACTIONS:
        raise SyntheticRefused(f"transactions must be between 10 and {MAX_TRANSACTIONS}")
    if await synthetic_customers.synthetic_numbers_taken(db):
        raise SyntheticDataPresent(
            "Synthetic customers (numbers 6xxxxxxxxx) exist already: seed an empty database"
        )
    now = (now or clock.now()).replace(microsecond=0)
    start = now - timedelta(days=365)
    await planning.prepare(db, seed)
    await catalogue.add_catalogue(db, now, start)
    pool = max(50, customers // 5)  # other numbers customers recharge (family, friends)
    # ~5 % postpaid customers, but their bills (at most 12 each) stay under 6 % of purchases
    postpaid_customers = min(customers // 20, transactions * 6 // 100 // 12)
    every = math.ceil(customers / postpaid_customers) if postpaid_customers else 0
    await synthetic_customers.add_customers(
        db, customers, pool, every, await hash_password(SYNTHETIC_PASSWORD), now, start
    )
    await postpaid.plan_postpaid(db, now)
    bills = await postpaid.paid_bill_count(db)
    await referrals.plan_referrals(db, now, max_completed=transactions * 5 // 100)
    first_purchases = await referrals.completed_referral_count(db)
    topups = transactions * 8 // 100
    await prepaid.plan_base_purchases(
        db, transactions - bills - topups - first_purchases, customers, pool, now, start
    )
    await prepaid.plan_base_subscriptions(db, now)
    await prepaid.plan_topups(db, topups, now)
    await postpaid.add_bill_payments(db)
    await bulk_load.number_in_time_order(db)
    # a bulk load: the big tables' plain indexes are built once at the end, and their
    # foreign keys added back then, which checks every row in one pass (unique indexes,
    # primary keys and CHECK constraints stay and check each row as it comes)
    indexes = await bulk_load.drop_secondary_indexes(db, BULK_TABLES)
    foreign_keys = await bulk_load.drop_foreign_keys(db, BULK_TABLES)
    await bulk_load.write_transactions(db)
    await prepaid.write_subscriptions(db, now)
    await postpaid.write_postpaid(db, now)
    await referrals.write_referrals(db, now)
    before = await notifications.last_notification_id(db)
    await notifications.write_notifications(db, now)
    await bulk_load.create_indexes(db, indexes)
    await bulk_load.add_foreign_keys(db, foreign_keys)
    counts = await planning.planned_counts(db)
    counts["notifications"] = await notifications.notification_count_since(db, before)
    # the closed days summed at once, as the sales-summary job would
    counts["summarized_days"] = 0
    while days := await analytics_service.refresh_summary(db, now):
        counts["summarized_days"] += days
    await planning.finish(db)
    return counts


async def refresh_statistics(connection: AsyncConnection) -> None:
    """VACUUM ANALYZE the seeded tables (an autocommit connection): planner statistics and
    the visibility map that index-only scans need."""
    await planning.vacuum_analyze(connection, planning.SEEDED_TABLES)
