"""Gross, refunded and net revenue: a refund leaves the sale (gross) alone and lowers net on
the operator day it was processed, to the paisa; pending and failed refunds count nowhere."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.analytics import service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.models import Payment, RefundStatus
from tests.factories.payments import make_captured_payment, make_refund
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]

DASHBOARD = "/admin/dashboard"
ANALYTICS = "/admin/analytics/dashboard"
REVENUE = "/admin/analytics/revenue"


def money(value: Any) -> Decimal:
    return Decimal(str(value))


@dataclass
class Seeded:
    today: date
    # the refund processed at 20:00 UTC: the next calendar day in Asia/Kolkata
    evening_refund_at: datetime


async def sell(db: AsyncSession, buyer: Buyer, days_ago: int, amount: str) -> Payment:
    plan = await make_plan(db, price=Decimal(amount))
    at = clock.business_midnight() - timedelta(days=days_ago) + timedelta(hours=11)
    return await make_captured_payment(
        db,
        customer_id=buyer.customer_id,
        phone_number=buyer.phone_number,
        plan_id=plan.plan_id,
        amount=amount,
        at=at,
    )


async def seed(db: AsyncSession, buyer: Buyer) -> tuple[Seeded, list[Payment]]:
    """Three sales: 1 000.00 thirty days ago, 333.33 three days ago, 499.99 today."""
    sales = [
        await sell(db, buyer, 30, "1000.00"),
        await sell(db, buyer, 3, "333.33"),
        await sell(db, buyer, 0, "499.99"),
    ]
    midnight = clock.business_midnight()
    # 01:30 in Kolkata two days ago is 20:00 UTC the day before
    evening = midnight - timedelta(days=2) + timedelta(hours=1, minutes=30)
    assert evening.astimezone(UTC).hour == 20
    return Seeded(clock.business_date(), evening), sales


async def refund_them(db: AsyncSession, seeded: Seeded, sales: list[Payment]) -> None:
    """Processed: 12.34 (20 days ago), 250.55 (5 days ago), 0.01 (the 20:00 UTC one, two
    days ago), 333.33 today (the whole second sale); pending 100.00 and failed 50.00."""
    first, second, _ = sales
    midnight = clock.business_midnight()
    await make_refund(db, first, "12.34", processed_at=midnight - timedelta(days=20, hours=-9))
    await make_refund(db, first, "250.55", processed_at=midnight - timedelta(days=5, hours=-23))
    await make_refund(db, first, "0.01", processed_at=seeded.evening_refund_at)
    await make_refund(db, first, "100.00", status=RefundStatus.pending)
    await make_refund(db, first, "50.00", status=RefundStatus.failed)
    await make_refund(db, second, "333.33", processed_at=midnight + timedelta(seconds=1))
    assert first.status == "partially_refunded" and second.status == "refunded"


async def get(client: httpx.AsyncClient, headers: dict[str, str], path: str, **params: Any) -> Any:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def figures(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "board": await get(client, headers, DASHBOARD, days=7),
        "analytics": await get(client, headers, ANALYTICS),
        "daily": await get(client, headers, REVENUE, days=30),
        "weekly": await get(client, headers, REVENUE, period="weekly", days=60),
        "monthly": await get(client, headers, REVENUE, period="monthly", days=90),
    }


def gained(after: dict[str, Any], before: dict[str, Any], field: str) -> Decimal:
    return money(after[field]) - money(before[field])


def assert_net(figures: dict[str, Any], prefix: str = "") -> None:
    """net = gross - refunded, exactly, in the amount and in the `₹` string."""
    gross = money(figures[f"{prefix}revenue_amount"])
    refunded = money(figures[f"{prefix}refunded_revenue_amount"])
    net = money(figures[f"{prefix}net_revenue_amount"])
    assert net == gross - refunded
    assert figures[f"{prefix}net_revenue"] == service.rupees(net)
    assert figures[f"{prefix}refunded_revenue"] == service.rupees(refunded)


@pytest.fixture(autouse=True)
def kolkata(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(get_settings(), "timezone", "Asia/Kolkata")


async def test_refunds_lower_net_on_their_processed_day_and_leave_gross_alone(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    seeded, sales = await seed(db, buyer)
    before = await figures(client, admin_headers)
    await refund_them(db, seeded, sales)
    after = await figures(client, admin_headers)

    # GET /admin/dashboard: today and the last 7 days
    for part, refunded, count in (("today", "333.33", 1), ("period", "583.89", 3)):
        now, then = after["board"][part], before["board"][part]
        assert now["revenue"] == then["revenue"] and now["transactions"] == then["transactions"]
        assert gained(now, then, "refunded_revenue_amount") == Decimal(refunded)
        assert gained(now, then, "net_revenue_amount") == -Decimal(refunded)
        assert now["refunds"] - then["refunds"] == count
        assert_net(now)

    # GET /admin/analytics/dashboard: today and all time
    now, then = after["analytics"]["today"], before["analytics"]["today"]
    assert now["revenue_amount"] == then["revenue_amount"]
    assert gained(now, then, "net_revenue_amount") == Decimal("-333.33")
    assert_net(now)
    now, then = after["analytics"]["overview"], before["analytics"]["overview"]
    assert now["total_revenue"] == then["total_revenue"]
    assert gained(now, then, "total_refunded_revenue_amount") == Decimal("596.23")
    assert gained(now, then, "total_net_revenue_amount") == Decimal("-596.23")
    assert now["total_refunds"] - then["total_refunds"] == 4
    assert_net(now, "total_")

    # the daily series: each refund on its operator day, gross unchanged
    days = {row["date"]: row for row in after["daily"]}
    earlier = {row["date"]: row for row in before["daily"]}
    moved = {
        day: gained(days[day], earlier[day], "refunded_revenue")
        for day in days
        if days[day]["refunded_revenue"] != earlier[day]["refunded_revenue"]
    }
    on = seeded.today
    assert moved == {
        (on - timedelta(days=20)).isoformat(): Decimal("12.34"),
        (on - timedelta(days=5)).isoformat(): Decimal("250.55"),
        (on - timedelta(days=2)).isoformat(): Decimal("0.01"),  # 20:00 UTC the day before
        on.isoformat(): Decimal("333.33"),
    }
    for day, row in days.items():
        assert row["revenue"] == earlier[day]["revenue"]
        assert money(row["net_revenue"]) == money(row["revenue"]) - money(row["refunded_revenue"])
    fifth = (on - timedelta(days=5)).isoformat()
    assert days[fifth]["refunds"] - earlier[fifth]["refunds"] == 1
    assert gained(days[fifth], earlier[fifth], "net_revenue") == Decimal("-250.55")

    # weeks and months carry the same refunds
    for series in ("weekly", "monthly"):
        for field, change in (("revenue", "0"), ("refunded_revenue", "596.23")):
            total = sum(money(row[field]) for row in after[series]) - sum(
                money(row[field]) for row in before[series]
            )
            assert total == Decimal(change), (series, field)
        assert all(
            money(row["net_revenue"]) == money(row["revenue"]) - money(row["refunded_revenue"])
            for row in after[series]
        )


async def test_the_refund_day_follows_the_operator_time_zone(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seeded, sales = await seed(db, buyer)
    await make_refund(db, sales[0], "7.77", processed_at=seeded.evening_refund_at)
    kolkata_day = seeded.evening_refund_at.astimezone(get_settings().business_timezone).date()
    utc_day = seeded.evening_refund_at.astimezone(UTC).date()
    assert kolkata_day == utc_day + timedelta(days=1)
    daily = {row["date"]: row for row in await get(client, admin_headers, REVENUE, days=30)}
    assert money(daily[kolkata_day.isoformat()]["refunded_revenue"]) == Decimal("7.77")

    monkeypatch.setattr(get_settings(), "timezone", "UTC")
    daily = {row["date"]: row for row in await get(client, admin_headers, REVENUE, days=30)}
    assert money(daily[utc_day.isoformat()]["refunded_revenue"]) == Decimal("7.77")
    assert money(daily[kolkata_day.isoformat()]["refunded_revenue"]) == 0


async def test_refund_queries_read_the_processed_at_index(db: AsyncSession, buyer: Buyer) -> None:
    """Every analytics query over payment_refund is a range of its processed_at index (seq
    scans are switched off: a query that could not use the index would still scan)."""
    seeded, sales = await seed(db, buyer)
    await refund_them(db, seeded, sales)
    connection = await db.connection()
    statements: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "payment_refund" in statement and not statement.lstrip().startswith("EXPLAIN"):
            statements.append((statement, parameters))

    event.listen(connection.sync_connection, "before_cursor_execute", capture)
    try:
        await service.dashboard(db)
        await service.admin_dashboard(db, 7)
        await service.revenue(db, "daily", 30)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", capture)
    assert len(statements) == 5  # today and ever, today and the period, the series
    await db.execute(text("SET LOCAL enable_seqscan = off"))
    for statement, parameters in statements:
        plan = "\n".join(
            row[0] for row in await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        )
        assert "ix_payment_refund_processed_at" in plan, plan
        assert "Index Cond: ((processed_at >=" in plan, plan
    await db.execute(text("RESET enable_seqscan"))


def test_a_day_that_gave_back_more_than_it_took_reads_negative() -> None:
    assert service.rupees(Decimal("-250.55")) == "-₹250.55"
    assert service.rupees(Decimal("1234.5")) == "₹1,234.50"
