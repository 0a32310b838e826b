"""Analytics: aggregate SQL only (docs/decisions.md#analytics) — days in the operator's
time zone, series zero-filled by generate_series, never rows pulled into Python, never
invented numbers.

Sales figures add two exact parts: the closed operator days already summed in
`transaction_summary` (a job keeps it; see `refresh_summary`), and a live aggregate of
`transaction` from where the summary stops (today, usually: an index range). With no
summary, or one for another time zone, the live part covers everything.

Refunds never change the ledger: money given back is a `payment_refund` row, counted on
the operator day it was processed. That table is small (a refund per returned payment), so
it is a live aggregate over its `processed_at` index, with no summary.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal, NamedTuple, TypeVar

from psycopg.errors import LockNotAvailable
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from nexa.core.config import get_settings
from nexa.core.repository import Repository
from nexa.models import TransactionSummary

Unit = Literal["day", "week", "month"]

# Where the summary stops (:tz's midnight after the last summed day); -infinity = nowhere.
_CUT = """
cut AS (
    SELECT coalesce((SELECT summarized_until FROM transaction_summary_state
                     WHERE state_id = 1 AND timezone = :tz), '-infinity'::timestamptz) AS s
), bounds AS (
    -- [lo, hi): the instants asked for; summary days must end by `c`, the live part
    -- starts there (the last midnight before hi when hi is inside the summary)
    SELECT lo, hi,
           CASE WHEN hi >= cut.s THEN cut.s
                ELSE timezone(:tz, date_trunc('day', timezone(:tz, hi))) END AS c
    FROM cut,
         LATERAL (SELECT coalesce(timezone(:tz, CAST(:first AS date)::timestamp),
                                  '-infinity'::timestamptz) AS lo,
                         CAST(:end AS timestamptz) AS hi) AS asked
)"""

# (day, plan, type, status, transactions, amount) for [:first day, :end), both parts
_SALES = (
    "WITH"  # noqa: S608 (constant SQL pieces)
    + _CUT
    + """, sales AS (
    SELECT s.business_day AS day, s.plan_id, s.transaction_type, s.payment_status,
           s.transactions, s.amount
    FROM transaction_summary s, bounds
    WHERE s.business_day >= CAST(coalesce(CAST(:first AS date), '-infinity'::date) AS date)
      AND timezone(:tz, (s.business_day + 1)::timestamp) <= bounds.c
    UNION ALL
    SELECT timezone(:tz, t.transaction_date)::date, t.plan_id, t.transaction_type,
           t.payment_status, count(*), sum(t.final_amount)
    FROM transaction t, bounds
    WHERE t.transaction_date >= greatest(bounds.lo, bounds.c) AND t.transaction_date < bounds.hi
    GROUP BY 1, 2, 3, 4
)
"""
)


# --- the rows the queries return, in their column order ----------------------------------------


class Sales(NamedTuple):
    revenue: Decimal
    transactions: int


class PlanSales(NamedTuple):
    plan_id: int
    plan_name: str
    transaction_type: str
    payment_status: str
    transactions: int
    amount: Decimal


class Refunds(NamedTuple):
    refunded: Decimal
    refunds: int


class RevenueBucket(NamedTuple):
    bucket: datetime  # the day, ISO week or month it starts (no time zone: a calendar time)
    revenue: Decimal
    transactions: int
    refunded: Decimal
    refunds: int


class GrowthRow(NamedTuple):
    day: date
    new_customers: int
    total_customers: int


class ReferralRow(NamedTuple):
    day: date
    new_referrals: int
    successful_referrals: int


class PlanRank(NamedTuple):
    plan_id: int
    plan_name: str
    transactions: int
    revenue: Decimal


class CustomerCounts(NamedTuple):
    total: int
    active: int
    inactive: int
    suspended: int
    new_today: int
    new_in_period: int


class SubscriptionCounts(NamedTuple):
    active_plans: int
    active_all: int
    queued_plans: int


class PostpaidCounts(NamedTuple):
    active: int
    suspended: int
    unpaid_bills: int
    amount_due: Decimal
    overdue_bills: int


class OtherCounts(NamedTuple):
    notifications_pending: int
    referral_codes_active: int
    referrals_completed: int


class SummaryState(NamedTuple):
    timezone: str
    summarized_until: datetime | None


Shape = TypeVar("Shape", bound=tuple[object, ...])
# a named tuple's `_make`: the shape a query's rows are read into
MakeShape = Callable[[Iterable[object]], Shape]


class AnalyticsRepository(Repository[TransactionSummary]):
    model = TransactionSummary

    async def _all(
        self, make: MakeShape[Shape], query: str, params: Mapping[str, object] | None = None
    ) -> list[Shape]:
        return [make(row) for row in await self.session.execute(text(query), params)]

    async def _one(
        self, make: MakeShape[Shape], query: str, params: Mapping[str, object] | None = None
    ) -> Shape:
        return make((await self.session.execute(text(query), params)).one())

    async def revenue_between(self, first_day: date | None, end: datetime, timezone: str) -> Sales:
        """Successful sales from the start of `first_day` (None: ever) until `end`."""
        return await self._one(
            Sales._make,
            _SALES + "SELECT coalesce(sum(amount), 0) AS revenue, "
            "coalesce(sum(transactions), 0)::bigint AS transactions "
            "FROM sales WHERE payment_status = 'success'",
            {"first": first_day, "end": end, "tz": timezone},
        )

    async def refunds_between(self, start: datetime | None, end: datetime) -> Refunds:
        """Refunds processed from `start` (None: ever) until `end`: a range of the
        processed_at index (pending and failed refunds gave nothing back)."""
        return await self._one(
            Refunds._make,
            """
            SELECT coalesce(sum(amount), 0) AS refunded, count(*) AS refunds
            FROM payment_refund
            WHERE processed_at >= coalesce(CAST(:start AS timestamptz), '-infinity')
              AND processed_at < :end AND status = 'processed'
            """,
            {"start": start, "end": end},
        )

    async def sales_by_plan(
        self, first_day: date | None, end: datetime, timezone: str
    ) -> list[PlanSales]:
        """Per plan, type and payment status: count and sum, overall and on `end`'s day
        (the dashboard adds them up exactly in Decimal; at most plans × 3 × 2 rows)."""
        return await self._all(
            PlanSales._make,
            _SALES  # noqa: S608 (constant SQL pieces)
            + """
            SELECT sales.plan_id, plan.plan_name, sales.transaction_type,
                   sales.payment_status, sum(sales.transactions)::bigint AS transactions,
                   sum(sales.amount) AS amount
            FROM sales JOIN plan ON plan.plan_id = sales.plan_id
            GROUP BY sales.plan_id, plan.plan_name, sales.transaction_type, sales.payment_status
            """,
            {"first": first_day, "end": end, "tz": timezone},
        )

    async def customers(self, since: datetime | None) -> int:
        return int(
            (
                await self.session.execute(
                    text(
                        "SELECT count(*) FROM customer WHERE deleted_at IS NULL "
                        "AND (CAST(:since AS timestamptz) IS NULL OR created_at >= :since)"
                    ),
                    {"since": since},
                )
            ).scalar_one()
        )

    async def revenue_series(
        self, first_day: date, last_day: date, unit: Unit, timezone: str
    ) -> list[RevenueBucket]:
        """One row per day / ISO week / month from first_day to last_day, zero-filled."""
        return await self._all(
            RevenueBucket._make,
            _SALES  # noqa: S608 (constant SQL pieces)
            + """, buckets AS (
                SELECT generate_series(date_trunc(:unit, CAST(:first AS date)::timestamp),
                                       date_trunc(:unit, CAST(:last AS date)::timestamp),
                                       CAST('1 ' || :unit AS interval)) AS bucket
            ), sums AS (
                SELECT date_trunc(:unit, day::timestamp) AS bucket,
                       sum(amount) AS revenue, sum(transactions) AS transactions
                FROM sales WHERE payment_status = 'success'
                GROUP BY 1
            ), refunds AS (
                -- by the operator day each was processed (the processed_at index)
                SELECT date_trunc(:unit, timezone(:tz, processed_at)) AS bucket,
                       sum(amount) AS refunded, count(*) AS refunds
                FROM payment_refund
                WHERE processed_at >= timezone(:tz, CAST(:first AS date)::timestamp)
                  AND processed_at < :end AND status = 'processed'
                GROUP BY 1
            )
            SELECT buckets.bucket, coalesce(sums.revenue, 0) AS revenue,
                   coalesce(sums.transactions, 0)::bigint AS transactions,
                   coalesce(refunds.refunded, 0) AS refunded,
                   coalesce(refunds.refunds, 0)::bigint AS refunds
            FROM buckets LEFT JOIN sums ON sums.bucket = buckets.bucket
                 LEFT JOIN refunds ON refunds.bucket = buckets.bucket
            ORDER BY buckets.bucket
            """,
            {
                "unit": unit,
                "first": first_day,
                "last": last_day,
                "end": _day_after(last_day),
                "tz": timezone,
            },
        )

    async def customer_growth(
        self, first_day: date, last_day: date, timezone: str
    ) -> list[GrowthRow]:
        return await self._all(
            GrowthRow._make,
            """
            WITH days AS (
                SELECT generate_series(CAST(:first AS date), CAST(:last AS date),
                                       interval '1 day')::date AS day
            ), new AS (
                SELECT timezone(:tz, created_at)::date AS day, count(*) AS n
                FROM customer
                WHERE deleted_at IS NULL
                  AND created_at >= timezone(:tz, CAST(:first AS date)::timestamp)
                  AND created_at < timezone(:tz, (CAST(:last AS date) + 1)::timestamp)
                GROUP BY 1
            ), before AS (
                SELECT count(*) AS n FROM customer
                WHERE deleted_at IS NULL
                  AND created_at < timezone(:tz, CAST(:first AS date)::timestamp)
            )
            SELECT days.day, coalesce(new.n, 0) AS new_customers,
                   (before.n + sum(coalesce(new.n, 0)) OVER (ORDER BY days.day))::bigint
                       AS total_customers
            FROM days CROSS JOIN before LEFT JOIN new ON new.day = days.day
            ORDER BY days.day
            """,
            {"first": first_day, "last": last_day, "tz": timezone},
        )

    async def referral_trend(
        self, first_day: date, last_day: date, timezone: str
    ) -> list[ReferralRow]:
        return await self._all(
            ReferralRow._make,
            """
            WITH days AS (
                SELECT generate_series(CAST(:first AS date), CAST(:last AS date),
                                       interval '1 day')::date AS day
            ), programs AS (
                SELECT timezone(:tz, created_at)::date AS day, count(*) AS created,
                       count(*) FILTER (WHERE status = 'completed') AS completed
                FROM referral_program
                WHERE created_at >= timezone(:tz, CAST(:first AS date)::timestamp)
                  AND created_at < timezone(:tz, (CAST(:last AS date) + 1)::timestamp)
                GROUP BY 1
            )
            SELECT days.day, coalesce(programs.created, 0) AS new_referrals,
                   coalesce(programs.completed, 0) AS successful_referrals
            FROM days LEFT JOIN programs ON programs.day = days.day
            ORDER BY days.day
            """,
            {"first": first_day, "last": last_day, "tz": timezone},
        )

    async def plan_performance(self, limit: int, end: datetime, timezone: str) -> list[PlanRank]:
        """Plans by successful sales, grouped by plan id (two plans may share a name)."""
        return await self._all(
            PlanRank._make,
            _SALES  # noqa: S608 (constant SQL pieces)
            + """
            SELECT plan.plan_id, plan.plan_name, per_plan.transactions, per_plan.revenue
            FROM (
                SELECT plan_id, sum(transactions)::bigint AS transactions,
                       sum(amount) AS revenue
                FROM sales WHERE payment_status = 'success'
                GROUP BY plan_id
            ) AS per_plan
            JOIN plan ON plan.plan_id = per_plan.plan_id
            ORDER BY per_plan.transactions DESC, per_plan.revenue DESC, plan.plan_id
            LIMIT :limit
            """,
            {"limit": limit, "first": None, "end": end, "tz": timezone},
        )

    # --- operational counts for the admin dashboard ------------------------------------------

    async def customer_counts(self, today: datetime, period_start: datetime) -> CustomerCounts:
        return await self._one(
            CustomerCounts._make,
            """
            SELECT count(*) AS total,
                   count(*) FILTER (WHERE account_status = 'active') AS active,
                   count(*) FILTER (WHERE account_status = 'inactive') AS inactive,
                   count(*) FILTER (WHERE account_status = 'suspended') AS suspended,
                   count(*) FILTER (WHERE created_at >= :today) AS new_today,
                   count(*) FILTER (WHERE created_at >= :period_start) AS new_in_period
            FROM customer WHERE deleted_at IS NULL
            """,
            {"today": today, "period_start": period_start},
        )

    async def subscription_counts(self) -> SubscriptionCounts:
        """Running base plans and top-ups (as the lifecycle job keeps them), waiting plans."""
        return await self._one(
            SubscriptionCounts._make,
            """
            SELECT (SELECT count(*) FROM subscription
                    WHERE status = 'active' AND NOT is_topup) AS active_plans,
                   (SELECT count(*) FROM subscription WHERE status = 'active') AS active_all,
                   (SELECT count(*) FROM subscription_queue
                    WHERE processed_at IS NULL) AS queued_plans
            """,
        )

    async def postpaid_counts(self, now: datetime) -> PostpaidCounts:
        return await self._one(
            PostpaidCounts._make,
            """
            SELECT count(*) FILTER (WHERE status = 'active') AS active,
                   count(*) FILTER (WHERE status = 'suspended') AS suspended,
                   (SELECT count(*) FROM postpaid_bill WHERE status = 'unpaid') AS unpaid_bills,
                   (SELECT coalesce(sum(total_amount), 0) FROM postpaid_bill
                    WHERE status = 'unpaid') AS amount_due,
                   (SELECT count(*) FROM postpaid_bill
                    WHERE status = 'unpaid' AND due_date < :now) AS overdue_bills
            FROM postpaid_activation WHERE status IN ('active', 'suspended')
            """,
            {"now": now},
        )

    async def other_counts(self, since: datetime, now: datetime) -> OtherCounts:
        return await self._one(
            OtherCounts._make,
            """
            SELECT (SELECT count(*) FROM notification WHERE status = 'pending')
                       AS notifications_pending,
                   (SELECT count(*) FROM referral_program
                    WHERE is_active AND expires_at > :now) AS referral_codes_active,
                   (SELECT count(*) FROM referral_program
                    WHERE status = 'completed' AND completed_at >= :since)
                       AS referrals_completed
            """,
            {"since": since, "now": now},
        )

    # --- the summary ---------------------------------------------------------------------------

    async def summary_state(self) -> SummaryState | None:
        found = await self._all(
            SummaryState._make,
            "SELECT timezone, summarized_until FROM transaction_summary_state WHERE state_id = 1",
        )
        return found[0] if found else None

    async def lock_transactions(self, wait: str = "5s") -> bool:
        """Wait (at most `wait`) for purchases in flight and hold new ones while days are
        summed: a row dated before the new boundary is then either summed or (dated back)
        resets the summary. False when the lock was not had in time."""
        previous = (
            await self.session.execute(text("SELECT current_setting('lock_timeout')"))
        ).scalar_one()
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": wait}
                )
                await self.session.execute(
                    text("LOCK TABLE transaction IN SHARE ROW EXCLUSIVE MODE")
                )
        except DBAPIError as exc:
            if isinstance(exc.orig, LockNotAvailable):
                return False
            raise
        finally:
            await self.session.execute(
                text("SELECT set_config('lock_timeout', :previous, true)"),
                {"previous": previous},
            )
        return True

    async def oldest_transaction_date(self) -> datetime | None:
        return (
            await self.session.execute(text("SELECT min(transaction_date) FROM transaction"))
        ).scalar_one()

    async def clear_summary(self) -> None:
        await self.session.execute(text("DELETE FROM transaction_summary"))

    async def summarize(self, start: datetime, until: datetime, timezone: str) -> None:
        """Sum the transactions dated in [start, until) by operator day."""
        await self.session.execute(
            text(
                """
                INSERT INTO transaction_summary (business_day, plan_id, transaction_type,
                                                 payment_status, transactions, amount)
                SELECT timezone(:tz, transaction_date)::date, plan_id, transaction_type,
                       payment_status, count(*), sum(final_amount)
                FROM transaction
                WHERE transaction_date >= :start AND transaction_date < :until
                GROUP BY 1, 2, 3, 4
                """
            ),
            {"start": start, "until": until, "tz": timezone},
        )

    async def set_summary_state(self, timezone: str, until: datetime | None, at: datetime) -> None:
        await self.session.execute(
            text(
                """
                INSERT INTO transaction_summary_state (state_id, timezone, summarized_until,
                                                       updated_at)
                VALUES (1, :tz, :until, :at)
                ON CONFLICT (state_id) DO UPDATE SET timezone = EXCLUDED.timezone,
                    summarized_until = EXCLUDED.summarized_until, updated_at = EXCLUDED.updated_at
                """
            ),
            {"tz": timezone, "until": until, "at": at},
        )


def _day_after(day: date) -> datetime:
    """Midnight after `day` in the operator's time zone."""
    zone = get_settings().business_timezone
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
