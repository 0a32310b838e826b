"""Operator analytics (§3.16, Q-28): exact sums from SQL; `₹` strings kept for existing
clients, with numeric companions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.analytics.repository import AnalyticsRepository
from nexa.analytics.schemas import (
    DailyRevenue,
    Dashboard,
    GrowthDay,
    Overview,
    PeriodRevenue,
    PlanPerformance,
    ReferralDay,
    TodayFigures,
    TopPlan,
)
from nexa.core import clock
from nexa.core.config import get_settings

Period = Literal["daily", "weekly", "monthly"]
UNITS = {"daily": "day", "weekly": "week", "monthly": "month"}


def rupees(amount: Decimal) -> str:
    return f"₹{amount:,.2f}"


def percent(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / whole:.1f}%" if whole else "0.0%"


async def dashboard(db: AsyncSession) -> Dashboard:
    analytics = AnalyticsRepository(db)
    now = clock.now()
    today = await analytics.revenue_between(clock.business_midnight(now), now + timedelta(days=1))
    total = await analytics.revenue_between(None, now + timedelta(days=1))
    top = await analytics.plan_performance(3)
    return Dashboard(
        today=TodayFigures(
            revenue=rupees(today.revenue),
            revenue_amount=today.revenue,
            new_customers=await analytics.customers(clock.business_midnight(now)),
            transactions=today.transactions,
        ),
        overview=Overview(
            total_customers=await analytics.customers(None),
            total_transactions=total.transactions,
            total_revenue=rupees(total.revenue),
            total_revenue_amount=total.revenue,
        ),
        top_plans=[
            TopPlan(
                plan_id=row.plan_id,
                name=row.plan_name,
                transactions=row.transactions,
                revenue=rupees(row.revenue),
                revenue_amount=row.revenue,
            )
            for row in top
        ],
    )


async def revenue(
    db: AsyncSession, period: Period, days: int
) -> list[DailyRevenue] | list[PeriodRevenue]:
    """The last `days` calendar days including today, in days, ISO weeks or months."""
    last_day = clock.business_date()
    first_day = last_day - timedelta(days=days - 1)
    rows = await AnalyticsRepository(db).revenue_series(
        first_day, last_day, UNITS[period], get_settings().timezone
    )
    if period == "daily":
        return [
            DailyRevenue(date=row.bucket.date(), revenue=row.revenue, transactions=row.transactions)
            for row in rows
        ]
    return [
        PeriodRevenue(
            period=(
                f"Week {row.bucket.isocalendar().week}, {row.bucket.isocalendar().year}"
                if period == "weekly"
                else row.bucket.strftime("%Y-%m")
            ),
            revenue=row.revenue,
            transactions=row.transactions,
        )
        for row in rows
    ]


async def customer_growth(db: AsyncSession, days: int) -> list[GrowthDay]:
    last_day = clock.business_date()
    rows = await AnalyticsRepository(db).customer_growth(
        last_day - timedelta(days=days - 1), last_day, get_settings().timezone
    )
    return [
        GrowthDay(
            date=row.day,
            new_customers=row.new_customers,
            total_customers=row.total_customers,
            growth=percent(row.new_customers, row.total_customers - row.new_customers),
        )
        for row in rows
    ]


async def referral_trend(db: AsyncSession, days: int) -> list[ReferralDay]:
    last_day = clock.business_date()
    rows = await AnalyticsRepository(db).referral_trend(
        last_day - timedelta(days=days - 1), last_day, get_settings().timezone
    )
    return [
        ReferralDay(
            date=row.day,
            new_referrals=row.new_referrals,
            successful_referrals=row.successful_referrals,
            success_rate=percent(row.successful_referrals, row.new_referrals),
        )
        for row in rows
    ]


async def plan_performance(db: AsyncSession, limit: int) -> list[PlanPerformance]:
    rows = await AnalyticsRepository(db).plan_performance(limit)
    return [
        PlanPerformance(
            plan_id=row.plan_id,
            plan_name=row.plan_name,
            transactions=row.transactions,
            revenue=rupees(row.revenue),
            revenue_amount=row.revenue,
            rank=rank,
        )
        for rank, row in enumerate(rows, start=1)
    ]
