"""The daily sales summary changes no figure: analytics read the same with and without it,
equal to direct SQL to the cent; any change to a summed day resets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.analytics import service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.db import get_engine
from nexa.models import Transaction, TransactionSummary, TransactionSummaryState
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]

PATHS = [
    ("/admin/analytics/dashboard", {}),
    ("/admin/analytics/revenue", {"days": 90}),
    ("/admin/analytics/revenue", {"period": "weekly", "days": 120}),
    ("/admin/analytics/revenue", {"period": "monthly", "days": 366}),
    ("/admin/analytics/plans/performance", {"limit": 100}),
    ("/admin/dashboard", {"days": 45}),
]


def add_sale(
    db: AsyncSession,
    buyer: Buyer,
    plan_id: int,
    amount: str,
    at: datetime,
    status: str = "success",
    kind: str = "prepaid_recharge",
) -> Transaction:
    sale = Transaction(
        customer_id=buyer.customer_id,
        plan_id=plan_id,
        recipient_phone_number=buyer.phone_number,
        transaction_type=kind,
        original_amount=Decimal(amount),
        discount_amount=Decimal("0"),
        final_amount=Decimal(amount),
        payment_method="upi",
        payment_status=status,
        transaction_date=at,
    )
    db.add(sale)
    return sale


async def sell_for_100_days(db: AsyncSession, buyer: Buyer) -> list[int]:
    """Sales on many days, some a second either side of the operator's midnight."""
    plans = [await make_plan(db, price=Decimal(p)) for p in ("333.33", "19.99", "0.01")]
    now = clock.now()
    for day in range(100):
        midnight = clock.business_midnight(now - timedelta(days=day))
        for n, plan in enumerate(plans):
            if (day + n) % 3 == 0:
                continue
            add_sale(db, buyer, plan.plan_id, str(plan.price), midnight + timedelta(seconds=n))
            add_sale(db, buyer, plan.plan_id, str(plan.price), midnight - timedelta(seconds=1))
        add_sale(db, buyer, plans[0].plan_id, "99.99", midnight + timedelta(hours=5), "failed")
        bill_paid_at = midnight + timedelta(hours=13)
        if day % 7 == 0 and bill_paid_at <= now:  # never in the future (late UTC evenings)
            add_sale(
                db, buyer, plans[1].plan_id, "1234.56", bill_paid_at, kind="postpaid_bill_payment"
            )
    await db.flush()
    return [plan.plan_id for plan in plans]


