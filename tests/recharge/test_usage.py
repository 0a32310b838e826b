"""Data usage: consumption order, idempotent events, alerts once per day, daily reset."""

from __future__ import annotations

import itertools
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.models import Subscription, UsageEvent
from tests.recharge.conftest import Buyer, make_plan, notification_types

_events = itertools.count(1)


def event(phone: str, used_mb: int, event_id: str | None = None) -> dict[str, object]:
    return {
        "event_id": event_id or f"ev-{next(_events)}-{phone}",
        "phone_number": phone,
        "used_mb": used_mb,
    }


async def buy(client: httpx.AsyncClient, buyer: Buyer, plan_id: int) -> int:
    response = await client.post(
        "/customer/recharge",
        json={
            "plan_id": plan_id,
            "recipient_phone_number": buyer.phone_number,
            "payment_method": "upi",
        },
        headers=buyer.headers,
    )
    assert response.status_code == 200, response.text
    return int(response.json()["subscription_id"])


async def balances(db: AsyncSession, *subscription_ids: int) -> list[tuple[int, int, str]]:
    rows = (
        await db.execute(
            select(Subscription)
            .where(Subscription.subscription_id.in_(subscription_ids))
            .order_by(Subscription.subscription_id)
            .execution_options(populate_existing=True)
        )
    ).scalars()
    return [(row.data_balance_mb, row.daily_data_used_mb, str(row.status)) for row in rows]


async def test_usage_uses_the_daily_allowance_then_topups_then_throttles(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    base_plan = await make_plan(db, data_allowance_mb=10_000, daily_data_limit_mb=1000)
    topup_plan = await make_plan(
        db,
        is_topup=True,
        validity_days=0,
        price=Decimal("19.00"),
        data_allowance_mb=300,
        daily_data_limit_mb=None,
    )
    base_id = await buy(client, buyer, base_plan.plan_id)
    topup_id = await buy(client, buyer, topup_plan.plan_id)
    phone = buyer.phone_number

    response = await client.post(
        "/admin/usage", json={"records": [event(phone, 900)]}, headers=admin_headers
    )
    assert response.json() == {
        "received": 1,
        "applied": 1,
        "duplicates": 0,
        "applied_mb": 900,
        "throttled_mb": 0,
    }
    assert await balances(db, base_id, topup_id) == [(9100, 900, "active"), (300, 0, "active")]

    # 100 MB left today on the base plan, then the 300 MB top-up, then nothing
    response = await client.post(
        "/admin/usage", json={"records": [event(phone, 500)]}, headers=admin_headers
    )
    assert response.json()["applied_mb"] == 400 and response.json()["throttled_mb"] == 100
    assert await balances(db, base_id, topup_id) == [(9000, 1000, "active"), (0, 0, "exhausted")]
    types = await notification_types(db, buyer.customer_id)
    assert types.count("daily_limit_reached") == 1
    assert types.count("topup_exhausted") == 1

    stored = (
        await db.execute(
            select(UsageEvent.applied_mb, UsageEvent.throttled_mb)
            .where(UsageEvent.phone_number == phone)
            .order_by(UsageEvent.usage_event_id)
        )
    ).all()
    assert [tuple(row) for row in stored] == [(900, 0), (400, 100)]


async def test_a_batch_sent_twice_changes_balances_once(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, data_allowance_mb=5000, daily_data_limit_mb=None)
    subscription_id = await buy(client, buyer, plan.plan_id)
    batch = {
        "records": [
            event(buyer.phone_number, 100, "dup-a"),
            event(buyer.phone_number, 200, "dup-b"),
            event(buyer.phone_number, 200, "dup-b"),
        ]
    }  # repeated inside the batch too
    first = (await client.post("/admin/usage", json=batch, headers=admin_headers)).json()
    second = (await client.post("/admin/usage", json=batch, headers=admin_headers)).json()
    assert (first["applied"], first["duplicates"], first["applied_mb"]) == (2, 1, 300)
    assert (second["applied"], second["duplicates"], second["applied_mb"]) == (0, 3, 0)
    assert await balances(db, subscription_id) == [(4700, 300, "active")]


async def test_low_balance_alert_once_per_day_and_exhaustion(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, data_allowance_mb=1000, daily_data_limit_mb=None)
    await buy(client, buyer, plan.plan_id)
    phone = buyer.phone_number
    for used in (700, 150, 50):  # 300 left (no alert), 150 left (alert), 100 left (no repeat)
        await client.post(
            "/admin/usage", json={"records": [event(phone, used)]}, headers=admin_headers
        )
    types = await notification_types(db, buyer.customer_id)
    assert types.count("low_balance") == 1
    assert "data_exhausted" not in types
    await client.post("/admin/usage", json={"records": [event(phone, 500)]}, headers=admin_headers)
    types = await notification_types(db, buyer.customer_id)
    assert types.count("data_exhausted") == 1 and types.count("low_balance") == 1

    # the next day the alert may come again
    await client.post("/admin/test-clock", json={"advance_seconds": 86400}, headers=admin_headers)
    await client.post("/admin/usage", json={"records": [event(phone, 10)]}, headers=admin_headers)
    types = await notification_types(db, buyer.customer_id)
    assert types.count("data_exhausted") == 2


async def test_daily_counter_resets_at_the_operators_midnight(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, data_allowance_mb=10_000, daily_data_limit_mb=500)
    subscription_id = await buy(client, buyer, plan.plan_id)
    await client.post(
        "/admin/usage", json={"records": [event(buyer.phone_number, 800)]}, headers=admin_headers
    )
    assert await balances(db, subscription_id) == [(9500, 500, "active")]
    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": 86400}, headers=admin_headers
    )
    assert moved.json()["jobs_run"]["daily_usage_reset"] == 1
    assert await balances(db, subscription_id) == [(9500, 0, "active")]
    response = await client.post(
        "/admin/usage", json={"records": [event(buyer.phone_number, 800)]}, headers=admin_headers
    )
    assert response.json()["applied_mb"] == 500


