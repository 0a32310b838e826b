"""Referral codes of the synthetic year, with their applications, vouchers and the first
purchases that completed them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.synthetic.planning import REFERRAL_KEYS, fetch_int, run


async def plan_referrals(db: AsyncSession, now: datetime, max_completed: int) -> None:
    """Every 10th customer made a code; the customer 5 places later (registered after
    them) applied it, and for most of them their first purchase completed it."""
    await run(
        db,
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
    await run(
        db,
        "ALTER TABLE syn_referral ADD COLUMN referee_discount_id bigint, "
        "ADD COLUMN referrer_discount_id bigint, ADD COLUMN transaction_id bigint",
    )
    await run(
        db,
        "UPDATE syn_referral SET "
        "referee_discount_id = nextval(pg_get_serial_sequence('referral_discount', "
        "'discount_id')), "
        "referrer_discount_id = nextval(pg_get_serial_sequence('referral_discount', "
        "'discount_id')), "
        "transaction_id = :keys + i "
        "WHERE fate = 'completed'",
        {"keys": REFERRAL_KEYS},
    )


async def completed_referral_count(db: AsyncSession) -> int:
    return await fetch_int(db, "SELECT count(*) FROM syn_referral WHERE fate = 'completed'")


async def write_referrals(db: AsyncSession, now: datetime) -> None:
    await run(
        db,
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
    await run(
        db,
        """
        INSERT INTO referral_usage_log (referral_id, used_by_phone, used_by_customer_id,
                                        used_at, status, completed_at,
                                        completed_transaction_id)
        SELECT r.referral_id, r.referee_phone, r.referee_id, r.referee_created,
               CASE WHEN r.fate = 'completed' THEN 'completed' ELSE 'pending' END,
               CASE WHEN r.fate = 'completed' THEN r.completed_at END, m.new
        FROM syn_referral r LEFT JOIN syn_txmap m ON m.old = r.transaction_id
        WHERE r.fate <> 'unused'
        """,
    )
    await run(
        db,
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
        """,
    )
