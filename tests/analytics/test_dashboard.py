"""GET /admin/dashboard: sales of today and of the period, live counts (figures are checked
against SQL over seeded data in tests/synthetic); admin only, bad input 422."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from tests.analytics.test_summary import add_sale
from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_customer
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]


async def test_today_and_period_figures(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    before = (await client.get("/admin/dashboard", headers=admin_headers)).json()
    plan = await make_plan(db, price=Decimal("100.00"))
    now = clock.now()
    add_sale(db, buyer, plan.plan_id, "100.00", now)
    add_sale(db, buyer, plan.plan_id, "0.10", now, "failed")
    add_sale(db, buyer, plan.plan_id, "250.55", now - timedelta(days=3))
    add_sale(db, buyer, plan.plan_id, "99.45", now - timedelta(days=3), kind="topup_purchase")
    add_sale(db, buyer, plan.plan_id, "1000.00", now - timedelta(days=9))
    add_sale(db, buyer, plan.plan_id, "7.00", now - timedelta(days=3), kind="postpaid_bill_payment")
    await db.flush()
    response = await client.get("/admin/dashboard", headers=admin_headers, params={"days": 7})
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["days"] == 7
    assert board["period_start"] == (clock.business_date() - timedelta(days=6)).isoformat()
    today, period = board["today"], board["period"]
    assert today["revenue_amount"] == before["today"]["revenue_amount"] + 100.0
    assert today["failed_payments"] == before["today"]["failed_payments"] + 1
    assert today["recharges"] == before["today"]["recharges"] + 1
    assert period["revenue"].startswith("₹")
    gained = Decimal(str(period["revenue_amount"])) - Decimal(
        str(before["period"]["revenue_amount"])
    )
    assert gained == Decimal("457.00")  # not the 9-day-old sale
    assert period["recharges"] - before["period"]["recharges"] == 3
    assert period["bill_payments"] - before["period"]["bill_payments"] == 1
    mine = [p for p in board["top_plans"] if p["plan_id"] == plan.plan_id]
    assert mine and mine[0]["transactions"] == 4 and mine[0]["revenue_amount"] == 457.0
    assert board["customers"]["total"] >= 1


async def test_admins_only_and_days_checked(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    assert (await client.get("/admin/dashboard")).status_code == 401
    customer = await make_customer(db)
    token = (await login_customer(client, customer))["access_token"]
    assert (await client.get("/admin/dashboard", headers=bearer(token))).status_code == 403
    for days in (0, "x"):
        bad = await client.get("/admin/dashboard", headers=admin_headers, params={"days": days})
        assert (bad.status_code, bad.json()["code"]) == (422, "validation_error")
    assert (await client.get("/admin/dashboard/", headers=admin_headers)).status_code == 200