async def test_customer_usage_summary(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    empty = (await client.get("/customer/usage", headers=buyer.headers)).json()
    assert empty["has_active_plan"] is False and empty["total_remaining_mb"] == 0
    plan = await make_plan(db, data_allowance_mb=43008, daily_data_limit_mb=1536)
    topup = await make_plan(
        db,
        is_topup=True,
        validity_days=0,
        price=Decimal("19.00"),
        data_allowance_mb=1024,
        daily_data_limit_mb=None,
    )
    await buy(client, buyer, plan.plan_id)
    await buy(client, buyer, topup.plan_id)
    await client.post(
        "/admin/usage", json={"records": [event(buyer.phone_number, 512)]}, headers=admin_headers
    )
    summary = (await client.get("/customer/usage", headers=buyer.headers)).json()
    assert summary["has_active_plan"] is True
    assert (
        summary["daily_data_limit_mb"],
        summary["daily_data_used_mb"],
        summary["daily_remaining_mb"],
    ) == (1536, 512, 1024)
    assert summary["daily_data_limit_gb"] == 1.5
    assert summary["base_balance_mb"] == 43008 - 512
    assert [t["data_balance_mb"] for t in summary["topups"]] == [1024]
    assert summary["total_remaining_mb"] == 43008 - 512 + 1024


async def test_usage_feed_authentication(
    client: httpx.AsyncClient, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = {"records": [event(buyer.phone_number, 1)]}
    assert (await client.post("/admin/usage", json=batch)).status_code == 401
    assert (await client.post("/admin/usage", json=batch, headers=buyer.headers)).status_code == 403
    monkeypatch.setattr(get_settings(), "usage_feed_token", "feed-token-of-enough-length-123")
    wrong = await client.post(
        "/admin/usage", json=batch, headers={"Authorization": "Bearer feed-token-wrong"}
    )
    assert wrong.status_code == 401
    ok = await client.post(
        "/admin/usage",
        json=batch,
        headers={"Authorization": "Bearer feed-token-of-enough-length-123"},
    )
    assert ok.status_code == 200
    assert ok.json()["throttled_mb"] == 1  # no plan on the number: nothing to draw from


async def test_usage_batch_validation(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for body in (
        {"records": []},
        {"records": [event("9876543210", 0)]},
        {"records": [event("123", 5)]},
        {"records": [event("9876543210", 1) for _ in range(1001)]},
    ):
        response = await client.post("/admin/usage", json=body, headers=admin_headers)
        assert response.status_code == 422
