"""Prepaid purchases of the synthetic year: base plans (3 % declined, 20 % at an offer price,
25 % for other numbers) chained per number as the queue does, top-ups bought while a base
plan ran, and the subscriptions and queue rows they made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.synthetic.catalogue import WINDOW_DAYS
from nexa.synthetic.planning import POOL_PREFIX, TOPUP_KEYS, run


async def plan_base_purchases(
    db: AsyncSession, purchases: int, customers: int, pool: int, now: datetime, start: datetime
) -> None:
    """Base-plan purchases (3 % declined), plus the referees' first purchases."""
    assert customers > 0
    await run(
        db,
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
    await run(
        db,
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
    await run(
        db,
        "ALTER TABLE syn_tx ADD COLUMN subscription_id bigint, "
        "ADD COLUMN transaction_type text NOT NULL DEFAULT 'prepaid_recharge', "
        "ADD COLUMN base_subscription_id bigint, ADD COLUMN expiry_cap timestamptz",
    )
    await run(
        db, "UPDATE syn_tx SET subscription_id = transaction_id WHERE payment_status = 'success'"
    )
    await run(db, "ANALYZE syn_tx")


async def plan_base_subscriptions(db: AsyncSession, now: datetime) -> None:
    """Chain each number's base plans as the queue does (a plan bought while another
    runs starts when it ends): end_n = S_n + max_{j≤n}(t_j − S_{j−1}), S = running sum
    of validities — exact integer seconds, so windows never overlap."""
    await run(
        db,
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
        """,
    )
    await run(db, "ALTER TABLE syn_sub ADD PRIMARY KEY (subscription_id)")
    await run(db, "ANALYZE syn_sub")


async def plan_topups(db: AsyncSession, topups: int, now: datetime) -> None:
    """Top-ups bought while a base plan ran (the base plan is drawn at random)."""
    await run(
        db,
        """
        CREATE TEMP TABLE syn_eligible AS
        SELECT row_number() OVER (ORDER BY subscription_id) AS rn, subscription_id,
               customer_id, recipient, starts, least(ends, CAST(:now AS timestamptz)) AS until,
               ends
        FROM syn_sub WHERE NOT is_topup AND starts < CAST(:now AS timestamptz)
        """,
        {"now": now},
    )
    await run(db, "ALTER TABLE syn_eligible ADD PRIMARY KEY (rn)")
    await run(db, "ANALYZE syn_eligible")
    await run(
        db,
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
    await run(
        db,
        "UPDATE syn_tx SET subscription_id = transaction_id "
        "WHERE transaction_type = 'topup_purchase' AND payment_status = 'success'",
    )
    await run(
        db,
        """
        INSERT INTO syn_sub
        SELECT subscription_id, transaction_id, customer_id, recipient, plan_id, data_mb,
               NULL, transaction_date, true, base_subscription_id, transaction_date,
               CASE WHEN validity_days = 0 THEN expiry_cap
                    ELSE least(expiry_cap,
                               transaction_date + make_interval(days => validity_days)) END
        FROM syn_tx
        WHERE transaction_type = 'topup_purchase' AND payment_status = 'success'
        """,
    )


async def write_subscriptions(db: AsyncSession, now: datetime) -> None:
    await run(
        db,
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
        {"now": now, "midnight": clock.business_midnight(now)},
    )
    # queue history: plans that waited for the one before (waiting ones still have
    # processed_at null, positions 1..n per number)
    await run(
        db,
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
    # a customer's latest plan start on their own number (docs/decisions.md#inactivity)
    await run(
        db,
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
