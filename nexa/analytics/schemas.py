"""Analytics answers. Revenue is gross (successful payments); the refunds processed in the
same days are given beside it, and net = gross - refunded (docs/decisions.md#analytics)."""

from __future__ import annotations

from datetime import date, datetime

from nexa.core.schemas import Money, Schema


class TodayFigures(Schema):
    revenue: str
    revenue_amount: Money
    new_customers: int
    transactions: int
    refunds: int  # refunds processed
    refunded_revenue: str
    refunded_revenue_amount: Money
    net_revenue: str
    net_revenue_amount: Money


class Overview(Schema):
    total_customers: int
    total_transactions: int
    total_revenue: str
    total_revenue_amount: Money
    total_refunds: int
    total_refunded_revenue: str
    total_refunded_revenue_amount: Money
    total_net_revenue: str
    total_net_revenue_amount: Money


class TopPlan(Schema):
    plan_id: int
    name: str
    transactions: int
    revenue: str
    revenue_amount: Money


class Dashboard(Schema):
    today: TodayFigures
    overview: Overview
    top_plans: list[TopPlan]


class DailyRevenue(Schema):
    date: date
    revenue: Money
    transactions: int
    refunded_revenue: Money
    refunds: int
    net_revenue: Money


class PeriodRevenue(Schema):
    period: str
    revenue: Money
    transactions: int
    refunded_revenue: Money
    refunds: int
    net_revenue: Money


class GrowthDay(Schema):
    date: date
    new_customers: int
    total_customers: int
    growth: str


class ReferralDay(Schema):
    date: date
    new_referrals: int
    successful_referrals: int
    success_rate: str


class PlanPerformance(Schema):
    plan_id: int
    plan_name: str
    transactions: int
    revenue: str
    revenue_amount: Money
    rank: int


# --- GET /admin/dashboard -----------------------------------------------------------------


class SalesFigures(Schema):
    revenue: str
    revenue_amount: Money
    transactions: int  # successful payments of every type
    recharges: int  # successful prepaid recharges and top-ups
    bill_payments: int  # successful postpaid bill payments
    failed_payments: int
    new_customers: int
    refunds: int  # refunds processed
    refunded_revenue: str
    refunded_revenue_amount: Money
    net_revenue: str
    net_revenue_amount: Money


class CustomerFigures(Schema):
    total: int
    active: int
    inactive: int
    suspended: int


class SubscriptionFigures(Schema):
    active_plans: int
    active_topups: int
    queued_plans: int


class PostpaidFigures(Schema):
    active_lines: int
    suspended_lines: int
    unpaid_bills: int
    amount_due: Money
    overdue_bills: int


class DashboardPlan(Schema):
    plan_id: int
    plan_name: str
    transactions: int
    revenue: str
    revenue_amount: Money


class AdminDashboard(Schema):
    """One call for the console's home page; every figure is an aggregate query."""

    generated_at: datetime
    days: int
    period_start: date
    today: SalesFigures
    period: SalesFigures
    customers: CustomerFigures
    subscriptions: SubscriptionFigures
    postpaid: PostpaidFigures
    notifications_pending: int
    referral_codes_active: int
    referrals_completed: int
    top_plans: list[DashboardPlan]
