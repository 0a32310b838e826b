from __future__ import annotations

from datetime import date

from nexa.core.schemas import Money, Schema


class TodayFigures(Schema):
    revenue: str
    revenue_amount: Money
    new_customers: int
    transactions: int


class Overview(Schema):
    total_customers: int
    total_transactions: int
    total_revenue: str
    total_revenue_amount: Money


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


class PeriodRevenue(Schema):
    period: str
    revenue: Money
    transactions: int


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
