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
from nexa.synthetic.repository import SEEDED_TABLES, SyntheticRepository, vacuum_analyze

SYNTHETIC_PASSWORD = "synthetic-pass-1"  # published on purpose: it is test data
MAX_CUSTOMERS, MAX_TRANSACTIONS = 5_000_000, 50_000_000
BULK_TABLES = ("transaction", "subscription", "subscription_queue", "notification")


class SyntheticRefused(BadRequest):
    code = "synthetic_refused"


class SyntheticDataPresent(Conflict):
    code = "synthetic_data_present"


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
    synthetic = SyntheticRepository(db)
    if await synthetic.synthetic_numbers_taken():
        raise SyntheticDataPresent(
            "Synthetic customers (numbers 6xxxxxxxxx) exist already: seed an empty database"
        )
    now = (now or clock.now()).replace(microsecond=0)
    start = now - timedelta(days=365)
    await synthetic.prepare(seed)
    await synthetic.add_catalogue(now, start)
    pool = max(50, customers // 5)  # other numbers customers recharge (family, friends)
    # ~5 % postpaid customers, but their bills (at most 12 each) stay under 6 % of purchases
    postpaid = min(customers // 20, transactions * 6 // 100 // 12)
    every = math.ceil(customers / postpaid) if postpaid else 0
    await synthetic.add_customers(
        customers, pool, every, await hash_password(SYNTHETIC_PASSWORD), now, start
    )
    await synthetic.plan_postpaid(now)
    bills = await synthetic.paid_bill_count()
    await synthetic.plan_referrals(now, max_completed=transactions * 5 // 100)
    first_purchases = await synthetic.completed_referral_count()
    topups = transactions * 8 // 100
    await synthetic.plan_base_purchases(
        transactions - bills - topups - first_purchases, customers, pool, now, start
    )
    await synthetic.plan_base_subscriptions(now)
    await synthetic.plan_topups(topups, now)
    await synthetic.add_bill_payments()
    await synthetic.number_in_time_order()
    # a bulk load: the big tables' plain indexes are built once at the end, and their
    # foreign keys added back then, which checks every row in one pass (unique indexes,
    # primary keys and CHECK constraints stay and check each row as it comes)
    indexes = await synthetic.drop_secondary_indexes(BULK_TABLES)
    foreign_keys = await synthetic.drop_foreign_keys(BULK_TABLES)
    await synthetic.write_transactions()
    await synthetic.write_subscriptions(now)
    await synthetic.write_postpaid(now)
    await synthetic.write_referrals(now)
    before = await synthetic.last_notification_id()
    await synthetic.write_notifications(now)
    await synthetic.create_indexes(indexes)
    await synthetic.add_foreign_keys(foreign_keys)
    counts = await synthetic.counts()
    counts["notifications"] = await synthetic.notification_count_since(before)
    # the closed days summed at once, as the sales-summary job would
    counts["summarized_days"] = 0
    while days := await analytics_service.refresh_summary(db, now):
        counts["summarized_days"] += days
    await synthetic.finish()
    return counts


async def refresh_statistics(connection: AsyncConnection) -> None:
    """VACUUM ANALYZE the seeded tables (an autocommit connection): planner statistics and
    the visibility map that index-only scans need."""
    await vacuum_analyze(connection, SEEDED_TABLES)
