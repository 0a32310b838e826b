"""Analytics: aggregate SQL only (Q-28) — days in the operator's time zone, series
zero-filled by generate_series, never rows pulled into Python, never invented numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def revenue_between(self, start: datetime | None, end: datetime) -> Any:
        return (
            await self.session.execute(
                text(
                    "SELECT coalesce(sum(final_amount), 0) AS revenue, count(*) AS transactions "
                    "FROM transaction WHERE payment_status = 'success' "
                    "AND (CAST(:start AS timestamptz) IS NULL OR transaction_date >= :start) "
                    "AND transaction_date < :end"
                ),
                {"start": start, "end": end},
            )
        ).one()

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
        self, first_day: date, last_day: date, unit: str, timezone: str
    ) -> list[Any]:
        """One row per day / ISO week / month from first_day to last_day, zero-filled."""
        result = await self.session.execute(
            text(
                """
                WITH buckets AS (
                    SELECT generate_series(date_trunc(:unit, CAST(:first AS date)::timestamp),
                                           date_trunc(:unit, CAST(:last AS date)::timestamp),
                                           CAST('1 ' || :unit AS interval)) AS bucket
                ), sums AS (
                    SELECT date_trunc(:unit, timezone(:tz, transaction_date)) AS bucket,
                           sum(final_amount) AS revenue, count(*) AS transactions
                    FROM transaction
                    WHERE payment_status = 'success'
                      AND transaction_date >= timezone(:tz, CAST(:first AS date)::timestamp)
                      AND transaction_date < timezone(:tz, (CAST(:last AS date) + 1)::timestamp)
                    GROUP BY 1
                )
                SELECT buckets.bucket, coalesce(sums.revenue, 0) AS revenue,
                       coalesce(sums.transactions, 0) AS transactions
                FROM buckets LEFT JOIN sums ON sums.bucket = buckets.bucket
                ORDER BY buckets.bucket
                """
            ),
            {"unit": unit, "first": first_day, "last": last_day, "tz": timezone},
        )
        return list(result)

    async def customer_growth(self, first_day: date, last_day: date, timezone: str) -> list[Any]:
        result = await self.session.execute(
            text(
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
                       before.n + sum(coalesce(new.n, 0)) OVER (ORDER BY days.day)
                           AS total_customers
                FROM days CROSS JOIN before LEFT JOIN new ON new.day = days.day
                ORDER BY days.day
                """
            ),
            {"first": first_day, "last": last_day, "tz": timezone},
        )
        return list(result)

    async def referral_trend(self, first_day: date, last_day: date, timezone: str) -> list[Any]:
        result = await self.session.execute(
            text(
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
                """
            ),
            {"first": first_day, "last": last_day, "tz": timezone},
        )
        return list(result)

    async def plan_performance(self, limit: int) -> list[Any]:
        """Plans by successful sales, grouped by plan id (two plans may share a name)."""
        result = await self.session.execute(
            text(
                """
                SELECT plan.plan_id, plan.plan_name, sales.transactions, sales.revenue
                FROM (
                    SELECT plan_id, count(*) AS transactions, sum(final_amount) AS revenue
                    FROM transaction WHERE payment_status = 'success'
                    GROUP BY plan_id
                ) AS sales
                JOIN plan ON plan.plan_id = sales.plan_id
                ORDER BY sales.transactions DESC, sales.revenue DESC, plan.plan_id
                LIMIT :limit
                """
            ),
            {"limit": limit},
        )
        return list(result)
