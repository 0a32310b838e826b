"""Linked accounts: links, recharging a linked number like one's own, spending, admin views."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.core.db import get_sessionmaker
from nexa.models import LinkedAccount
from tests.cleanup import purge
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]


async def link(client: httpx.AsyncClient, buyer: Buyer, phone: str) -> dict[str, object]:
    response = await client.post(
        "/customer/linked-accounts", headers=buyer.headers, json={"linked_phone_number": phone}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def at(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


async def test_links_rules_and_resolution(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    own = await client.post(
        "/customer/linked-accounts",
        headers=buyer.headers,
        json={"linked_phone_number": "+91" + buyer.phone_number},
    )
    assert (own.status_code, own.json()["code"]) == (400, "cannot_link_own_number")
    stranger = unique_phone()
    created = await link(client, buyer, stranger)
    assert (created["is_registered_user"], created["linked_customer_id"]) == (False, None)
    again = await client.post(
        "/customer/linked-accounts", headers=buyer.headers, json={"linked_phone_number": stranger}
    )
    assert (again.status_code, again.json()["code"]) == (400, "already_linked")
    # the number registers later: the link shows it at once (resolved on read)
    friend = await make_customer(db, phone_number=stranger, full_name="Friend")
    listing = (await client.get("/customer/linked-accounts", headers=buyer.headers)).json()
    assert [
        (r["linked_customer_id"], r["linked_customer_name"], r["is_registered_user"])
        for r in listing
    ] == [(friend.customer_id, "Friend", True)]
    for _ in range(4):
        await link(client, buyer, unique_phone())
    sixth = await client.post(
        "/customer/linked-accounts",
        headers=buyer.headers,
        json={"linked_phone_number": unique_phone()},
    )
    assert (sixth.status_code, sixth.json()["code"]) == (400, "link_limit_reached")


async def test_other_customers_links_are_404(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    created = await link(client, buyer, unique_phone())
    link_id = created["linked_account_id"]
    other = await make_customer(db)
    other_headers = bearer((await login_customer(client, other.phone_number))["access_token"])
    plan = await make_plan(db)
    for method, path, body in (
        ("GET", f"/customer/linked-accounts?linked_account_id={link_id}", None),
        ("DELETE", f"/customer/linked-accounts/{link_id}", None),
        (
            "POST",
            f"/customer/linked-accounts/{link_id}/recharge",
            {"linked_account_id": link_id, "plan_id": plan.plan_id, "payment_method": "upi"},
        ),
        ("GET", f"/customer/linked-accounts/{link_id}/spending", None),
        ("GET", f"/customer/linked-accounts/{link_id}/subscriptions", None),
    ):
        response = await client.request(method, path, json=body, headers=other_headers)
        assert (response.status_code, response.json()["code"]) == (
            404,
            "linked_account_not_found",
        ), path
    still = await db.scalar(
        select(func.count())
        .select_from(LinkedAccount)
        .where(LinkedAccount.linked_account_id == link_id)
    )
    assert still == 1


async def test_linked_recharge_queues_behind_the_numbers_plan_and_spending_adds_up(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = await make_customer(db)
    family_phone, family_id = family.phone_number, family.customer_id
    family_headers = bearer((await login_customer(client, family_phone))["access_token"])
    plan = await make_plan(db, price=Decimal("299.00"), validity_days=28)
    # the family member's own active plan
    own = (
        await client.post(
            "/customer/recharge",
            headers=family_headers,
            json={
                "plan_id": plan.plan_id,
                "recipient_phone_number": family_phone,
                "payment_method": "upi",
            },
        )
    ).json()
    link_id = (await link(client, buyer, family_phone))["linked_account_id"]
    body = {"linked_account_id": 999, "plan_id": plan.plan_id, "payment_method": "upi"}
    headers = {**buyer.headers, "Idempotency-Key": "linked-1"}
    first = await client.post(
        f"/customer/linked-accounts/{link_id}/recharge", headers=headers, json=body
    )
    assert first.status_code == 200, first.text
    queued = first.json()
    assert (
        queued["linked_phone_number"],
        queued["subscription_status"],
        queued["queue_position"],
    ) == (family_phone, "queued", 1)
    assert at(queued["activation_date"]) == at(own["expiry_date"])  # right behind it
    replay = await client.post(
        f"/customer/linked-accounts/{link_id}/recharge", headers=headers, json=body
    )
    assert replay.json()["transaction_id"] == queued["transaction_id"]  # charged once
    cheaper = await make_plan(db, price=Decimal("149.50"))
    await client.post(
        f"/customer/linked-accounts/{link_id}/recharge",
        headers=buyer.headers,
        json={**body, "plan_id": cheaper.plan_id},
    )
    monkeypatch.setattr(get_settings(), "payment_simulator", "decline")
    declined = await client.post(
        f"/customer/linked-accounts/{link_id}/recharge", headers=buyer.headers, json=body
    )
    assert declined.status_code == 402
    monkeypatch.undo()

    spending = (
        await client.get(f"/customer/linked-accounts/{link_id}/spending", headers=buyer.headers)
    ).json()
    assert (spending["total_spent"], spending["transaction_count"]) == (448.50, 2)
    plans = (
        await client.get(
            f"/customer/linked-accounts/{link_id}/subscriptions", headers=buyer.headers
        )
    ).json()
    assert [(p["status"], p["queue_position"]) for p in plans] == [("queued", 1), ("queued", 2)]
    detail = (
        await client.get(
            "/customer/linked-accounts",
            headers=buyer.headers,
            params={"linked_account_id": link_id},
        )
    ).json()[0]
    assert (detail["total_spent"], detail["active_subscriptions"]) == (448.50, 2)
    # the family member owns the plans bought for their number
    mine = (await client.get("/customer/usage", headers=family_headers)).json()
    assert mine["has_active_plan"] is True
    assert family_id > 0


async def test_admin_linked_account_views(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    family = await make_customer(db, full_name="Sister")
    family_id, family_phone = family.customer_id, family.phone_number
    link_id = (await link(client, buyer, family_phone))["linked_account_id"]
    listing = (
        await client.get(
            "/admin/linked-accounts/",
            headers=admin_headers,
            params={"primary_customer_id": buyer.customer_id},
        )
    ).json()
    assert [r["linked_account_id"] for r in listing] == [link_id]
    relations = (
        await client.get(f"/admin/linked-accounts/customer/{family_id}", headers=admin_headers)
    ).json()
    assert [r["linked_account_id"] for r in relations["as_linked_account"]] == [link_id]
    assert relations["as_primary_owner"] == []
    removed = await client.delete(f"/admin/linked-accounts/{link_id}", headers=admin_headers)
    assert removed.status_code == 200
    gone = await client.delete(f"/admin/linked-accounts/{link_id}", headers=admin_headers)
    assert gone.status_code == 404
    nobody = await client.get("/admin/linked-accounts/customer/999999999", headers=admin_headers)
    assert nobody.status_code == 404


async def test_concurrent_links_never_exceed_five(committing_client: httpx.AsyncClient) -> None:
    async with get_sessionmaker()() as db, db.begin():
        owner = await make_customer(db)
        owner_id, owner_phone = owner.customer_id, owner.phone_number
    try:
        headers = bearer((await login_customer(committing_client, owner_phone))["access_token"])
        responses = await asyncio.gather(
            *(
                committing_client.post(
                    "/customer/linked-accounts",
                    headers=headers,
                    json={"linked_phone_number": unique_phone()},
                )
                for _ in range(8)
            )
        )
        assert sorted(r.status_code for r in responses) == [200] * 5 + [400] * 3
        async with get_sessionmaker()() as db:
            count = await db.scalar(
                select(func.count())
                .select_from(LinkedAccount)
                .where(LinkedAccount.primary_customer_id == owner_id)
            )
        assert count == 5
    finally:
        await purge(customer_ids=[owner_id], phones=[owner_phone])
