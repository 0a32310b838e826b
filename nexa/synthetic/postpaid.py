"""Postpaid lines of the synthetic year: activations, a bill per closed 30-day cycle (the paid
ones paid by a bill-payment transaction), data add-ons and secondary numbers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.synthetic.planning import BILL_KEYS, SECONDARY_PREFIX, fetch_int, run


async def plan_postpaid(db: AsyncSession, now: datetime) -> None:
    """Activations of the postpaid customers, one closed bill per 30-day cycle."""
    await run(
        db,
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
    await run(
        db,
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
    await run(
        db,
        "ALTER TABLE syn_bill ADD COLUMN transaction_id bigint, "
        "ADD COLUMN addon_price numeric(12, 2) NOT NULL DEFAULT 0",
    )
    await run(
        db,
        "UPDATE syn_bill SET transaction_id = CASE WHEN paid_at IS NOT NULL THEN "
        ":keys + bill_key END, "
        "addon_price = coalesce((SELECT price FROM syn_plan WHERE plan_id = addon_plan_id), 0)",
        {"keys": BILL_KEYS},
    )


async def paid_bill_count(db: AsyncSession) -> int:
    return await fetch_int(db, "SELECT count(*) FROM syn_bill WHERE paid_at IS NOT NULL")


async def add_bill_payments(db: AsyncSession) -> None:
    await run(
        db,
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
        """,
    )


async def write_postpaid(db: AsyncSession, now: datetime) -> None:
    await run(
        db,
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
        """,
    )
    await run(
        db,
        """
        INSERT INTO postpaid_bill (bill_id, activation_id, cycle_start, cycle_end,
                                   base_amount, addon_charges, total_amount, due_date,
                                   status, paid_at, paid_transaction_id, created_at)
        SELECT b.bill_id, b.activation_id, b.cycle_start, b.cycle_end, b.price, b.addon_price,
               b.price + b.addon_price, b.due_date,
               CASE WHEN b.paid_at IS NULL THEN 'unpaid' ELSE 'paid' END, b.paid_at,
               m.new, b.cycle_end
        FROM syn_bill b LEFT JOIN syn_txmap m ON m.old = b.transaction_id
        """,
    )
    # add-ons: one charged on 20 % of the bills, and one running in 10 % of the cycles
    await run(
        db,
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
    await run(
        db,
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
