"""The synthetic catalogue: its categories, plans (with popularity weights for weighted
picks) and a monthly offer on every base plan."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.synthetic.planning import run

GB = 1024
# name, kind, price, validity days, data MB, daily limit MB, weight (popularity)
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
WINDOW_DAYS = 30  # offers run in consecutive 30-day windows from the start of the year


async def add_catalogue(db: AsyncSession, now: datetime, start: datetime) -> None:
    await run(
        db,
        "INSERT INTO category (category_name, created_at) "
        "SELECT DISTINCT name, CAST(:start AS timestamptz) FROM unnest(CAST(:names AS text[])) "
        "AS name ON CONFLICT ((lower(category_name))) DO NOTHING",
        {"names": sorted(set(CATEGORY_OF.values())), "start": start},
    )
    await run(
        db,
        "CREATE TEMP TABLE syn_plan (plan_id bigint PRIMARY KEY, k int, name text, kind text, "
        "price numeric(12, 2), validity_days int, data_mb bigint, daily_mb bigint, "
        "weight int, lo float8, hi float8)",
    )
    specs: list[dict[str, str | int | None]] = [
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
    await run(
        db,
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
        {"rows": json.dumps(specs), "start": start},
    )
    # cumulative popularity ranges per kind, for weighted picks
    await run(
        db,
        """
        UPDATE syn_plan p SET lo = w.lo, hi = w.hi FROM (
            SELECT plan_id,
                   (sum(weight) OVER k - weight)::float8 / sum(weight) OVER all_k AS lo,
                   sum(weight) OVER k::float8 / sum(weight) OVER all_k AS hi
            FROM syn_plan
            WINDOW k AS (PARTITION BY kind ORDER BY k), all_k AS (PARTITION BY kind)
        ) w WHERE w.plan_id = p.plan_id
        """,
    )
    # the longest base plan that lasts at most d days (the most popular among equals)
    await run(
        db,
        """
        CREATE TEMP TABLE syn_fallback AS
        SELECT d AS days,
               (SELECT plan_id FROM syn_plan
                WHERE kind = 'base' AND validity_days <= d
                ORDER BY validity_days DESC, weight DESC LIMIT 1) AS plan_id
        FROM generate_series(1, 400) AS d
        """,
    )
    # base plans: one offer per 30-day window, 5–20 % off, valid the whole window
    await run(
        db,
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
    await run(
        db,
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
