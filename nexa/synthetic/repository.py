"""Set-based SQL of `nexa seed --synthetic`.

Every figure is drawn from `pg_temp.u(key, salt)`, a hash of a row number (uniform in [0, 1)),
so a given seed gives the same data. Rows are planned in temporary tables (ids taken from
the real sequences up front, so cross references need no later UPDATE), then each real table
gets one INSERT … SELECT. The real constraints and foreign keys check everything.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# numbers of synthetic customers: 6000000001…; other numbers they recharge: 69xxxxxxxx;
# postpaid secondary numbers: 68xxxxxxxx
CUSTOMER_PREFIX, POOL_PREFIX, SECONDARY_PREFIX = "6", "69", "68"

FIRST_NAMES = [
    "Aarav",
    "Vivaan",
    "Aditya",
    "Vihaan",
    "Arjun",
    "Sai",
    "Reyansh",
    "Ayaan",
    "Krishna",
    "Ishaan",
    "Ananya",
    "Diya",
    "Aadhya",
    "Saanvi",
    "Pari",
    "Anika",
    "Navya",
    "Myra",
    "Sara",
    "Ira",
    "Rohan",
    "Kabir",
    "Meera",
    "Priya",
    "Neha",
    "Rahul",
    "Vikram",
    "Pooja",
    "Kavya",
    "Arnav",
    "Tara",
    "Zoya",
    "Farhan",
    "Imran",
    "Lakshmi",
    "Gopal",
    "Deepa",
    "Suresh",
    "Anjali",
    "Manish",
]
LAST_NAMES = [
    "Sharma",
    "Verma",
    "Gupta",
    "Iyer",
    "Nair",
    "Reddy",
    "Patel",
    "Shah",
    "Mehta",
    "Joshi",
    "Kulkarni",
    "Rao",
    "Das",
    "Bose",
    "Sen",
    "Singh",
    "Kaur",
    "Khan",
    "Ali",
    "Pillai",
    "Menon",
    "Naidu",
    "Chopra",
    "Kapoor",
    "Malhotra",
    "Banerjee",
    "Mukherjee",
    "Jain",
]

# name, kind, price, validity days, data MB, daily limit MB, weight (popularity)
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
GB = 1024
PLANS: tuple[tuple[str, str, str, int, int, int | None, int], ...] = (
    ("Daily 19", "base", "19.00", 1, GB, GB, 10),
    ("Weekly 79", "base", "79.00", 7, 7 * GB, GB, 12),
    ("Fortnight 129", "base", "129.00", 14, 14 * GB, GB, 8),
    ("Value 149", "base", "149.00", 20, 20 * GB, GB, 6),
    ("Smart 199", "base", "199.00", 28, 28 * 1536, 1536, 20),
    ("Smart 239", "base", "239.00", 28, 28 * 2 * GB, 2 * GB, 10),
    ("Smart 299", "base", "299.00", 28, 28 * 5 * GB // 2, 5 * GB // 2, 16),
    ("Double 479", "base", "479.00", 56, 56 * 1536, 1536, 7),
    ("Quarterly 719", "base", "719.00", 84, 84 * 1536, 1536, 4),
    ("Quarterly 839", "base", "839.00", 84, 84 * 2 * GB, 2 * GB, 2),
    ("Annual 2999", "base", "2999.00", 365, 365 * 5 * GB // 2, 5 * GB // 2, 1),
    ("Data 19", "topup", "19.00", 1, GB, None, 30),
    ("Data 29", "topup", "29.00", 2, 2 * GB, None, 25),
    ("Data 58", "topup", "58.00", 0, 3 * GB, None, 25),
    ("Data 98", "topup", "98.00", 0, 6 * GB, None, 20),
    ("Postpaid 399", "postpaid", "399.00", 30, 40 * GB, None, 50),
    ("Postpaid 599", "postpaid", "599.00", 30, 75 * GB, None, 35),
    ("Family 999", "postpaid", "999.00", 30, 150 * GB, None, 15),
    ("Add-on 49", "addon", "49.00", 0, 5 * GB, None, 60),
    ("Add-on 99", "addon", "99.00", 0, 12 * GB, None, 40),
)
CATEGORY_OF = {
    "base": "Synthetic Unlimited",
    "topup": "Synthetic Data Packs",
    "postpaid": "Synthetic Postpaid",
    "addon": "Synthetic Postpaid",
}
MAX_SECONDARY = {"Postpaid 399": 1, "Postpaid 599": 2, "Family 999": 4}

DAY = 86400
# provisional ids of planned purchases (a subscription takes its purchase's), unique and
# independent of query plans; the real ids are given in time order when rows are written.
# Base purchases use customer number × 100000 + purchase number (< 10^12).
TOPUP_KEYS, BILL_KEYS, REFERRAL_KEYS = 10**12, 2 * 10**12, 3 * 10**12
WINDOW_DAYS = 30  # offers run in consecutive 30-day windows from the start of the year


class SyntheticRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _run(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return await self.session.execute(text(sql), params or {})

    async def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        return (await self._run(sql, params)).scalar_one()

    async def synthetic_numbers_taken(self) -> bool:
        return bool(
            await self.scalar(
                "SELECT EXISTS (SELECT 1 FROM customer "
                "WHERE phone_number >= '6000000000' AND phone_number < '7000000000')"
            )
        )

    async def prepare(self, seed: int) -> None:
        """The hash-based random function, and a clean slate of planning tables."""
        await self._run(
            "CREATE OR REPLACE FUNCTION pg_temp.u(k bigint, salt integer) RETURNS float8 "
            "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT "
            f"(hashint8extended(k, salt::bigint * 7919 + {int(seed)}) & 2147483647)::float8"
            " / 2147483648.0 $$"
        )
        for table in PLANNING_TABLES:
            await self._run(f"DROP TABLE IF EXISTS pg_temp.{table}")
        # nobody else writes purchases meanwhile (the ids are reserved in one block)
        await self._run("LOCK TABLE transaction, subscription IN EXCLUSIVE MODE")

    # --- catalogue ---------------------------------------------------------------------------

    async def add_catalogue(self, now: datetime, start: datetime) -> None:
        await self._run(
            "INSERT INTO category (category_name, created_at) "
            "SELECT DISTINCT name, CAST(:start AS timestamptz) FROM unnest(CAST(:names AS text[])) "
            "AS name ON CONFLICT ((lower(category_name))) DO NOTHING",
            {"names": sorted(set(CATEGORY_OF.values())), "start": start},
        )
        await self._run(
            "CREATE TEMP TABLE syn_plan (plan_id bigint PRIMARY KEY, k int, name text, kind text, "
            "price numeric(12, 2), validity_days int, data_mb bigint, daily_mb bigint, "
            "weight int, lo float8, hi float8)"
        )
        rows = [
            {
                "name": name,
                "kind": kind,
                "price": price,
                "days": days,
                "data": data,
                "daily": daily,
                "weight": weight,
                "category": CATEGORY_OF[kind],
                "secondary": MAX_SECONDARY.get(name, 0),
                "k": k,
            }
            for k, (name, kind, price, days, data, daily, weight) in enumerate(PLANS, start=1)
        ]
        await self._run(
            """
            WITH spec AS (
                SELECT * FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS s(
                    name text, kind text, price numeric, days int, data bigint, daily bigint,
                    weight int, category text, secondary int, k int)
            ), added AS (
                INSERT INTO plan (category_id, plan_name, plan_type, is_topup, price,
                                  validity_days, description, data_allowance_mb,
                                  daily_data_limit_mb, talktime_allowance_minutes, sms_allowance,
                                  benefits, is_featured, status, max_secondary_numbers,
                                  created_at, updated_at)
                SELECT c.category_id, s.name,
                       CASE WHEN s.kind IN ('postpaid', 'addon') THEN 'Postpaid' ELSE 'Prepaid' END,
                       s.kind IN ('topup', 'addon'), s.price, s.days,
                       s.name || ': synthetic plan', s.data, s.daily,
                       CASE WHEN s.kind IN ('base', 'postpaid') THEN 100000 END,
                       CASE WHEN s.kind IN ('base', 'postpaid') THEN 100 * greatest(s.days, 1) END,
                       CASE WHEN s.kind IN ('base', 'postpaid')
                            THEN '["Unlimited voice calls"]'::jsonb END,
                       s.weight >= 20 AND s.kind = 'base', 'active', s.secondary,
                       CAST(:start AS timestamptz), CAST(:start AS timestamptz)
                FROM spec s JOIN category c ON lower(c.category_name) = lower(s.category)
                ORDER BY s.k
                RETURNING plan_id, plan_name
            )
            INSERT INTO syn_plan (plan_id, k, name, kind, price, validity_days, data_mb,
                                  daily_mb, weight)
            SELECT a.plan_id, s.k, s.name, s.kind, s.price, s.days, s.data, s.daily, s.weight
            FROM added a JOIN spec s ON s.name = a.plan_name
            """,
            {"rows": _json(rows), "start": start},
        )
        # cumulative popularity ranges per kind, for weighted picks
        await self._run(
            """
            UPDATE syn_plan p SET lo = w.lo, hi = w.hi FROM (
                SELECT plan_id,
                       (sum(weight) OVER k - weight)::float8 / sum(weight) OVER all_k AS lo,
                       sum(weight) OVER k::float8 / sum(weight) OVER all_k AS hi
                FROM syn_plan
                WINDOW k AS (PARTITION BY kind ORDER BY k), all_k AS (PARTITION BY kind)
            ) w WHERE w.plan_id = p.plan_id
            """
        )
        # the longest base plan that lasts at most d days (the most popular among equals)
        await self._run(
            """
            CREATE TEMP TABLE syn_fallback AS
            SELECT d AS days,
                   (SELECT plan_id FROM syn_plan
                    WHERE kind = 'base' AND validity_days <= d
                    ORDER BY validity_days DESC, weight DESC LIMIT 1) AS plan_id
            FROM generate_series(1, 400) AS d
            """
        )
        # base plans: one offer per 30-day window, 5–20 % off, valid the whole window
        await self._run(
            """
            CREATE TEMP TABLE syn_offer AS
            SELECT nextval(pg_get_serial_sequence('offer', 'offer_id')) AS offer_id,
                   p.plan_id, w AS window_no,
                   round(p.price * (0.80 + 0.15 * pg_temp.u(p.k * 100 + w, 1)::numeric), 0)
                       AS discounted_price,
                   CAST(:start AS timestamptz) + make_interval(days => w * :window) AS valid_from,
                   CAST(:start AS timestamptz) + make_interval(days => (w + 1) * :window)
                       - interval '1 second' AS valid_until
            FROM syn_plan p CROSS JOIN generate_series(0, 366 / :window) AS w
            WHERE p.kind = 'base'
            """,
            {"start": start, "window": WINDOW_DAYS},
        )
        await self._run(
            """
            INSERT INTO offer (offer_id, plan_id, offer_name, description, discounted_price,
                               valid_from, valid_until, created_at)
            SELECT o.offer_id, o.plan_id, p.name || ' deal ' || (o.window_no + 1),
                   'Synthetic monthly offer', o.discounted_price, o.valid_from, o.valid_until,
                   least(o.valid_from, CAST(:now AS timestamptz))
            FROM syn_offer o JOIN syn_plan p USING (plan_id)
            """,
            {"now": now},
        )

    # --- customers and lines -----------------------------------------------------------------

    async def add_customers(
        self,
        customers: int,
        pool: int,
        postpaid_every: int,
        password_hash: str,
        now: datetime,
        start: datetime,
    ) -> None:
        await self._run(
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
        await self._run("ALTER TABLE syn_customer ADD PRIMARY KEY (i)")
        await self._run("ANALYZE syn_customer")
        await self._run(
            """
            INSERT INTO customer (customer_id, phone_number, password_hash, full_name,
                                  account_status, status_reason, status_changed_at, status_note,
                                  deleted_at, created_at, updated_at)
            SELECT customer_id, phone, :hash,
                   (CAST(:first AS text[]))[1 + (i * 7 + floor(r * 1000)::int)
                                                % cardinality(CAST(:first AS text[]))]
                   || ' ' ||
                   (CAST(:last AS text[]))[1 + (i * 13 + floor(r * 997)::int)
                                               % cardinality(CAST(:last AS text[]))],
                   status, reason, changed_at,
                   CASE WHEN status = 'suspended' THEN 'Synthetic: payment dispute' END,
                   deleted_at, created_at, coalesce(changed_at, created_at)
            FROM syn_customer
            """,
            {"hash": password_hash, "first": FIRST_NAMES, "last": LAST_NAMES},
        )
        await self._run(
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

    # --- postpaid ----------------------------------------------------------------------------

    async def plan_postpaid(self, now: datetime) -> None:
        """Activations of the postpaid customers, one closed bill per 30-day cycle."""
        await self._run(
            """
            CREATE TEMP TABLE syn_activation AS
            WITH chosen AS (
                SELECT c.*, p.plan_id, p.price, p.data_mb, p.name AS plan_name,
                       greatest(c.created_at,
                                least(c.created_at
                                      + make_interval(secs => pg_temp.u(c.i, 20) * 5 * 86400),
                                      CAST(:now AS timestamptz) - interval '1 hour')) AS started
                FROM syn_customer c
                JOIN syn_plan p ON p.kind = 'postpaid'
                 AND pg_temp.u(c.i, 21) >= p.lo AND pg_temp.u(c.i, 21) < p.hi
                WHERE c.postpaid
            )
            SELECT nextval(pg_get_serial_sequence('postpaid_activation', 'activation_id'))
                       AS activation_id,
                   chosen.*,
                   floor(extract(epoch FROM CAST(:now AS timestamptz) - started) / (30 * 86400))
                       ::int AS cycles
            FROM chosen
            """,
            {"now": now},
        )
        await self._run(
            """
            CREATE TEMP TABLE syn_bill AS
            SELECT b.*,
                   CASE WHEN b.due_date <= CAST(:now AS timestamptz)
                          OR pg_temp.u(b.bill_key, 23) < 0.5 THEN
                        least(b.cycle_end + make_interval(secs => pg_temp.u(b.bill_key, 24)
                                                          * 6 * 86400),
                              CAST(:now AS timestamptz) - interval '1 minute')
                   END AS paid_at
            FROM (
                SELECT nextval(pg_get_serial_sequence('postpaid_bill', 'bill_id')) AS bill_id,
                       a.i::bigint * 1000 + k AS bill_key, a.i, a.activation_id,
                       a.customer_id, a.phone, a.plan_id, a.price,
                       a.started + make_interval(days => 30 * k) AS cycle_start,
                       a.started + make_interval(days => 30 * (k + 1)) AS cycle_end,
                       a.started + make_interval(days => 30 * (k + 1) + 7) AS due_date,
                       CASE WHEN pg_temp.u(a.i::bigint * 1000 + k, 22) < 0.2
                            THEN (SELECT plan_id FROM syn_plan WHERE kind = 'addon'
                                  ORDER BY price LIMIT 1) END AS addon_plan_id
                FROM syn_activation a CROSS JOIN LATERAL generate_series(0, a.cycles - 1) AS k
            ) b
            """,
            {"now": now},
        )
        await self._run(
            "ALTER TABLE syn_bill ADD COLUMN transaction_id bigint, "
            "ADD COLUMN addon_price numeric(12, 2) NOT NULL DEFAULT 0"
        )
        await self._run(
            "UPDATE syn_bill SET transaction_id = CASE WHEN paid_at IS NOT NULL THEN "
            ":keys + bill_key END, "
            "addon_price = coalesce((SELECT price FROM syn_plan WHERE plan_id = addon_plan_id), 0)",
            {"keys": BILL_KEYS},
        )

    async def paid_bill_count(self) -> int:
        return int(await self.scalar("SELECT count(*) FROM syn_bill WHERE paid_at IS NOT NULL"))

    # --- referrals ---------------------------------------------------------------------------

    async def plan_referrals(self, now: datetime, max_completed: int) -> None:
        """Every 10th customer made a code; the customer 5 places later (registered after
        them) applied it, and for most of them their first purchase completed it."""
        await self._run(
            """
            CREATE TEMP TABLE syn_referral AS
            WITH pairs AS (
                SELECT r.i, r.customer_id AS referrer_id, e.customer_id AS referee_id,
                       e.phone AS referee_phone, e.postpaid AS referee_postpaid,
                       e.created_at AS referee_created,
                       greatest(r.created_at, e.created_at
                           - make_interval(secs => pg_temp.u(r.i, 30) * 7 * 86400)) AS created_at,
                       pg_temp.u(r.i, 31) AS outcome
                FROM syn_customer r JOIN syn_customer e ON e.i = r.i + 5
                WHERE r.i % 10 = 1
            ), timed AS (
                SELECT pairs.*, created_at + interval '30 days' AS expires_at,
                       least(referee_created + make_interval(
                                 secs => 600 + pg_temp.u(i, 32) * 2 * 86400),
                             CAST(:now AS timestamptz) - interval '1 minute') AS completed_at,
                       row_number() OVER (PARTITION BY outcome < 0.45 ORDER BY i) AS nth
                FROM pairs
            )
            SELECT nextval(pg_get_serial_sequence('referral_program', 'referral_id'))
                       AS referral_id,
                   timed.*,
                   CASE WHEN outcome < 0.45 AND nth <= :max_completed
                             AND completed_at > referee_created THEN 'completed'
                        WHEN outcome < 0.7 THEN 'applied' ELSE 'unused' END AS fate
            FROM timed
            """,
            {"now": now, "max_completed": max_completed},
        )
        await self._run(
            "ALTER TABLE syn_referral ADD COLUMN referee_discount_id bigint, "
            "ADD COLUMN referrer_discount_id bigint, ADD COLUMN transaction_id bigint"
        )
        await self._run(
            "UPDATE syn_referral SET "
            "referee_discount_id = nextval(pg_get_serial_sequence('referral_discount', "
            "'discount_id')), "
            "referrer_discount_id = nextval(pg_get_serial_sequence('referral_discount', "
            "'discount_id')), "
            "transaction_id = :keys + i "
            "WHERE fate = 'completed'",
            {"keys": REFERRAL_KEYS},
        )

    async def completed_referral_count(self) -> int:
        return int(await self.scalar("SELECT count(*) FROM syn_referral WHERE fate = 'completed'"))

    # --- prepaid purchases -------------------------------------------------------------------

    async def plan_base_purchases(
        self, purchases: int, customers: int, pool: int, now: datetime, start: datetime
    ) -> None:
        """Base-plan purchases (3 % declined), plus the referees' first purchases."""
        assert customers > 0
        await self._run(
            """
            CREATE TEMP TABLE syn_tx AS
            WITH life AS (
                SELECT i, customer_id, phone, postpaid, created_at,
                       extract(epoch FROM buys_until - created_at)::numeric AS span
                FROM syn_customer
            ), shares AS (
                -- purchases in proportion to the time each customer could buy (exact total)
                SELECT life.*, sum(span) OVER (ORDER BY i) AS upto, sum(span) OVER () AS total
                FROM life
            ), counted AS (
                SELECT shares.*,
                       (floor(upto * :purchases / nullif(total, 0))
                        - floor((upto - span) * :purchases / nullif(total, 0)))::int AS k
                FROM shares
            ), slots AS (
                -- the k purchases spread over the customer's time, one per equal slot;
                -- a quarter of them (all of a postpaid customer's) for another number
                SELECT c.i::bigint * 100000 + j AS g, c.customer_id, c.phone, c.postpaid,
                       date_trunc('second', c.created_at + make_interval(
                           secs => (j - 1 + pg_temp.u(c.i::bigint * 100000 + j, 41))
                                    * c.span / c.k)) AS at,
                       c.postpaid OR pg_temp.u(c.i::bigint * 100000 + j, 43) < 0.25 AS gift,
                       c.span / c.k / 86400 / 0.75 AS own_days
                FROM counted c CROSS JOIN LATERAL generate_series(1, c.k) AS j
                WHERE c.k > 0
            ), drawn AS (
                -- people buy plans that last about until their next purchase: a plan
                -- longer than that gives way to the longest one that fits (few queue)
                SELECT slots.*,
                       CASE WHEN gift THEN :gift_days * 0.6 ELSE own_days END AS fits_days
                FROM slots
            )
            SELECT g AS transaction_id,
                   d.customer_id, p.plan_id, p.price, p.validity_days, p.data_mb, p.daily_mb,
                   CASE WHEN d.gift
                        THEN :pool_prefix || lpad((1 + floor(pg_temp.u(g, 44) * :pool))::text,
                                                  8, '0')
                        ELSE d.phone END AS recipient,
                   d.at AS transaction_date,
                   CASE WHEN pg_temp.u(g, 45) < 0.2 THEN o.offer_id END AS offer_id,
                   CASE WHEN pg_temp.u(g, 45) < 0.2 THEN p.price - o.discounted_price ELSE 0 END
                       AS discount_amount,
                   CASE WHEN pg_temp.u(g, 45) < 0.2 THEN 'offer' END AS discount_type,
                   NULL::bigint AS referral_discount_id,
                   (ARRAY['upi', 'upi', 'debit_card', 'credit_card', 'net_banking'])
                       [1 + floor(pg_temp.u(g, 46) * 5)::int] AS payment_method,
                   CASE WHEN pg_temp.u(g, 47) < 0.03 THEN 'failed' ELSE 'success' END
                       AS payment_status
            FROM drawn d
            JOIN syn_plan pick ON pick.kind = 'base'
             AND pg_temp.u(g, 42) >= pick.lo AND pg_temp.u(g, 42) < pick.hi
            JOIN syn_fallback f ON f.days = least(400, greatest(1, floor(d.fits_days)))::int
            JOIN syn_plan p ON p.plan_id = CASE WHEN pick.validity_days <= d.fits_days
                                                THEN pick.plan_id ELSE f.plan_id END
            LEFT JOIN syn_offer o ON o.plan_id = p.plan_id
             AND o.window_no = floor(extract(epoch FROM d.at - CAST(:start AS timestamptz))
                                     / (:window * 86400))::int
            """,
            {
                "purchases": purchases,
                "gift_days": 365.0 * pool / max(1, purchases // 4),
                "pool": pool,
                "pool_prefix": POOL_PREFIX,
                "now": now,
                "start": start,
                "window": WINDOW_DAYS,
            },
        )
        await self._run(
            """
            INSERT INTO syn_tx
            SELECT r.transaction_id, r.referee_id, p.plan_id, p.price, p.validity_days,
                   p.data_mb, p.daily_mb,
                   CASE WHEN r.referee_postpaid
                        THEN :pool_prefix || lpad((1 + r.i % :pool)::text, 8, '0')
                        ELSE r.referee_phone END,
                   date_trunc('second', r.completed_at), NULL, round(p.price * 0.10, 2),
                   'referral', r.referee_discount_id, 'upi', 'success'
            FROM syn_referral r
            JOIN syn_plan p ON p.name = 'Smart 199'
            WHERE r.fate = 'completed'
            """,
            {"pool_prefix": POOL_PREFIX, "pool": pool},
        )
        await self._run(
            "ALTER TABLE syn_tx ADD COLUMN subscription_id bigint, "
            "ADD COLUMN transaction_type text NOT NULL DEFAULT 'prepaid_recharge', "
            "ADD COLUMN base_subscription_id bigint, ADD COLUMN expiry_cap timestamptz"
        )
        await self._run(
            "UPDATE syn_tx SET subscription_id = transaction_id WHERE payment_status = 'success'"
        )
        await self._run("ANALYZE syn_tx")

    async def plan_base_subscriptions(self, now: datetime) -> None:
        """Chain each number's base plans as the queue does (a plan bought while another
        runs starts when it ends): end_n = S_n + max_{j≤n}(t_j − S_{j−1}), S = running sum
        of validities — exact integer seconds, so windows never overlap."""
        await self._run(
            """
            CREATE TEMP TABLE syn_sub AS
            WITH seq AS (
                SELECT subscription_id, transaction_id, customer_id, recipient, plan_id,
                       data_mb, daily_mb, transaction_date,
                       extract(epoch FROM transaction_date)::bigint AS t,
                       validity_days::bigint * 86400 AS v,
                       sum(validity_days::bigint * 86400) OVER w AS s
                FROM syn_tx WHERE payment_status = 'success'
                WINDOW w AS (PARTITION BY recipient ORDER BY transaction_date, transaction_id)
            ), chained AS (
                SELECT seq.*, s + max(t - (s - v)) OVER w AS finish
                FROM seq
                WINDOW w AS (PARTITION BY recipient ORDER BY transaction_date, transaction_id)
            )
            SELECT subscription_id, transaction_id, customer_id, recipient, plan_id, data_mb,
                   daily_mb, transaction_date, false AS is_topup, NULL::bigint AS base_id,
                   to_timestamp(finish - v) AS starts, to_timestamp(finish) AS ends
            FROM chained
            """
        )
        await self._run("ALTER TABLE syn_sub ADD PRIMARY KEY (subscription_id)")
        await self._run("ANALYZE syn_sub")

    async def plan_topups(self, topups: int, now: datetime) -> None:
        """Top-ups bought while a base plan ran (the base plan is drawn at random)."""
        await self._run(
            """
            CREATE TEMP TABLE syn_eligible AS
            SELECT row_number() OVER (ORDER BY subscription_id) AS rn, subscription_id,
                   customer_id, recipient, starts, least(ends, CAST(:now AS timestamptz)) AS until,
                   ends
            FROM syn_sub WHERE NOT is_topup AND starts < CAST(:now AS timestamptz)
            """,
            {"now": now},
        )
        await self._run("ALTER TABLE syn_eligible ADD PRIMARY KEY (rn)")
        await self._run("ANALYZE syn_eligible")
        await self._run(
            """
            WITH drawn AS (
                SELECT g, e.*, date_trunc('second', e.starts + (e.until - e.starts)
                                                     * pg_temp.u(g, 51)) AS at
                FROM generate_series(1, CAST(:topups AS bigint)) AS g
                JOIN syn_eligible e
                  ON e.rn = 1 + floor(pg_temp.u(g, 50) * (SELECT count(*) FROM syn_eligible))
                                ::bigint
            )
            INSERT INTO syn_tx (transaction_id, customer_id, plan_id, price, validity_days,
                                data_mb, daily_mb, recipient, transaction_date, offer_id,
                                discount_amount, discount_type, referral_discount_id,
                                payment_method, payment_status, subscription_id,
                                transaction_type, base_subscription_id, expiry_cap)
            SELECT :keys + g,
                   d.customer_id, p.plan_id, p.price, p.validity_days, p.data_mb, NULL,
                   d.recipient, greatest(d.at, d.starts), NULL, 0, NULL, NULL,
                   (ARRAY['upi', 'upi', 'debit_card', 'credit_card'])
                       [1 + floor(pg_temp.u(g, 53) * 4)::int],
                   CASE WHEN pg_temp.u(g, 54) < 0.02 THEN 'failed' ELSE 'success' END,
                   NULL, 'topup_purchase', d.subscription_id, d.ends
            FROM drawn d
            JOIN syn_plan p ON p.kind = 'topup'
             AND pg_temp.u(g, 52) >= p.lo AND pg_temp.u(g, 52) < p.hi
            """,
            {"topups": topups, "now": now, "keys": TOPUP_KEYS},
        )
        await self._run(
            "UPDATE syn_tx SET subscription_id = transaction_id "
            "WHERE transaction_type = 'topup_purchase' AND payment_status = 'success'"
        )
        await self._run(
            """
            INSERT INTO syn_sub
            SELECT subscription_id, transaction_id, customer_id, recipient, plan_id, data_mb,
                   NULL, transaction_date, true, base_subscription_id, transaction_date,
                   CASE WHEN validity_days = 0 THEN expiry_cap
                        ELSE least(expiry_cap,
                                   transaction_date + make_interval(days => validity_days)) END
            FROM syn_tx
            WHERE transaction_type = 'topup_purchase' AND payment_status = 'success'
            """
        )

    async def add_bill_payments(self) -> None:
        await self._run(
            """
            INSERT INTO syn_tx (transaction_id, customer_id, plan_id, price, validity_days,
                                data_mb, daily_mb, recipient, transaction_date, offer_id,
                                discount_amount, discount_type, referral_discount_id,
                                payment_method, payment_status, subscription_id,
                                transaction_type)
            SELECT b.transaction_id, b.customer_id, b.plan_id, b.price + b.addon_price, 30, 0,
                   NULL, b.phone, date_trunc('second', b.paid_at), NULL, 0, NULL, NULL,
                   (ARRAY['upi', 'net_banking', 'debit_card', 'credit_card'])
                       [1 + floor(pg_temp.u(b.bill_key, 25) * 4)::int],
                   'success', NULL, 'postpaid_bill_payment'
            FROM syn_bill b WHERE b.paid_at IS NOT NULL
            """
        )

    # --- writing the real tables -------------------------------------------------------------

    async def drop_secondary_indexes(self, tables: tuple[str, ...]) -> list[str]:
        """Drop the plain (non-unique, non-constraint) indexes of `tables` for a bulk load;
        returns their definitions for `create_indexes` (same names, same definitions)."""
        rows = (
            await self._run(
                """
                SELECT c.relname, pg_get_indexdef(i.indexrelid)
                FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                JOIN pg_class t ON t.oid = i.indrelid
                WHERE t.relname = ANY(CAST(:tables AS text[]))
                  AND t.relnamespace = current_schema()::regnamespace
                  AND NOT i.indisprimary AND NOT i.indisunique
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
                ORDER BY c.relname
                """,
                {"tables": list(tables)},
            )
        ).all()
        for name, _definition in rows:
            await self._run(f'DROP INDEX "{name}"')
        return [definition for _name, definition in rows]

    async def create_indexes(self, definitions: list[str]) -> None:
        await self._run("SET LOCAL maintenance_work_mem = '256MB'")
        for definition in definitions:
            await self._run(definition)

    async def drop_foreign_keys(self, tables: tuple[str, ...]) -> list[tuple[str, str, str]]:
        """Drop the foreign keys of `tables` for a bulk load; `add_foreign_keys` puts them
        back, and adding a key checks every row of the table (one join instead of a check
        per inserted row)."""
        rows = (
            await self._run(
                """
                SELECT k.conname, t.relname, pg_get_constraintdef(k.oid)
                FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
                WHERE k.contype = 'f' AND t.relname = ANY(CAST(:tables AS text[]))
                  AND t.relnamespace = current_schema()::regnamespace
                ORDER BY t.relname, k.conname
                """,
                {"tables": list(tables)},
            )
        ).all()
        for name, table, _definition in rows:
            await self._run(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        return [(name, table, definition) for name, table, definition in rows]

    async def add_foreign_keys(self, keys: list[tuple[str, str, str]]) -> None:
        for name, table, definition in keys:
            await self._run(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')

    async def number_in_time_order(self) -> None:
        """Real ids for transactions and subscriptions, increasing with time as in a live
        system (one block of each sequence, reserved while the tables are locked)."""
        await self._run(
            """
            CREATE TEMP TABLE syn_txmap AS
            WITH base AS (
                SELECT nextval(pg_get_serial_sequence('transaction', 'transaction_id')) AS first
            )
            SELECT t.transaction_id AS old,
                   base.first + row_number() OVER (ORDER BY t.transaction_date, t.transaction_id)
                   - 1 AS new
            FROM syn_tx t CROSS JOIN base
            """
        )
        await self._run(
            """
            CREATE TEMP TABLE syn_submap AS
            WITH base AS (
                SELECT nextval(pg_get_serial_sequence('subscription', 'subscription_id')) AS first
            )
            SELECT s.subscription_id AS old,
                   base.first + row_number() OVER (ORDER BY s.transaction_date, s.subscription_id)
                   - 1 AS new
            FROM syn_sub s CROSS JOIN base
            """
        )
        await self._run("ALTER TABLE syn_txmap ADD PRIMARY KEY (old)")
        await self._run("ALTER TABLE syn_submap ADD PRIMARY KEY (old)")
        await self._run(
            "SELECT setval(pg_get_serial_sequence('transaction', 'transaction_id'), "
            "(SELECT max(new) FROM syn_txmap))"
        )
        await self._run(
            "SELECT setval(pg_get_serial_sequence('subscription', 'subscription_id'), "
            "(SELECT max(new) FROM syn_submap)) WHERE EXISTS (SELECT 1 FROM syn_submap)"
        )
        await self._run("ANALYZE syn_txmap")
        await self._run("ANALYZE syn_submap")

    async def write_transactions(self) -> None:
        await self._run(
            """
            INSERT INTO transaction (transaction_id, customer_id, plan_id, offer_id,
                                     recipient_phone_number, transaction_type, original_amount,
                                     discount_amount, discount_type, final_amount,
                                     payment_method, payment_status, payment_reference,
                                     failure_reason, transaction_date, subscription_id,
                                     referral_discount_id, bill_id)
            SELECT m.new, t.customer_id, t.plan_id, t.offer_id, t.recipient,
                   t.transaction_type, t.price, t.discount_amount, t.discount_type,
                   t.price - t.discount_amount, t.payment_method, t.payment_status,
                   'SYN-' || m.new,
                   CASE WHEN t.payment_status = 'failed' THEN 'Declined by the issuing bank' END,
                   t.transaction_date, sm.new, t.referral_discount_id, b.bill_id
            FROM syn_tx t
            JOIN syn_txmap m ON m.old = t.transaction_id
            LEFT JOIN syn_submap sm ON sm.old = t.subscription_id
            LEFT JOIN syn_bill b ON b.transaction_id = t.transaction_id
            ORDER BY m.new
            """
        )

    async def write_subscriptions(self, now: datetime) -> None:
        await self._run(
            """
            INSERT INTO subscription (subscription_id, customer_id, phone_number, plan_id,
                                      transaction_id, is_topup, status, base_subscription_id,
                                      activation_date, expiry_date, expired_at,
                                      data_allowance_mb, data_balance_mb, daily_data_limit_mb,
                                      daily_data_used_mb, last_daily_reset, created_at,
                                      updated_at)
            SELECT sm.new, s.customer_id, s.recipient, s.plan_id, tm.new, s.is_topup,
                   CASE WHEN s.ends <= CAST(:now AS timestamptz) THEN 'expired'
                        WHEN s.starts > CAST(:now AS timestamptz) THEN 'queued'
                        ELSE 'active' END,
                   bm.new,
                   CASE WHEN s.starts <= CAST(:now AS timestamptz) THEN s.starts END,
                   s.ends,
                   CASE WHEN s.ends <= CAST(:now AS timestamptz) THEN s.ends END,
                   coalesce(s.data_mb, 0),
                   CASE WHEN s.starts > CAST(:now AS timestamptz) THEN coalesce(s.data_mb, 0)
                        ELSE floor(coalesce(s.data_mb, 0) * pg_temp.u(s.subscription_id, 60))
                   END::bigint,
                   s.daily_mb,
                   CASE WHEN s.daily_mb IS NOT NULL AND s.starts <= CAST(:now AS timestamptz)
                             AND s.ends > CAST(:now AS timestamptz)
                        THEN floor(s.daily_mb * pg_temp.u(s.subscription_id, 61) * 0.5)
                        ELSE 0 END::bigint,
                   CASE WHEN s.starts <= CAST(:now AS timestamptz)
                        THEN greatest(s.starts, least(s.ends, CAST(:midnight AS timestamptz)))
                   END,
                   s.transaction_date, s.transaction_date
            FROM syn_sub s
            JOIN syn_submap sm ON sm.old = s.subscription_id
            JOIN syn_txmap tm ON tm.old = s.transaction_id
            LEFT JOIN syn_submap bm ON bm.old = s.base_id
            ORDER BY s.is_topup, sm.new
            """,
            {"now": now, "midnight": _midnight(now)},
        )
        # queue history: plans that waited for the one before (waiting ones still have
        # processed_at null, positions 1..n per number)
        await self._run(
            """
            INSERT INTO subscription_queue (subscription_id, customer_id, phone_number,
                                            expected_activation_date, expected_expiry_date,
                                            queue_position, processed_at, created_at)
            SELECT sm.new, s.customer_id, s.recipient, s.starts, s.ends,
                   CASE WHEN s.starts > CAST(:now AS timestamptz)
                        THEN row_number() OVER (PARTITION BY s.recipient,
                                                s.starts > CAST(:now AS timestamptz)
                                                ORDER BY s.starts)
                        ELSE 1 END,
                   CASE WHEN s.starts <= CAST(:now AS timestamptz) THEN s.starts END,
                   s.transaction_date
            FROM syn_sub s JOIN syn_submap sm ON sm.old = s.subscription_id
            WHERE NOT s.is_topup AND s.starts > s.transaction_date
            """,
            {"now": now},
        )
        # a customer's latest plan start on their own number (§3.3)
        await self._run(
            """
            UPDATE customer c SET last_active_plan_date = latest.at
            FROM (
                SELECT s.customer_id, max(s.starts) AS at
                FROM syn_sub s JOIN syn_customer sc ON sc.customer_id = s.customer_id
                WHERE NOT s.is_topup AND s.recipient = sc.phone
                  AND s.starts <= CAST(:now AS timestamptz)
                GROUP BY s.customer_id
            ) latest
            WHERE c.customer_id = latest.customer_id
            """,
            {"now": now},
        )

    async def write_postpaid(self, now: datetime) -> None:
        await self._run(
            """
            INSERT INTO postpaid_activation (activation_id, customer_id, plan_id, primary_number,
                                             status, billing_cycle_start, billing_cycle_end,
                                             base_amount, base_data_allowance_mb,
                                             base_balance_mb, data_used_mb, total_amount_due,
                                             created_at, updated_at)
            SELECT a.activation_id, a.customer_id, a.plan_id, a.phone, 'active',
                   a.started + make_interval(days => 30 * a.cycles),
                   a.started + make_interval(days => 30 * (a.cycles + 1)),
                   a.price, a.data_mb,
                   a.data_mb - floor(a.data_mb * pg_temp.u(a.i, 26) * 0.8)::bigint,
                   floor(a.data_mb * pg_temp.u(a.i, 26) * 0.8)::bigint,
                   coalesce(due.amount, 0), a.started, a.started
            FROM syn_activation a
            LEFT JOIN (SELECT activation_id, sum(price + addon_price) AS amount FROM syn_bill
                       WHERE paid_at IS NULL GROUP BY activation_id) due
              ON due.activation_id = a.activation_id
            """
        )
        await self._run(
            """
            INSERT INTO postpaid_bill (bill_id, activation_id, cycle_start, cycle_end,
                                       base_amount, addon_charges, total_amount, due_date,
                                       status, paid_at, paid_transaction_id, created_at)
            SELECT b.bill_id, b.activation_id, b.cycle_start, b.cycle_end, b.price, b.addon_price,
                   b.price + b.addon_price, b.due_date,
                   CASE WHEN b.paid_at IS NULL THEN 'unpaid' ELSE 'paid' END, b.paid_at,
                   m.new, b.cycle_end
            FROM syn_bill b LEFT JOIN syn_txmap m ON m.old = b.transaction_id
            """
        )
        # add-ons: one charged on 20 % of the bills, and one running in 10 % of the cycles
        await self._run(
            """
            INSERT INTO postpaid_data_addon (activation_id, plan_id, addon_name, data_amount_mb,
                                             data_remaining_mb, addon_price, purchased_date,
                                             valid_until, status, bill_id, created_at)
            SELECT b.activation_id, p.plan_id, p.name, p.data_mb, 0, p.price,
                   b.cycle_start + (b.cycle_end - b.cycle_start) * pg_temp.u(b.bill_key, 27),
                   b.cycle_end, 'expired', b.bill_id,
                   b.cycle_start + (b.cycle_end - b.cycle_start) * pg_temp.u(b.bill_key, 27)
            FROM syn_bill b JOIN syn_plan p ON p.plan_id = b.addon_plan_id
            UNION ALL
            SELECT a.activation_id, p.plan_id, p.name, p.data_mb,
                   floor(p.data_mb * pg_temp.u(a.i, 29))::bigint, p.price,
                   a.bought, a.cycle_end, 'active', NULL, a.bought
            FROM (SELECT activation_id, i,
                         started + make_interval(days => 30 * (cycles + 1)) AS cycle_end,
                         started + make_interval(days => 30 * cycles)
                         + (CAST(:now AS timestamptz)
                            - (started + make_interval(days => 30 * cycles))) * 0.5 AS bought
                  FROM syn_activation
                  WHERE pg_temp.u(i, 28) < 0.1) a
            JOIN syn_plan p ON p.kind = 'addon' AND p.name = 'Add-on 99'
            """,
            {"now": now},
        )
        await self._run(
            """
            INSERT INTO postpaid_secondary_number (activation_id, phone_number, added_date)
            SELECT a.activation_id, :prefix || lpad(row_number() OVER (ORDER BY a.activation_id)
                                                     ::text, 8, '0'),
                   a.started + interval '1 day'
            FROM syn_activation a JOIN plan p ON p.plan_id = a.plan_id
            WHERE p.max_secondary_numbers > 0 AND pg_temp.u(a.i, 35) < 0.3
              AND a.started + interval '1 day' < CAST(:now AS timestamptz)
            """,
            {"prefix": SECONDARY_PREFIX, "now": now},
        )

    async def write_referrals(self, now: datetime) -> None:
        await self._run(
            """
            INSERT INTO referral_program (referral_id, referrer_customer_id, referral_code,
                                          referee_phone_number, referee_customer_id, status,
                                          is_active, expires_at, max_uses, current_uses,
                                          completed_at, created_at)
            SELECT referral_id, referrer_id,
                   'S' || CASE WHEN referral_id < 10000000 THEN lpad(referral_id::text, 7, '0')
                               ELSE referral_id::text END,
                   CASE WHEN fate = 'unused' THEN '' ELSE referee_phone END,
                   CASE WHEN fate = 'unused' THEN NULL ELSE referee_id END,
                   CASE WHEN fate = 'completed' THEN 'completed'
                        WHEN expires_at <= CAST(:now AS timestamptz) THEN 'expired'
                        ELSE 'pending' END,
                   fate <> 'completed' AND expires_at > CAST(:now AS timestamptz),
                   expires_at, 1, CASE WHEN fate = 'completed' THEN 1 ELSE 0 END,
                   CASE WHEN fate = 'completed' THEN completed_at END, created_at
            FROM syn_referral
            """,
            {"now": now},
        )
        await self._run(
            """
            INSERT INTO referral_usage_log (referral_id, used_by_phone, used_by_customer_id,
                                            used_at, status, completed_at,
                                            completed_transaction_id)
            SELECT r.referral_id, r.referee_phone, r.referee_id, r.referee_created,
                   CASE WHEN r.fate = 'completed' THEN 'completed' ELSE 'pending' END,
                   CASE WHEN r.fate = 'completed' THEN r.completed_at END, m.new
            FROM syn_referral r LEFT JOIN syn_txmap m ON m.old = r.transaction_id
            WHERE r.fate <> 'unused'
            """
        )
        await self._run(
            """
            INSERT INTO referral_discount (discount_id, referral_id, customer_id,
                                           beneficiary_role, discount_percentage, is_used,
                                           valid_until, used_at, used_transaction_id, created_at)
            SELECT r.referee_discount_id, r.referral_id, r.referee_id, 'referee', 10.00, true,
                   r.referee_created + interval '30 days', r.completed_at, m.new,
                   r.referee_created
            FROM syn_referral r JOIN syn_txmap m ON m.old = r.transaction_id
            WHERE r.fate = 'completed'
            UNION ALL
            SELECT referrer_discount_id, referral_id, referrer_id, 'referrer', 30.00, false,
                   completed_at + interval '30 days', NULL, NULL, completed_at
            FROM syn_referral WHERE fate = 'completed'
            """
        )

    async def write_notifications(self, now: datetime) -> None:
        """About one notification for every fourth successful purchase or bill payment."""
        await self._run(
            """
            INSERT INTO notification (customer_id, title, message, type, channel, is_read,
                                      read_at, status, delivery_mode, sent_at, source,
                                      attempts, next_attempt_at, failure_reason, created_at)
            SELECT t.customer_id, k.title, k.title || ' (synthetic)', k.type, k.channel,
                   k.channel = 'in_app' AND r2 < 0.6,
                   CASE WHEN k.channel = 'in_app' AND r2 < 0.6
                        THEN t.transaction_date + interval '2 hours' END,
                   CASE WHEN k.channel = 'in_app' THEN 'sent'
                        WHEN t.transaction_date > CAST(:now AS timestamptz) - interval '1 hour'
                        THEN 'pending'
                        WHEN r2 < 0.04 THEN 'failed' ELSE 'sent' END,
                   'simulated',
                   CASE WHEN k.channel = 'in_app'
                          OR (t.transaction_date <= CAST(:now AS timestamptz) - interval '1 hour'
                              AND r2 >= 0.04)
                        THEN t.transaction_date + interval '5 seconds' END,
                   k.source,
                   CASE WHEN t.transaction_date > CAST(:now AS timestamptz) - interval '1 hour'
                        THEN 0 WHEN r2 < 0.04 THEN 3 ELSE 1 END,
                   CASE WHEN t.transaction_date > CAST(:now AS timestamptz) - interval '1 hour'
                        THEN t.transaction_date END,
                   CASE WHEN k.channel <> 'in_app' AND r2 < 0.04
                        AND t.transaction_date <= CAST(:now AS timestamptz) - interval '1 hour'
                        THEN 'Synthetic: provider unreachable' END,
                   t.transaction_date
            FROM (
                SELECT transaction_id, customer_id, transaction_date,
                       pg_temp.u(transaction_id, 71) AS r1, pg_temp.u(transaction_id, 72) AS r2
                FROM syn_tx
                WHERE payment_status = 'success' AND pg_temp.u(transaction_id, 70) < 0.25
            ) t
            JOIN (VALUES
                (0.00, 0.60, 'payment_success', 'sms', 'system', 'Payment received'),
                (0.60, 0.75, 'plan_activated', 'push', 'system', 'Your plan is active'),
                (0.75, 0.85, 'plan_expiry', 'sms', 'system', 'Your plan ends soon'),
                (0.85, 0.95, 'promotional', 'in_app', 'admin', 'Offers for you'),
                (0.95, 1.01, 'low_balance', 'sms', 'system', 'Data running low')
            ) AS k(lo, hi, type, channel, source, title)
              ON t.r1 >= k.lo AND t.r1 < k.hi
            """,
            {"now": now},
        )

    async def finish(self) -> None:
        """Drop the planning tables now rather than with the connection."""
        for table in PLANNING_TABLES:
            await self._run(f"DROP TABLE IF EXISTS pg_temp.{table}")
        await self._run("DROP FUNCTION IF EXISTS pg_temp.u(bigint, integer)")

    async def counts(self) -> dict[str, int]:
        row = (
            await self._run(
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
        ).one()
        return dict(row._mapping)

    async def notification_count_since(self, first_id: int) -> int:
        return int(
            await self.scalar(
                "SELECT count(*) FROM notification WHERE notification_id > :first",
                {"first": first_id},
            )
        )

    async def last_notification_id(self) -> int:
        return int(await self.scalar("SELECT coalesce(max(notification_id), 0) FROM notification"))


async def vacuum_analyze(connection: AsyncConnection, tables: tuple[str, ...]) -> None:
    """VACUUM cannot run in a transaction: `connection` must be in autocommit mode."""
    for table in tables:
        if table not in SEEDED_TABLES:
            raise ValueError(f"not a seeded table: {table}")
        await connection.execute(text(f"VACUUM (ANALYZE) {table}"))


def _json(value: Any) -> str:
    import json

    return json.dumps(value)


def _midnight(now: datetime) -> datetime:
    from nexa.core import clock

    return clock.business_midnight(now)
