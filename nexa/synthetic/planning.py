"""What every generator of `nexa seed --synthetic` shares: the random function, the
temporary planning tables, the provisional ids and numbers, and the helpers that send SQL.

Every figure is drawn from `pg_temp.u(key, salt)`, a hash of a row number (uniform in [0, 1)),
so a given seed gives the same data. Rows are planned in temporary tables (ids taken from
the real sequences up front, so cross references need no later UPDATE), then each real table
gets one INSERT … SELECT. The real constraints and foreign keys check everything.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# numbers of synthetic customers: 6000000001…; other numbers they recharge: 69xxxxxxxx;
# postpaid secondary numbers: 68xxxxxxxx
CUSTOMER_PREFIX, POOL_PREFIX, SECONDARY_PREFIX = "6", "69", "68"

# provisional ids of planned purchases (a subscription takes its purchase's), unique and
# independent of query plans; the real ids are given in time order when rows are written.
# Base purchases use customer number × 100000 + purchase number (< 10^12).
TOPUP_KEYS, BILL_KEYS, REFERRAL_KEYS = 10**12, 2 * 10**12, 3 * 10**12

# what a seed writes (VACUUM ANALYZE afterwards accepts only these names)
SEEDED_TABLES = (
    "customer",
    "line",
    "plan",
    "offer",
    "transaction",
    "subscription",
    "subscription_queue",
    "postpaid_activation",
    "postpaid_bill",
    "postpaid_data_addon",
    "referral_program",
    "referral_usage_log",
    "referral_discount",
    "notification",
)
# the seed's temporary planning tables (pg_temp), dropped before and after
PLANNING_TABLES = (
    "syn_txmap",
    "syn_submap",
    "syn_plan",
    "syn_fallback",
    "syn_offer",
    "syn_customer",
    "syn_activation",
    "syn_bill",
    "syn_referral",
    "syn_tx",
    "syn_sub",
    "syn_eligible",
)

# what the generators bind to their SQL
SqlValue = str | int | float | datetime | list[str]
Params = Mapping[str, SqlValue]


async def run(db: AsyncSession, sql: str, params: Params | None = None) -> None:
    await db.execute(text(sql), dict(params or {}))


async def fetch_int(db: AsyncSession, sql: str, params: Params | None = None) -> int:
    """The one integer `sql` selects (a count, an id)."""
    return int((await db.execute(text(sql), dict(params or {}))).scalar_one())


async def fetch_text_rows(
    db: AsyncSession, sql: str, params: Params | None = None
) -> list[tuple[str, ...]]:
    """The rows of text columns `sql` selects (names and definitions from the catalogue)."""
    return [tuple(row) for row in (await db.execute(text(sql), dict(params or {}))).all()]


async def prepare(db: AsyncSession, seed: int) -> None:
    """The hash-based random function, and a clean slate of planning tables."""
    await run(
        db,
        "CREATE OR REPLACE FUNCTION pg_temp.u(k bigint, salt integer) RETURNS float8 "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT "
        f"(hashint8extended(k, salt::bigint * 7919 + {int(seed)}) & 2147483647)::float8"
        " / 2147483648.0 $$",
    )
    await _drop_planning_tables(db)
    # nobody else writes purchases meanwhile (the ids are reserved in one block)
    await run(db, "LOCK TABLE transaction, subscription IN EXCLUSIVE MODE")


async def finish(db: AsyncSession) -> None:
    """Drop the planning tables now rather than with the connection."""
    await _drop_planning_tables(db)
    await run(db, "DROP FUNCTION IF EXISTS pg_temp.u(bigint, integer)")


async def _drop_planning_tables(db: AsyncSession) -> None:
    for table in PLANNING_TABLES:
        await run(db, f"DROP TABLE IF EXISTS pg_temp.{table}")


async def planned_counts(db: AsyncSession) -> dict[str, int]:
    row = (
        await db.execute(
            text(
                """
                SELECT (SELECT count(*) FROM syn_customer) AS customers,
                       (SELECT count(*) FROM syn_tx) AS transactions,
                       (SELECT count(*) FROM syn_sub) AS subscriptions,
                       (SELECT count(*) FROM syn_activation) AS postpaid_activations,
                       (SELECT count(*) FROM syn_bill) AS postpaid_bills,
                       (SELECT count(*) FROM syn_referral) AS referral_programs,
                       (SELECT count(*) FROM syn_offer) AS offers,
                       (SELECT count(*) FROM syn_plan) AS plans
                """
            )
        )
    ).one()
    return {name: int(count) for name, count in row._mapping.items()}


async def vacuum_analyze(connection: AsyncConnection, tables: tuple[str, ...]) -> None:
    """VACUUM cannot run in a transaction: `connection` must be in autocommit mode."""
    for table in tables:
        if table not in SEEDED_TABLES:
            raise ValueError(f"not a seeded table: {table}")
        await connection.execute(text(f"VACUUM (ANALYZE) {table}"))
