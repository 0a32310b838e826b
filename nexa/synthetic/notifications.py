"""Notifications of the synthetic year, drawn from its planned purchases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.synthetic.planning import fetch_int, run


async def write_notifications(db: AsyncSession, now: datetime) -> None:
    """About one notification for every fourth successful purchase or bill payment."""
    await run(
        db,
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


async def last_notification_id(db: AsyncSession) -> int:
    return await fetch_int(db, "SELECT coalesce(max(notification_id), 0) FROM notification")


async def notification_count_since(db: AsyncSession, first_id: int) -> int:
    return await fetch_int(
        db,
        "SELECT count(*) FROM notification WHERE notification_id > :first",
        {"first": first_id},
    )
