"""Admin views of links: listing with filters (no N+1), a customer's relations, removal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.db import get_engine
from nexa.models import Customer, LinkedAccount
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer
from tests.linked_account import link
from tests.recharge.conftest import Buyer, admin_headers, buyer

__all__ = ["admin_headers", "buyer"]

ADMIN = "/admin/linked-accounts"


@pytest.fixture
async def statements() -> AsyncIterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    engine = get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def test_admin_endpoints_need_an_admin(
    client: httpx.AsyncClient, buyer: Buyer, db: AsyncSession
) -> None:
    link_id = (await link(client, buyer, unique_phone()))["linked_account_id"]
    for method, path in (
        ("GET", f"{ADMIN}/"),
        ("GET", ADMIN),
        ("GET", f"{ADMIN}/customer/{buyer.customer_id}"),
        ("DELETE", f"{ADMIN}/{link_id}"),
    ):
        anonymous = await client.request(method, path)
        assert anonymous.status_code == 401, path
        customer = await client.request(method, path, headers=buyer.headers)
        assert (customer.status_code, customer.json()["code"]) == (403, "admin_only"), path
    assert await db.scalar(select(func.count()).where(LinkedAccount.linked_account_id == link_id))


async def test_admin_listing_filters_and_resolves_names(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    brother = await make_customer(db, full_name="Brother")
    brother_id, brother_phone = brother.customer_id, brother.phone_number
    other = await make_customer(db, full_name="Other Primary")
    other_id = other.customer_id
    other_headers = bearer((await login_customer(client, other))["access_token"])
    stranger = unique_phone()
    mine = [await link(client, buyer, brother_phone), await link(client, buyer, stranger)]
    theirs = await client.post(
        "/customer/linked-accounts",
        headers=other_headers,
        json={"linked_phone_number": brother_phone},
    )
    theirs_id = theirs.json()["linked_account_id"]

    by_primary = await client.get(
        f"{ADMIN}/", headers=admin_headers, params={"primary_customer_id": buyer.customer_id}
    )
    assert by_primary.headers["x-total-count"] == "2"
    rows = by_primary.json()
    assert [r["linked_account_id"] for r in rows] == [m["linked_account_id"] for m in mine]
    assert rows[0] | {"created_at": None} == {
        "linked_account_id": mine[0]["linked_account_id"],
        "primary_customer_id": buyer.customer_id,
        "linked_phone_number": brother_phone,
        "linked_customer_id": brother_id,
        "created_at": None,
        "primary_customer_name": "Test Customer",
        "linked_customer_name": "Brother",
        "is_registered_user": True,
        "active_subscriptions": None,
        "total_spent": None,
    }
    assert (rows[1]["linked_customer_id"], rows[1]["is_registered_user"]) == (None, False)

    # contains; a whole number in any accepted form; both customers' links to it
    for fragment in (brother_phone[3:8], "+91 " + brother_phone, brother_phone):
        found = await client.get(
            f"{ADMIN}/", headers=admin_headers, params={"linked_phone": fragment}
        )
        ids = {r["linked_account_id"] for r in found.json()}
        assert {mine[0]["linked_account_id"], theirs_id} <= ids, fragment
        assert mine[1]["linked_account_id"] not in ids or stranger.find(fragment) >= 0
    both = await client.get(
        f"{ADMIN}/",
        headers=admin_headers,
        params={"linked_phone": brother_phone, "primary_customer_id": other_id},
    )
    assert [r["linked_account_id"] for r in both.json()] == [theirs_id]
    wildcard = await client.get(f"{ADMIN}/", headers=admin_headers, params={"linked_phone": "%"})
    assert wildcard.status_code == 200 and wildcard.json() == []
    page = await client.get(
        ADMIN,
        headers=admin_headers,
        params={"primary_customer_id": buyer.customer_id, "skip": 1, "limit": 1},
    )
    assert [r["linked_account_id"] for r in page.json()] == [mine[1]["linked_account_id"]]
    assert (
        await client.get(f"{ADMIN}/", headers=admin_headers, params={"limit": 0})
    ).status_code == 422


async def test_admin_listing_query_count_does_not_grow_with_links(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    admin_headers: dict[str, str],
    statements: list[str],
) -> None:
    await link(client, buyer, (await make_customer(db)).phone_number)
    params = {"primary_customer_id": buyer.customer_id}
    await client.get(f"{ADMIN}/", headers=admin_headers, params=params)  # session now cached
    statements.clear()
    one = await client.get(f"{ADMIN}/", headers=admin_headers, params=params)
    queries_for_one = len(statements)
    for _ in range(4):
        await link(client, buyer, (await make_customer(db)).phone_number)
    statements.clear()
    five = await client.get(f"{ADMIN}/", headers=admin_headers, params=params)
    assert (len(one.json()), len(five.json())) == (1, 5)
    assert len(statements) == queries_for_one
    assert all(r["is_registered_user"] for r in five.json())


async def test_admin_customer_relations(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    sister = await make_customer(db, full_name="Sister")
    sister_id, sister_phone = sister.customer_id, sister.phone_number
    stranger = unique_phone()
    to_sister = await link(client, buyer, sister_phone)
    to_stranger = await link(client, buyer, stranger)
    sister_headers = bearer((await login_customer(client, sister))["access_token"])
    back = await client.post(
        "/customer/linked-accounts",
        headers=sister_headers,
        json={"linked_phone_number": buyer.phone_number},
    )
    back_id = back.json()["linked_account_id"]

    response = await client.get(f"{ADMIN}/customer/{buyer.customer_id}", headers=admin_headers)
    assert response.status_code == 200
    body = response.json()
    assert body["customer"] == {
        "customer_id": buyer.customer_id,
        "full_name": "Test Customer",
        "phone_number": buyer.phone_number,
    }
    assert [
        (
            r["linked_account_id"],
            r["linked_phone_number"],
            r["linked_customer_name"],
            r["is_registered_user"],
        )
        for r in body["as_primary_owner"]
    ] == [
        (to_sister["linked_account_id"], sister_phone, "Sister", True),
        (to_stranger["linked_account_id"], stranger, None, False),
    ]
    assert all(r["created_at"] for r in body["as_primary_owner"])
    assert [
        (r["linked_account_id"], r["primary_customer_name"], r["primary_phone_number"])
        for r in body["as_linked_account"]
    ] == [(back_id, "Sister", sister_phone)]

    sisters = (await client.get(f"{ADMIN}/customer/{sister_id}", headers=admin_headers)).json()
    assert [r["linked_account_id"] for r in sisters["as_primary_owner"]] == [back_id]
    assert [r["linked_account_id"] for r in sisters["as_linked_account"]] == [
        to_sister["linked_account_id"]
    ]

    missing = await client.get(f"{ADMIN}/customer/987654321", headers=admin_headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "customer_not_found")
    await db.execute(
        update(Customer).where(Customer.customer_id == sister_id).values(deleted_at=clock.now())
    )
    deleted = await client.get(f"{ADMIN}/customer/{sister_id}", headers=admin_headers)
    assert deleted.status_code == 404
    bad = await client.get(f"{ADMIN}/customer/0", headers=admin_headers)
    assert bad.status_code == 422


async def test_admin_removes_any_link(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    keep = await link(client, buyer, unique_phone())
    drop = await link(client, buyer, unique_phone())
    removed = await client.delete(f"{ADMIN}/{drop['linked_account_id']}", headers=admin_headers)
    assert removed.status_code == 200 and removed.json()["message"]
    listing = (await client.get("/customer/linked-accounts", headers=buyer.headers)).json()
    assert [r["linked_account_id"] for r in listing] == [keep["linked_account_id"]]
    again = await client.delete(f"{ADMIN}/{drop['linked_account_id']}", headers=admin_headers)
    assert (again.status_code, again.json()["code"]) == (404, "linked_account_not_found")
    # the customer no longer reaches it either
    gone = await client.get(
        f"/customer/linked-accounts/{drop['linked_account_id']}/spending", headers=buyer.headers
    )
    assert gone.status_code == 404
