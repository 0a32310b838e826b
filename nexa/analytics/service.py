"""Operator analytics (docs/decisions.md#analytics): exact sums from SQL; `₹` strings kept
for existing clients, with numeric companions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Literal, TypedDict

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.analytics.repository import (
    AnalyticsRepository,
    PlanSales,
    Refunds,
    RevenueBucket,
    SummaryState,
    Unit,
)
from nexa.analytics.schemas import (
    AdminDashboard,
    CustomerFigures,
    DailyRevenue,
    Dashboard,
    DashboardPlan,
    GrowthDay,
    Overview,
    PeriodRevenue,
    PlanPerformance,
    PostpaidFigures,
    ReferralDay,
    SalesFigures,
    SubscriptionFigures,
    TodayFigures,
    TopPlan,
)
from nexa.core import clock
from nexa.core.config import get_settings

Period = Literal["daily", "weekly", "monthly"]
UNITS: dict[Period, Unit] = {"daily": "day", "weekly": "week", "monthly": "month"}


def rupees(amount: Decimal) -> str:
    """`₹2,500.00`; a negative amount (a day that gave back more than it took) `-₹5.00`."""
    return f"-₹{-amount:,.2f}" if amount < 0 else f"₹{amount:,.2f}"


def percent(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / whole:.1f}%" if whole else "0.0%"


async def dashboard(db: AsyncSession) -> Dashboard:
    analytics = AnalyticsRepository(db)
    now = clock.now()
    zone = get_settings().timezone
    end = now + timedelta(days=1)
    today = await analytics.revenue_between(clock.business_date(now), end, zone)
    total = await analytics.revenue_between(None, end, zone)
    today_refunds = await analytics.refunds_between(clock.business_midnight(now), end)
    all_refunds = await analytics.refunds_between(None, end)
    today_net = today.revenue - today_refunds.refunded
    total_net = total.revenue - all_refunds.refunded
    top = await analytics.plan_performance(3, end, zone)
    return Dashboard(
        today=TodayFigures(
            revenue=rupees(today.revenue),
            revenue_amount=today.revenue,
            new_customers=await analytics.customers(clock.business_midnight(now)),
            transactions=today.transactions,
            refunds=today_refunds.refunds,
            refunded_revenue=rupees(today_refunds.refunded),
            refunded_revenue_amount=today_refunds.refunded,
            net_revenue=rupees(today_net),
            net_revenue_amount=today_net,
        ),
        overview=Overview(
            total_customers=await analytics.customers(None),
            total_transactions=total.transactions,
            total_revenue=rupees(total.revenue),
            total_revenue_amount=total.revenue,
            total_refunds=all_refunds.refunds,
            total_refunded_revenue=rupees(all_refunds.refunded),
            total_refunded_revenue_amount=all_refunds.refunded,
            total_net_revenue=rupees(total_net),
            total_net_revenue_amount=total_net,
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


def _last_days(days: int) -> tuple[date, date]:
    """The first and the last of the `days` operator calendar days up to today."""
    last_day = clock.business_date()
    return last_day - timedelta(days=days - 1), last_day


async def revenue(
    db: AsyncSession, period: Period, days: int
) -> list[DailyRevenue] | list[PeriodRevenue]:
    """The last `days` calendar days including today, in days, ISO weeks or months: gross
    revenue, refunds processed, net."""
    first_day, last_day = _last_days(days)
    rows = await AnalyticsRepository(db).revenue_series(
        first_day, last_day, UNITS[period], get_settings().timezone
    )
    if period == "daily":
        return [DailyRevenue(date=row.bucket.date(), **_bucket_figures(row)) for row in rows]
    return [
        PeriodRevenue(
            period=(
                f"Week {row.bucket.isocalendar().week}, {row.bucket.isocalendar().year}"
                if period == "weekly"
                else row.bucket.strftime("%Y-%m")
            ),
            **_bucket_figures(row),
        )
        for row in rows
    ]


class _BucketFigures(TypedDict):
    revenue: Decimal
    transactions: int
    refunded_revenue: Decimal
    refunds: int
    net_revenue: Decimal


def _bucket_figures(row: RevenueBucket) -> _BucketFigures:
    return _BucketFigures(
        revenue=row.revenue,
        transactions=row.transactions,
        refunded_revenue=row.refunded,
        refunds=row.refunds,
        net_revenue=row.revenue - row.refunded,
    )


async def customer_growth(db: AsyncSession, days: int) -> list[GrowthDay]:
    rows = await AnalyticsRepository(db).customer_growth(*_last_days(days), get_settings().timezone)
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
    rows = await AnalyticsRepository(db).referral_trend(*_last_days(days), get_settings().timezone)
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
    rows = await AnalyticsRepository(db).plan_performance(
        limit, clock.now() + timedelta(days=1), get_settings().timezone
    )
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


# --- GET /admin/dashboard ------------------------------------------------------------------

RECHARGES = ("prepaid_recharge", "topup_purchase")
TOP_PLANS = 5


def _figures(rows: Iterable[PlanSales], new_customers: int, refunds: Refunds) -> SalesFigures:
    """Add up per-plan aggregates exactly (Decimal); net is revenue less refunds processed."""
    revenue, transactions, recharges, bills, failed = Decimal(0), 0, 0, 0, 0
    for row in rows:
        if row.payment_status != "success":
            failed += row.transactions
            continue
        revenue += row.amount
        transactions += row.transactions
        if row.transaction_type in RECHARGES:
            recharges += row.transactions
        else:
            bills += row.transactions
    return SalesFigures(
        revenue=rupees(revenue),
        revenue_amount=revenue,
        transactions=transactions,
        recharges=recharges,
        bill_payments=bills,
        failed_payments=failed,
        new_customers=new_customers,
        refunds=refunds.refunds,
        refunded_revenue=rupees(refunds.refunded),
        refunded_revenue_amount=refunds.refunded,
        net_revenue=rupees(revenue - refunds.refunded),
        net_revenue_amount=revenue - refunds.refunded,
    )


def _top_plans(rows: Iterable[PlanSales]) -> list[DashboardPlan]:
    plans: dict[int, tuple[str, int, Decimal]] = {}
    for row in rows:
        if row.payment_status == "success":
            name, count, amount = plans.get(row.plan_id, (row.plan_name, 0, Decimal(0)))
            plans[row.plan_id] = (name, count + row.transactions, amount + row.amount)
    ranked = sorted(plans.items(), key=lambda item: (-item[1][1], -item[1][2], item[0]))
    return [
        DashboardPlan(
            plan_id=plan_id,
            plan_name=name,
            transactions=count,
            revenue=rupees(amount),
            revenue_amount=amount,
        )
        for plan_id, (name, count, amount) in ranked[:TOP_PLANS]
    ]


async def admin_dashboard(db: AsyncSession, days: int) -> AdminDashboard:
    """Today and the last `days` calendar days (today included), plus live counts."""
    analytics = AnalyticsRepository(db)
    now = clock.now()
    zone = get_settings().timezone
    today = clock.business_date(now)
    first_day = today - timedelta(days=days - 1)
    end = now + timedelta(days=1)
    today_start = clock.business_midnight(now)
    period_start = _midnight(first_day)
    period_rows = await analytics.sales_by_plan(first_day, end, zone)
    today_rows = await analytics.sales_by_plan(today, end, zone)
    period_refunds = await analytics.refunds_between(period_start, end)
    today_refunds = await analytics.refunds_between(today_start, end)
    customers = await analytics.customer_counts(today_start, period_start)
    subscriptions = await analytics.subscription_counts()
    postpaid = await analytics.postpaid_counts(now)
    other = await analytics.other_counts(period_start, now)
    return AdminDashboard(
        generated_at=now,
        days=days,
        period_start=first_day,
        today=_figures(today_rows, customers.new_today, today_refunds),
        period=_figures(period_rows, customers.new_in_period, period_refunds),
        customers=CustomerFigures(
            total=customers.total,
            active=customers.active,
            inactive=customers.inactive,
            suspended=customers.suspended,
        ),
        subscriptions=SubscriptionFigures(
            active_plans=subscriptions.active_plans,
            active_topups=subscriptions.active_all - subscriptions.active_plans,
            queued_plans=subscriptions.queued_plans,
        ),
        postpaid=PostpaidFigures(
            active_lines=postpaid.active,
            suspended_lines=postpaid.suspended,
            unpaid_bills=postpaid.unpaid_bills,
            amount_due=postpaid.amount_due,
            overdue_bills=postpaid.overdue_bills,
        ),
        notifications_pending=other.notifications_pending,
        referral_codes_active=other.referral_codes_active,
        referrals_completed=other.referrals_completed,
        top_plans=_top_plans(period_rows),
    )


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=get_settings().business_timezone)


# --- the daily sales summary ------------------------------------------------------------------

# a day is summed once it ended this long ago (purchases in flight have long committed)
SUMMARY_SETTLE = timedelta(hours=1)
NEVER = datetime.min.replace(tzinfo=UTC)
# how long the job waits for purchases in flight before trying again at its next run
SUMMARY_LOCK_WAIT = "5s"
# days summed per step (each step holds new purchases back while it sums)
SUMMARY_CHUNK_DAYS = 31


async def refresh_summary(db: AsyncSession, now: datetime) -> int:
    """One step of the sales-summary job: sum up to SUMMARY_CHUNK_DAYS more operator days
    among those that ended (at least SUMMARY_SETTLE ago). The first run, a reset (a
    transaction changed inside the summed days) or another NEXA_TIMEZONE starts again from
    the oldest transaction. Returns the days covered (0: nothing to do)."""
    analytics = AnalyticsRepository(db)
    zone = get_settings().timezone
    target = clock.business_midnight(now - SUMMARY_SETTLE)
    state = await analytics.summary_state()
    if _summed_until(state, zone) >= target:
        return 0
    if not await analytics.lock_transactions(SUMMARY_LOCK_WAIT):
        return 0  # purchases kept the table busy: the next run sums these days
    state = await analytics.summary_state()  # as it is now that writers wait
    start = _summed_until(state, zone)
    if start >= target:
        return 0
    if start == NEVER:
        await analytics.clear_summary()
        oldest = await analytics.oldest_transaction_date()
        start = clock.business_midnight(min(oldest, target) if oldest else target)
    first_day = clock.business_date(start)
    last_day = min(clock.business_date(target), first_day + timedelta(days=SUMMARY_CHUNK_DAYS))
    until = _midnight(last_day)
    await analytics.summarize(start, until, zone)
    await analytics.set_summary_state(zone, until, clock.now())
    return (last_day - first_day).days


def _summed_until(state: SummaryState | None, zone: str) -> datetime:
    if state is None or state.timezone != zone or state.summarized_until is None:
        return NEVER
    return state.summarized_until
