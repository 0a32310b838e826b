from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexa.analytics import service
from nexa.analytics.schemas import (
    AdminDashboard,
    DailyRevenue,
    Dashboard,
    GrowthDay,
    PeriodRevenue,
    PlanPerformance,
    ReferralDay,
)
from nexa.core.db import ReadSessionDep
from nexa.core.pagination import at_most

router = APIRouter(prefix="/analytics", tags=["Analytics & Reports"])
dashboard_router = APIRouter(tags=["Dashboard"])
Days = Annotated[int, at_most(366, "Calendar days up to today")]


@router.get("/dashboard", response_model=Dashboard)
async def get_dashboard_analytics(db: ReadSessionDep) -> Dashboard:
    """Today's and all-time revenue, customers, transactions, the 3 best-selling plans."""
    return await service.dashboard(db)


@router.get("/revenue", response_model=list[DailyRevenue] | list[PeriodRevenue])
async def get_revenue_analytics(
    db: ReadSessionDep,
    period: Annotated[service.Period, Query(description="daily, weekly, monthly")] = "daily",
    days: Days = 30,
) -> list[DailyRevenue] | list[PeriodRevenue]:
    """Successful payments per day, ISO week or month; periods without any are zeros."""
    return await service.revenue(db, period, days)


@router.get("/customers/growth", response_model=list[GrowthDay])
async def get_customer_growth_analytics(db: ReadSessionDep, days: Days = 90) -> list[GrowthDay]:
    return await service.customer_growth(db, days)


@router.get("/referrals/trend", response_model=list[ReferralDay])
async def get_referral_trend_analytics(db: ReadSessionDep, days: Days = 90) -> list[ReferralDay]:
    return await service.referral_trend(db, days)


@router.get("/plans/performance", response_model=list[PlanPerformance])
async def get_plan_performance(
    db: ReadSessionDep, limit: Annotated[int, at_most(100, "Number of top plans to return")] = 10
) -> list[PlanPerformance]:
    return await service.plan_performance(db, limit)


@dashboard_router.get("/dashboard", response_model=AdminDashboard)
async def get_admin_dashboard(db: ReadSessionDep, days: Days = 30) -> AdminDashboard:
    """The console's home page: today's and the last `days` days' sales (revenue, recharges,
    bill payments, failed payments, new customers, best plans) and live counts of customers,
    running and queued plans, postpaid lines and bills, pending notifications, referrals."""
    return await service.admin_dashboard(db, days)
