"""Customer and admin notification endpoints, preferences, inactivity warnings."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Customer, Notification, NotificationBroadcast
from nexa.notification import service
from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_customer
from tests.recharge.conftest import Buyer, make_plan, notification_types


async def recharge(client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer) -> None:
    plan = await make_plan(db)
    response = await client.post(
        "/customer/recharge",
        headers=buyer.headers,
        json={
            "plan_id": plan.plan_id,
            "recipient_phone_number": buyer.phone_number,
            "payment_method": "upi",
        },
    )
    assert response.status_code == 200


async def test_customer_list_filters_stats_and_read_marks(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    await recharge(client, db, buyer)
    await recharge(client, db, buyer)  # 2 x payment_success, plan_activated + plan_queued
    listing = await client.get("/customer/notifications/", headers=buyer.headers)
    rows = listing.json()
    assert listing.headers["x-total-count"] == "4"
    assert [r["type"] for r in rows] == [
        "plan_queued",
        "payment_success",
        "plan_activated",
        "payment_success",
    ]  # newest first
    only = await client.get(
        "/customer/notifications", headers=buyer.headers, params={"type": "payment_success"}
    )
    assert {r["type"] for r in only.json()} == {"payment_success"} and len(only.json()) == 2
    page = await client.get(
        "/customer/notifications/", headers=buyer.headers, params={"limit": 1, "skip": 1}
    )
    assert [r["notification_id"] for r in page.json()] == [rows[1]["notification_id"]]

    stats = (await client.get("/customer/notifications/stats", headers=buyer.headers)).json()
    assert (stats["total_notifications"], stats["unread_count"], stats["received_today"]) == (
        4,
        4,
        4,
    )
    assert stats["by_type"] == {"payment_success": 2, "plan_activated": 1, "plan_queued": 1}
    assert stats["by_channel"] == {"sms": 4}

    other = await make_customer(db)
    other_id = other.customer_id
    other_row = (await service.notify(db, service.Alert(other_id, "promotional", "x", "y")))[0]
    marked = await client.post(
        "/customer/notifications/mark-read",
        headers=buyer.headers,
        json={"notification_ids": [rows[0]["notification_id"], other_row]},
    )
    assert marked.json()["updated_count"] == 1  # another customer's id is ignored
    unread = await client.get(
        "/customer/notifications/", headers=buyer.headers, params={"unread_only": True}
    )
    assert len(unread.json()) == 3
    everything = await client.post("/customer/notifications/mark-all-read", headers=buyer.headers)
    assert everything.json()["updated_count"] == 3
    assert (await client.get("/customer/notifications/stats", headers=buyer.headers)).json()[
        "unread_count"
    ] == 0
    still_unread = await db.scalar(
        select(Notification.is_read).where(Notification.notification_id == other_row)
    )
    assert still_unread is False


async def test_admin_send_to_listed_customers_respects_opt_outs(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    keen = await make_customer(db)
    keen_id = keen.customer_id
    opt_out = await client.put(
        "/customer/notifications/preferences",
        headers=buyer.headers,
        json={"promotional_sms": False},
    )
    assert opt_out.json() == {
        "promotional_sms": False,
        "promotional_push": True,
        "promotional_in_app": True,
    }
    response = await client.post(
        "/admin/notifications/send",
        headers=admin_headers,
        json={
            "title": "Festive offer",
            "message": "20% off",
            "channel": "sms",
            "customer_ids": [buyer.customer_id, keen_id],
        },
    )
    body = response.json()
    assert (body["total_sent"], body["successful"], body["skipped_opted_out"]) == (2, 1, 1)
    assert await notification_types(db, keen_id) == ["promotional"]
    assert await notification_types(db, buyer.customer_id) == []
    # service alerts are not promotional: a push to the opted-out customer still goes
    push = await client.post(
        "/admin/notifications/send",
        headers=admin_headers,
        json={
            "title": "Heads up",
            "message": "x",
            "channel": "push",
            "type": "plan_expiry",
            "customer_ids": [buyer.customer_id],
        },
    )
    assert push.json()["successful"] == 1
    source = await db.scalar(
        select(Notification.source).where(Notification.customer_id == buyer.customer_id)
    )
    assert source == "admin"


async def test_admin_send_validation(
    client: httpx.AsyncClient, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    base = {"title": "t", "message": "m", "channel": "sms"}
    for body in (
        {**base},
        {**base, "customer_ids": [buyer.customer_id], "send_to_all": True},
        {**base, "customer_ids": []},
        {**base, "channel": "fax", "send_to_all": True},
    ):
        response = await client.post("/admin/notifications/send", headers=admin_headers, json=body)
        assert response.status_code == 422, body
    unknown = await client.post(
        "/admin/notifications/send",
        headers=admin_headers,
        json={**base, "customer_ids": [buyer.customer_id, 987654321]},
    )
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_customers")
    assert "987654321" in unknown.json()["detail"]


async def test_broadcast_is_written_by_the_job(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/admin/notifications/send",
        headers=admin_headers,
        json={"title": "Hello all", "message": "m", "channel": "in_app", "send_to_all": True},
    )
    body = response.json()
    broadcast_id = body["broadcast_id"]
    active = await db.scalar(
        select(func.count())
        .select_from(Customer)
        .where(Customer.account_status == "active", Customer.deleted_at.is_(None))
    )
    assert body["total_sent"] == active
    assert (
        await db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.broadcast_id == broadcast_id)
        )
        == 0
    )  # nothing written in the request
    while await service.fan_out_broadcast(db, broadcast_id):
        pass
    written = await db.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.broadcast_id == broadcast_id)
    )
    assert written == active
    broadcast = await db.get(NotificationBroadcast, broadcast_id)
    assert broadcast is not None and broadcast.status == "completed"
    assert await service.fan_out_broadcast(db, broadcast_id) == 0  # a second run adds nothing


async def test_admin_lists_and_stats(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    await recharge(client, db, buyer)
    listing = await client.get(
        "/admin/notifications/", headers=admin_headers, params={"customer_id": buyer.customer_id}
    )
    assert {r["type"] for r in listing.json()} == {"payment_success", "plan_activated"}
    filtered = await client.get(
        "/admin/notifications/",
        headers=admin_headers,
        params={"customer_id": buyer.customer_id, "notification_type": "plan_activated"},
    )
    assert [r["type"] for r in filtered.json()] == ["plan_activated"]
    stats = (await client.get("/admin/notifications/stats", headers=admin_headers)).json()
    assert stats["by_status"].get("pending", 0) >= 2 and stats["sent_today"] >= 0
    while await service.deliver_next(db):
        pass
    after = (await client.get("/admin/notifications/stats", headers=admin_headers)).json()
    assert after["sent_today"] >= stats["sent_today"] + 2
    automated = (
        await client.get("/admin/notifications/automated-stats", headers=admin_headers)
    ).json()
    assert automated["automated_by_type"].get("payment_success", 0) >= 1
    assert len(automated["recent_automated"]) <= 10


async def test_inactivity_warnings_and_deactivation(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    async def advance(days: int) -> None:
        moved = await client.post(
            "/admin/test-clock", json={"advance_seconds": days * 86400}, headers=admin_headers
        )
        assert moved.status_code == 200

    customer = await db.get(Customer, buyer.customer_id)
    assert customer is not None
    await advance(31)
    assert (await notification_types(db, buyer.customer_id)).count("inactivity_warning") == 1
    await advance(1)
    assert (await notification_types(db, buyer.customer_id)).count("inactivity_warning") == 1
    await advance(30)
    assert (await notification_types(db, buyer.customer_id)).count("inactivity_warning") == 2
    await advance(30)
    await db.refresh(customer)
    assert (customer.account_status, customer.status_reason) == ("inactive", "inactivity")
    assert customer.days_inactive >= 90
    assert (await notification_types(db, buyer.customer_id)).count("inactivity_warning") == 3
    # inactive through inactivity still signs in; a recharge makes the account active again
    tokens = await login_customer(client, buyer.phone_number)
    await recharge(
        client, db, Buyer(buyer.customer_id, buyer.phone_number, bearer(tokens["access_token"]))
    )
    await db.refresh(customer)
    assert (customer.account_status, customer.days_inactive) == ("active", 0)
