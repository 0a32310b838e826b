"""Synthetic customers, registering over the year at a growing pace (mostly active, some
inactive, suspended or soft-deleted), their lines and the other numbers they recharge."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.synthetic.planning import CUSTOMER_PREFIX, POOL_PREFIX, fetch_int, run

# a few names to a line (the formatter would give each a line of its own)
# fmt: off
FIRST_NAMES = [
    "Aarav", "Vivaan", "Aditya", "Vihaan", "Arjun", "Sai", "Reyansh", "Ayaan", "Krishna", "Ishaan",
    "Ananya", "Diya", "Aadhya", "Saanvi", "Pari", "Anika", "Navya", "Myra", "Sara", "Ira", "Rohan",
    "Kabir", "Meera", "Priya", "Neha", "Rahul", "Vikram", "Pooja", "Kavya", "Arnav", "Tara",
    "Zoya", "Farhan", "Imran", "Lakshmi", "Gopal", "Deepa", "Suresh", "Anjali", "Manish",
]
LAST_NAMES = [
    "Sharma", "Verma", "Gupta", "Iyer", "Nair", "Reddy", "Patel", "Shah", "Mehta", "Joshi",
    "Kulkarni", "Rao", "Das", "Bose", "Sen", "Singh", "Kaur", "Khan", "Ali", "Pillai", "Menon",
    "Naidu", "Chopra", "Kapoor", "Malhotra", "Banerjee", "Mukherjee", "Jain",
]
# fmt: on


async def synthetic_numbers_taken(db: AsyncSession) -> bool:
    taken = await fetch_int(
        db,
        "SELECT count(*) FROM (SELECT 1 FROM customer "
        "WHERE phone_number >= '6000000000' AND phone_number < '7000000000' LIMIT 1) AS one",
    )
    return taken > 0


async def add_customers(
    db: AsyncSession,
    customers: int,
    pool: int,
    postpaid_every: int,
    password_hash: str,
    now: datetime,
    start: datetime,
) -> None:
    await run(
        db,
        """
        CREATE TEMP TABLE syn_customer AS
        WITH drawn AS (
            SELECT i,
                   nextval(pg_get_serial_sequence('customer', 'customer_id')) AS customer_id,
                   :prefix || lpad(i::text, 9, '0') AS phone,
                   date_trunc('second', CAST(:start AS timestamptz)
                       + (CAST(:now AS timestamptz) - CAST(:start AS timestamptz))
                         * power((i - pg_temp.u(i, 2)) / :n, 0.9)) AS created_at,
                   pg_temp.u(i, 3) AS r,
                   :every > 0 AND i % :every = 3 % :every AS postpaid
            FROM generate_series(1, CAST(:n AS int)) AS i
        ), status AS (
            -- 93 % active, 2.5 % deactivated by an admin, 2 % inactive through inactivity,
            -- 1.5 % suspended, 0.5 % soft-deleted (postpaid customers stay active)
            SELECT drawn.*,
                   CASE WHEN postpaid OR r < 0.93 OR r >= 0.99 THEN 'active'
                        WHEN r < 0.975 THEN 'inactive' ELSE 'suspended' END AS status,
                   CASE WHEN postpaid OR r < 0.93 OR r >= 0.99 THEN NULL
                        WHEN r < 0.955 OR r >= 0.975 THEN 'admin'
                        ELSE 'inactivity' END AS reason,
                   CASE WHEN NOT postpaid AND r >= 0.93 AND r < 0.99
                        THEN date_trunc('second', created_at
                             + (CAST(:now AS timestamptz) - created_at) * 0.9) END
                       AS changed_at,
                   CASE WHEN NOT postpaid AND r >= 0.995
                        THEN date_trunc('second', created_at
                             + (CAST(:now AS timestamptz) - created_at) * 0.95) END
                       AS deleted_at
            FROM drawn
        )
        SELECT status.*,
               -- the customer buys until shut out, deleted, or 90 days before being
               -- found inactive
               greatest(created_at, CASE
                   WHEN deleted_at IS NOT NULL THEN deleted_at
                   WHEN reason = 'inactivity' THEN changed_at - interval '90 days'
                   WHEN reason = 'admin' THEN changed_at
                   ELSE CAST(:now AS timestamptz) END) AS buys_until
        FROM status
        """,
        {
            "prefix": CUSTOMER_PREFIX,
            "n": customers,
            "start": start,
            "now": now,
            "every": postpaid_every,
        },
    )
    await run(db, "ALTER TABLE syn_customer ADD PRIMARY KEY (i)")
    await run(db, "ANALYZE syn_customer")
    await run(
        db,
        """
        INSERT INTO customer (customer_id, phone_number, password_hash, full_name,
                              account_status, status_reason, status_changed_at, status_note,
                              deleted_at, created_at, updated_at, phone_verified_at)
        SELECT customer_id, phone, :hash,
               (CAST(:first AS text[]))[1 + (i * 7 + floor(r * 1000)::int)
                                            % cardinality(CAST(:first AS text[]))]
               || ' ' ||
               (CAST(:last AS text[]))[1 + (i * 13 + floor(r * 997)::int)
                                           % cardinality(CAST(:last AS text[]))],
               status, reason, changed_at,
               CASE WHEN status = 'suspended' THEN 'Synthetic: payment dispute' END,
               deleted_at, created_at, coalesce(changed_at, created_at), created_at
        FROM syn_customer
        """,
        {"hash": password_hash, "first": FIRST_NAMES, "last": LAST_NAMES},
    )
    await run(
        db,
        """
        INSERT INTO line (phone_number, created_at, updated_at)
        SELECT phone, created_at, created_at FROM syn_customer
        UNION ALL
        SELECT :pool_prefix || lpad(j::text, 8, '0'), CAST(:start AS timestamptz),
               CAST(:start AS timestamptz)
        FROM generate_series(1, CAST(:pool AS int)) AS j
        ON CONFLICT (phone_number) DO NOTHING
        """,
        {"pool_prefix": POOL_PREFIX, "pool": pool, "start": start},
    )
