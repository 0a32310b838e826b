"""Analytics equal direct SQL over the same rows, to the cent; series are zero-filled."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.models import Customer, Transaction
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]


async def seed_sales(db: AsyncSession, buyer: Buyer) -> tuple[int, int]:
    a = await make_plan(db, price=Decimal("333.33"))
    b = await make_plan(db, price=Decimal("19.99"))
    now = clock.now()
    rows = [
        (a.plan_id, "333.33", "success", 0),
        (a.plan_id, "333.33", "success", 1),
        (b.plan_id, "19.99", "success", 1),
        (b.plan_id, "19.99", "failed", 0),
        (a.plan_id, "300.00", "success", 40),
    ]
    for plan_id, amount, status, days_ago in rows:
        db.add(
            Transaction(
                customer_id=buyer.customer_id,
                plan_id=plan_id,
                recipient_phone_number=buyer.phone_number,
                transaction_type="prepaid_recharge",
                original_amount=Decimal(amount),
                discount_amount=Decimal("0"),
                final_amount=Decimal(amount),
                payment_method="upi",
                payment_status=status,
                transaction_date=now - timedelta(days=days_ago, minutes=1),
            )
        )
    await db.flush()
    return a.plan_id, b.plan_id


async def test_revenue_equals_the_sql_sum_to_the_cent(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    await seed_sales(db, buyer)
    daily = (
        await client.get("/admin/analytics/revenue", headers=admin_headers, params={"days": 30})
    ).json()
    assert len(daily) == 30  # zero-filled, today included
    assert daily[-1]["date"] == clock.business_date().isoformat()
    start = clock.business_midnight() - timedelta(days=29)
    expected = await db.scalar(
        select(func.sum(Transaction.final_amount)).where(
            Transaction.payment_status == "success", Transaction.transaction_date >= start
        )
    )
    assert Decimal(str(sum(Decimal(str(d["revenue"])) for d in daily))) == expected
    assert sum(d["transactions"] for d in daily) >= 3
    monthly = (
        await client.get(
            "/admin/analytics/revenue",
            headers=admin_headers,
            params={"period": "monthly", "days": 90},
        )
    ).json()
    assert all(len(m["period"]) == 7 for m in monthly)
    weekly = (
        await client.get(
            "/admin/analytics/revenue",
            headers=admin_headers,
            params={"period": "weekly", "days": 60},
        )
    ).json()
    assert weekly[0]["period"].startswith("Week ")
    total_weekly = sum(Decimal(str(w["revenue"])) for w in weekly)
    start = clock.business_midnight() - timedelta(days=59)
    assert total_weekly >= await db.scalar(
        select(func.sum(Transaction.final_amount)).where(
            Transaction.payment_status == "success", Transaction.transaction_date >= start
        )
    )
    bad = await client.get(
        "/admin/analytics/revenue", headers=admin_headers, params={"period": "yearly"}
    )
    assert bad.status_code == 422
    assert (
        await client.get("/admin/analytics/revenue", headers=admin_headers, params={"days": 0})
    ).status_code == 422


async def test_dashboard_and_plan_performance(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan_a, plan_b = await seed_sales(db, buyer)
    board = (await client.get("/admin/analytics/dashboard", headers=admin_headers)).json()
    total = await db.scalar(
        select(func.sum(Transaction.final_amount)).where(Transaction.payment_status == "success")
    )
    assert Decimal(str(board["overview"]["total_revenue_amount"])) == total
    assert board["overview"]["total_revenue"] == f"₹{total:,.2f}"
    customers = await db.scalar(
        select(func.count()).select_from(Customer).where(Customer.deleted_at.is_(None))
    )
    assert board["overview"]["total_customers"] == customers
    performance = (
        await client.get(
            "/admin/analytics/plans/performance", headers=admin_headers, params={"limit": 100}
        )
    ).json()
    mine = {p["plan_id"]: p for p in performance if p["plan_id"] in (plan_a, plan_b)}
    assert (mine[plan_a]["transactions"], mine[plan_a]["revenue"]) == (3, "₹966.66")
    assert (mine[plan_b]["transactions"], mine[plan_b]["revenue_amount"]) == (1, 19.99)
    assert mine[plan_a]["rank"] < mine[plan_b]["rank"]


async def test_growth_and_referral_trend_are_zero_filled(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    growth = (
        await client.get(
            "/admin/analytics/customers/growth", headers=admin_headers, params={"days": 7}
        )
    ).json()
    assert len(growth) == 7
    today = growth[-1]
    before = await db.scalar(
        select(func.count())
        .select_from(Customer)
        .where(Customer.deleted_at.is_(None), Customer.created_at < clock.business_midnight())
    )
    assert today["total_customers"] == before + today["new_customers"]
    assert today["new_customers"] >= 1 and today["growth"].endswith("%")
    before_trend = (
        await client.get(
            "/admin/analytics/referrals/trend", headers=admin_headers, params={"days": 5}
        )
    ).json()
    generated = await client.post("/customer/referral/generate", headers=buyer.headers)
    assert generated.status_code == 200
    trend = (
        await client.get(
            "/admin/analytics/referrals/trend", headers=admin_headers, params={"days": 5}
        )
    ).json()
    assert len(trend) == 5 and all(d["success_rate"].endswith("%") for d in trend)
    assert trend[-1]["new_referrals"] == before_trend[-1]["new_referrals"] + 1
    assert trend[-1]["successful_referrals"] == before_trend[-1]["successful_referrals"]
