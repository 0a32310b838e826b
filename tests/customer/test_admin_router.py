"""Customer management by admins: search, figures, statistics, status changes
(docs/decisions.md#customer-management, #account-statuses)."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import AccountStatus
from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_customer
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]


async def test_search_and_figures(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db)
    for _ in range(2):  # one active, one queued
        await client.post(
            "/customer/recharge",
            headers=buyer.headers,
            json={
                "plan_id": plan.plan_id,
                "recipient_phone_number": buyer.phone_number,
                "payment_method": "upi",
            },
        )
    await make_customer(db, full_name="Zed Other")
    found = await client.get(
        "/admin/customers/", headers=admin_headers, params={"search_term": buyer.phone_number[-6:]}
    )
    assert found.status_code == 200, found.text
    rows = [r for r in found.json() if r["customer_id"] == buyer.customer_id]
    assert len(rows) == 1
    row = rows[0]
    assert (row["total_transactions"], row["total_spent"]) == (2, 1198.0)
    assert (row["active_subscriptions"], row["queued_subscriptions"]) == (2, 1)
    one = await client.get(
        "/admin/customers/", headers=admin_headers, params={"customer_id": buyer.customer_id}
    )
    assert [r["customer_id"] for r in one.json()] == [buyer.customer_id]
    by_name = await client.get(
        "/admin/customers/", headers=admin_headers, params={"full_name": "zed oth"}
    )
    assert {r["full_name"] for r in by_name.json()} == {"Zed Other"}
    missing = await client.get(
        "/admin/customers/", headers=admin_headers, params={"customer_id": 999999999}
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "customer_not_found")


async def test_suspend_and_deactivate_shut_the_customer_out_at_once(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    customer_id, phone = customer.customer_id, customer.phone_number
    before = (await client.get("/admin/customers/stats", headers=admin_headers)).json()
    tokens = await login_customer(client, phone)
    suspended = await client.post(
        f"/admin/customers/{customer_id}/suspend",
        headers=admin_headers,
        json={"reason": "fraud check"},
    )
    assert suspended.json()["account_status"] == "suspended"
    assert suspended.json()["sessions_revoked"] == 1
    live = await client.get("/customer/profile", headers=bearer(tokens["access_token"]))
    assert live.status_code == 401  # the session itself ended
    login = await client.post(
        "/customer/login", json={"phone_number": phone, "password": "secret-pass-1"}
    )
    assert (login.status_code, login.json()["code"]) == (403, "account_suspended")
    after = (await client.get("/admin/customers/stats", headers=admin_headers)).json()
    assert after["suspended_customers"] == before["suspended_customers"] + 1
    row = (
        await client.get(
            "/admin/customers/", headers=admin_headers, params={"customer_id": customer_id}
        )
    ).json()[0]
    assert (row["status_reason"], row["status_note"]) == ("admin", "fraud check")

    await client.post(f"/admin/customers/{customer_id}/activate", headers=admin_headers)
    tokens = await login_customer(client, phone)
    deactivated = await client.post(
        f"/admin/customers/{customer_id}/deactivate", headers=admin_headers
    )
    assert deactivated.json()["account_status"] == AccountStatus.inactive.value
    assert (
        await client.get("/customer/profile", headers=bearer(tokens["access_token"]))
    ).status_code == 401
    login = await client.post(
        "/customer/login", json={"phone_number": phone, "password": "secret-pass-1"}
    )
    assert (login.status_code, login.json()["code"]) == (403, "account_inactive")
    await client.post(f"/admin/customers/{customer_id}/activate", headers=admin_headers)
    await login_customer(client, phone)
    unknown = await client.post("/admin/customers/999999999/deactivate", headers=admin_headers)
    assert unknown.status_code == 404
    no_reason = await client.post(
        f"/admin/customers/{customer_id}/suspend", headers=admin_headers, json={}
    )
    assert no_reason.status_code == 422