async def snapshot(client: httpx.AsyncClient, headers: dict[str, str]) -> list[Any]:
    answers = []
    for path, params in PATHS:
        response = await client.get(path, headers=headers, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        if isinstance(body, dict):
            body.pop("generated_at", None)
        answers.append(body)
    return answers


async def sql_revenue(db: AsyncSession, since: datetime | None = None) -> Decimal:
    query = select(func.coalesce(func.sum(Transaction.final_amount), 0)).where(
        Transaction.payment_status == "success"
    )
    if since is not None:
        query = query.where(Transaction.transaction_date >= since)
    return Decimal(await db.scalar(query))


async def summarize_all(db: AsyncSession, now: datetime) -> int:
    """Run the job's steps until it has nothing left; returns the days covered."""
    days = 0
    while step := await service.refresh_summary(db, now):
        assert step <= service.SUMMARY_CHUNK_DAYS
        days += step
    return days


async def state(db: AsyncSession) -> TransactionSummaryState | None:
    return await db.scalar(
        select(TransactionSummaryState).execution_options(populate_existing=True)
    )


async def test_summary_changes_no_figure_and_resets_on_any_change_to_a_summed_day(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    await sell_for_100_days(db, buyer)
    live = await snapshot(client, admin_headers)

    now = clock.now()
    # a month per step from the oldest sale; figures are exact between steps too
    assert await service.refresh_summary(db, now) == service.SUMMARY_CHUNK_DAYS
    assert await snapshot(client, admin_headers) == live
    assert await summarize_all(db, now) >= 99 - service.SUMMARY_CHUNK_DAYS
    summed = await state(db)
    assert summed is not None
    assert summed.summarized_until == clock.business_midnight(now - service.SUMMARY_SETTLE)
    assert summed.timezone == get_settings().timezone
    assert await db.scalar(select(func.count()).select_from(TransactionSummary)) > 100
    assert await service.refresh_summary(db, now) == 0  # nothing more to do
    assert await snapshot(client, admin_headers) == live

    # the all-time figure still equals the table, to the cent
    dashboard = (await client.get("/admin/analytics/dashboard", headers=admin_headers)).json()
    assert Decimal(str(dashboard["overview"]["total_revenue_amount"])) == await sql_revenue(db)

    # a new purchase today leaves the summary alone and counts at once
    plan_id = (await make_plan(db, price=Decimal("10.00"))).plan_id
    add_sale(db, buyer, plan_id, "10.00", clock.now())
    await db.flush()
    assert (await state(db)).summarized_until is not None  # type: ignore[union-attr]
    after = (await client.get("/admin/analytics/dashboard", headers=admin_headers)).json()
    assert Decimal(str(after["overview"]["total_revenue_amount"])) == await sql_revenue(db)

    # a sale dated inside the summed days (a restore, a correction) resets it
    old = add_sale(db, buyer, plan_id, "5.55", now - timedelta(days=50))
    await db.flush()
    assert (await state(db)).summarized_until is None  # type: ignore[union-attr]
    after = (await client.get("/admin/analytics/dashboard", headers=admin_headers)).json()
    assert Decimal(str(after["overview"]["total_revenue_amount"])) == await sql_revenue(db)

    # summed again; then a changed amount, a changed status, a delete: each resets
    changes = [
        update(Transaction)
        .where(Transaction.transaction_id == old.transaction_id)
        .values(original_amount=Decimal("6.66"), final_amount=Decimal("6.66")),
        update(Transaction)
        .where(Transaction.transaction_id == old.transaction_id)
        .values(payment_status="failed"),
        delete(Transaction).where(Transaction.transaction_id == old.transaction_id),
    ]
    for change in changes:
        assert await summarize_all(db, now) > 0
        await db.execute(change)
        assert (await state(db)).summarized_until is None  # type: ignore[union-attr]
        dashboard = (await client.get("/admin/analytics/dashboard", headers=admin_headers)).json()
        assert Decimal(str(dashboard["overview"]["total_revenue_amount"])) == await sql_revenue(db)

    # filling in a transaction's subscription (every purchase does) is not a change
    assert await summarize_all(db, now) > 0
    await db.execute(
        update(Transaction).where(Transaction.plan_id == plan_id).values(subscription_id=1)
    )
    assert (await state(db)).summarized_until is not None  # type: ignore[union-attr]


async def test_the_summary_grows_a_day_at_a_time_and_follows_the_time_zone(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await sell_for_100_days(db, buyer)
    now = clock.now()
    await summarize_all(db, now - timedelta(days=3))
    first = (await state(db)).summarized_until  # type: ignore[union-attr]
    assert await service.refresh_summary(db, now) == 3  # one step: just the new days
    assert (await state(db)).summarized_until - first == timedelta(days=3)  # type: ignore[union-attr,operator]
    live_before = await sql_revenue(db, clock.business_midnight(now) - timedelta(days=29))

    monkeypatch.setattr(get_settings(), "timezone", "UTC")
    midnight_utc = datetime.combine(now.astimezone(UTC).date(), datetime.min.time(), UTC)
    daily = await snapshot(client, admin_headers)  # another zone: the live part covers all
    assert await summarize_all(db, now) > 0
    assert (await state(db)).timezone == "UTC"  # type: ignore[union-attr]
    assert await snapshot(client, admin_headers) == daily
    revenue = (
        await client.get("/admin/analytics/revenue", headers=admin_headers, params={"days": 30})
    ).json()
    assert sum(Decimal(str(day["revenue"])) for day in revenue) == await sql_revenue(
        db, midnight_utc - timedelta(days=29)
    )
    assert live_before > 0


async def test_the_summary_job_gives_way_to_a_busy_table(
    db: AsyncSession, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sell_for_100_days(db, buyer)
    monkeypatch.setattr(service, "SUMMARY_LOCK_WAIT", "100ms")
    async with get_engine().connect() as other:
        await other.begin()
        await other.execute(text("LOCK TABLE transaction IN ROW EXCLUSIVE MODE"))
        assert await service.refresh_summary(db, clock.now()) == 0  # a purchase in flight
        await other.rollback()
    assert await state(db) is None
    assert await summarize_all(db, clock.now()) > 0
    assert (await state(db)).summarized_until is not None  # type: ignore[union-attr]
