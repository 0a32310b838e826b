"""Purchase history and subscription views, admin monitoring, the streamed export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.db import get_sessionmaker
from tests.cleanup import committed_customer_and_plan
from tests.factories.accounts import make_admin, make_customer
from tests.helpers import bearer, login_admin, login_customer
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]


async def buy(
    client: httpx.AsyncClient, buyer: Buyer, plan_id: int, phone: str | None = None
) -> dict[str, object]:
    response = await client.post(
        "/customer/recharge",
        headers=buyer.headers,
        json={
            "plan_id": plan_id,
            "recipient_phone_number": phone or buyer.phone_number,
            "payment_method": "upi",
        },
    )
    return dict(response.json())


async def test_customer_history_and_subscriptions(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan = await make_plan(db, price=Decimal("199.00"), validity_days=2)
    first = await buy(client, buyer, plan.plan_id)
    second = await buy(client, buyer, plan.plan_id)
    monkeypatch.setattr(get_settings(), "payment_simulator", "decline")
    await buy(client, buyer, plan.plan_id)
    monkeypatch.undo()
    rows = (await client.get("/customer/transactions", headers=buyer.headers)).json()
    assert [r["payment_status"] for r in rows] == ["failed", "success", "success"]
    assert rows[1]["transaction_id"] == second["transaction_id"]
    assert rows[2]["final_amount"] == 199.0 and rows[2]["plan_name"] == plan.plan_name
    only = await client.get(
        "/customer/transactions", headers=buyer.headers, params={"payment_status": "success"}
    )
    assert len(only.json()) == 2 and only.headers["x-total-count"] == "2"

    other = await make_customer(db)
    other_headers = bearer((await login_customer(client, other.phone_number))["access_token"])
    theirs = await client.get(
        "/customer/transactions",
        headers=other_headers,
        params={"transaction_id": first["transaction_id"]},
    )
    assert (theirs.status_code, theirs.json()["code"]) == (404, "transaction_not_found")
    assert (await client.get("/customer/transactions", headers=other_headers)).json() == []

    active = (await client.get("/customer/subscriptions/active", headers=buyer.headers)).json()
    assert [(s["subscription_id"], s["status"]) for s in active] == [
        (first["subscription_id"], "active")
    ]
    assert active[0]["data_balance_gb"] == 56.0
    queue = (await client.get("/customer/subscriptions/queue", headers=buyer.headers)).json()
    assert [(q["subscription_id"], q["queue_position"]) for q in queue] == [
        (second["subscription_id"], 1)
    ]

    # time decides what is active, even before the lifecycle job runs
    await db.execute(text("UPDATE test_clock SET offset_seconds = 3 * 86400"))
    assert (await client.get("/customer/subscriptions/active", headers=buyer.headers)).json() == []


async def test_a_bare_date_filter_means_that_whole_operator_day(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("49.00"))
    bought = await buy(client, buyer, plan.plan_id)
    today = clock.business_date()
    whole_day = {"date_from": today.isoformat(), "date_to": today.isoformat()}
    mine = await client.get("/customer/transactions", headers=buyer.headers, params=whole_day)
    assert [r["transaction_id"] for r in mine.json()] == [bought["transaction_id"]]
    admin = await client.get(
        "/admin/transactions/",
        headers=admin_headers,
        params={**whole_day, "customer_id": buyer.customer_id},
    )
    assert [r["transaction_id"] for r in admin.json()] == [bought["transaction_id"]]
    yesterday = (today - timedelta(days=1)).isoformat()
    before = await client.get(
        "/customer/transactions",
        headers=buyer.headers,
        params={"date_from": yesterday, "date_to": yesterday},
    )
    assert before.json() == []


async def test_admin_monitoring(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    base = await make_plan(db, price=Decimal("299.00"))
    topup = await make_plan(
        db,
        is_topup=True,
        validity_days=0,
        price=Decimal("19.00"),
        daily_data_limit_mb=None,
        data_allowance_mb=1024,
    )
    await buy(client, buyer, base.plan_id)
    await buy(client, buyer, base.plan_id)
    top = await buy(client, buyer, topup.plan_id)
    listing = await client.get(
        "/admin/transactions/", headers=admin_headers, params={"customer_id": buyer.customer_id}
    )
    rows = listing.json()
    assert [r["final_amount"] for r in rows] == [19.0, 299.0, 299.0]
    assert rows[0]["customer_phone"] == buyer.phone_number and rows[0]["plan_name"]
    cheap = await client.get(
        "/admin/transactions/",
        headers=admin_headers,
        params={"customer_id": buyer.customer_id, "max_amount": "100"},
    )
    assert [r["transaction_type"] for r in cheap.json()] == ["topup_purchase"]
    bad = await client.get(
        "/admin/transactions/", headers=admin_headers, params={"payment_method": "cash"}
    )
    assert bad.status_code == 422
    missing = await client.get(
        "/admin/transactions/", headers=admin_headers, params={"transaction_id": 999999999}
    )
    assert missing.status_code == 404
    active = (
        await client.get(
            "/admin/subscriptions/active",
            headers=admin_headers,
            params={"customer_id": buyer.customer_id},
        )
    ).json()
    assert len(active) == 2 and {a["customer_phone"] for a in active} == {buyer.phone_number}
    queue = (
        await client.get(
            "/admin/subscriptions/queue",
            headers=admin_headers,
            params={"customer_id": buyer.customer_id},
        )
    ).json()
    assert [q["queue_position"] for q in queue] == [1]
    topups = (
        await client.get(
            "/admin/topups", headers=admin_headers, params={"phone_number": buyer.phone_number}
        )
    ).json()
    assert [t["subscription_id"] for t in topups] == [top["subscription_id"]]
    assert topups[0]["base_subscription_id"] is not None


async def test_export_streams_every_row(committing_client: httpx.AsyncClient) -> None:
    setup = await committed_customer_and_plan(price=Decimal("599.00"))
    async with get_sessionmaker()() as db, db.begin():
        await db.execute(
            text(
                "INSERT INTO transaction (customer_id, plan_id, recipient_phone_number, "
                "transaction_type, original_amount, discount_amount, final_amount, payment_method, "
                "payment_status, transaction_date) SELECT :customer, :plan, :phone, "
                "'prepaid_recharge', 599, 0, 599, 'upi', 'success', "
                "now() - n * interval '1 minute' "
                "FROM generate_series(1, 3000) AS n"
            ),
            {"customer": setup.customer_id, "plan": setup.plan_id, "phone": setup.phone_number},
        )
    async with get_sessionmaker()() as db, db.begin():
        admin = await make_admin(db)
        email, admin_id = admin.email, admin.admin_id
    try:
        admin_headers = bearer((await login_admin(committing_client, email))["access_token"])
        response = await committing_client.post(
            "/admin/transactions/export",
            headers=admin_headers,
            params={"customer_id": setup.customer_id},
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert "transactions_export_" in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0][:3] == ["Transaction ID", "Customer", "Customer Phone"]
        assert len(rows) == 3001
        assert {row[8] for row in rows[1:]} == {"599.00"}
        as_json = await committing_client.post(
            "/admin/transactions/export",
            headers=admin_headers,
            params={"customer_id": setup.customer_id, "format": "json"},
        )
        assert len(as_json.json()) == 3000
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(
                text("DELETE FROM auth_session WHERE user_type = 'admin' AND subject_id = :id"),
                {"id": admin_id},
            )
            await db.execute(text("DELETE FROM admin WHERE admin_id = :id"), {"id": admin_id})
        await setup.purge()
