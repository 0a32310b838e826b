"""Customer links: rules, resolution of the linked number, listing, removal, auth, ownership."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.linked_account.repository import LinkedAccountRepository
from nexa.linked_account.service import MAX_LINKED_ACCOUNTS
from nexa.models import Customer, LinkedAccount, Transaction
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer
from tests.linked_account import LINKS, link, money, recharge_body
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["admin_headers", "buyer"]


async def links_of(db: AsyncSession, customer_id: int) -> list[str]:
    rows = await db.scalars(
        select(LinkedAccount.linked_phone_number)
        .where(LinkedAccount.primary_customer_id == customer_id)
        .order_by(LinkedAccount.linked_account_id)
    )
    return list(rows)


async def test_customer_endpoints_need_a_customer_token(
    client: httpx.AsyncClient, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    link_id = (await link(client, buyer, unique_phone()))["linked_account_id"]
    calls: list[tuple[str, str, object]] = [
        ("POST", LINKS, {"linked_phone_number": unique_phone()}),
        ("GET", LINKS, None),
        ("GET", f"{LINKS}?linked_account_id={link_id}", None),
        ("DELETE", f"{LINKS}/{link_id}", None),
        ("POST", f"{LINKS}/{link_id}/recharge", recharge_body(link_id, 1)),
        ("GET", f"{LINKS}/{link_id}/spending", None),
        ("GET", f"{LINKS}/{link_id}/subscriptions", None),
    ]
    for method, path, body in calls:
        anonymous = await client.request(method, path, json=body)
        assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not_authenticated")
        admin = await client.request(method, path, json=body, headers=admin_headers)
        assert (admin.status_code, admin.json()["code"]) == (403, "customer_only"), path
    # the link survived every refused call
    listing = await client.get(LINKS, headers=buyer.headers)
    assert [row["linked_account_id"] for row in listing.json()] == [link_id]


async def test_add_link_normalises_and_answers_the_reference_fields(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    phone = unique_phone()
    created = await link(client, buyer, f"+91 {phone[:5]}-{phone[5:]}")
    assert created["linked_phone_number"] == phone
    assert created["primary_customer_id"] == buyer.customer_id
    assert created["primary_customer_name"] == "Test Customer"
    assert (created["linked_customer_id"], created["linked_customer_name"]) == (None, None)
    assert created["is_registered_user"] is False
    assert created["created_at"]
    assert await links_of(db, buyer.customer_id) == [phone]


@pytest.mark.parametrize("form", ["{}", "+91{}", "0{}", "91{}", "+91 {}"])
async def test_own_number_cannot_be_linked_in_any_form(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, form: str
) -> None:
    response = await client.post(
        LINKS,
        headers=buyer.headers,
        json={"linked_phone_number": form.format(buyer.phone_number)},
    )
    assert (response.status_code, response.json()["code"]) == (400, "cannot_link_own_number")
    assert await links_of(db, buyer.customer_id) == []


@pytest.mark.parametrize("bad", ["12345", "abcdefghij", "+1 415 555 0100", "", None, 9876543210])
async def test_malformed_numbers_are_422(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, bad: object
) -> None:
    response = await client.post(LINKS, headers=buyer.headers, json={"linked_phone_number": bad})
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert await links_of(db, buyer.customer_id) == []


async def test_a_number_is_linked_once_per_customer_but_by_many_customers(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    phone = unique_phone()
    await link(client, buyer, phone)
    again = await client.post(
        LINKS, headers=buyer.headers, json={"linked_phone_number": "0" + phone}
    )
    assert (again.status_code, again.json()["code"]) == (400, "already_linked")
    assert await links_of(db, buyer.customer_id) == [phone]
    other = await make_customer(db)
    other_id = other.customer_id
    other_headers = bearer((await login_customer(client, other))["access_token"])
    theirs = await client.post(LINKS, headers=other_headers, json={"linked_phone_number": phone})
    assert theirs.status_code == 200
    assert await links_of(db, other_id) == [phone]


async def test_at_most_five_links_and_a_removed_one_frees_a_place(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    assert MAX_LINKED_ACCOUNTS == 5
    ids = [(await link(client, buyer, unique_phone()))["linked_account_id"] for _ in range(5)]
    sixth_phone = unique_phone()
    sixth = await client.post(
        LINKS, headers=buyer.headers, json={"linked_phone_number": sixth_phone}
    )
    assert (sixth.status_code, sixth.json()["code"]) == (400, "link_limit_reached")
    assert len(await links_of(db, buyer.customer_id)) == 5
    removed = await client.delete(f"{LINKS}/{ids[0]}", headers=buyer.headers)
    assert removed.status_code == 200
    await link(client, buyer, sixth_phone)
    phones = await links_of(db, buyer.customer_id)
    assert len(phones) == 5 and phones[-1] == sixth_phone


async def test_losing_the_unique_index_race_is_already_linked_not_500(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = unique_phone()
    await link(client, buyer, phone)

    async def not_seen(self: LinkedAccountRepository, customer_id: int, phone: str) -> bool:
        return False  # as if a concurrent insert committed after the check

    monkeypatch.setattr(LinkedAccountRepository, "exists", not_seen)
    response = await client.post(LINKS, headers=buyer.headers, json={"linked_phone_number": phone})
    assert (response.status_code, response.json()["code"]) == (400, "already_linked")
    assert await links_of(db, buyer.customer_id) == [phone]


async def test_registration_of_the_linked_number_is_resolved_on_every_read(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    later = unique_phone()
    await link(client, buyer, later)
    sister = await make_customer(db, full_name="Sister")
    sister_id, sister_phone = sister.customer_id, sister.phone_number
    created = await link(client, buyer, sister_phone)
    assert (created["linked_customer_id"], created["linked_customer_name"]) == (
        sister_id,
        "Sister",
    )
    assert created["is_registered_user"] is True

    def resolution(rows: list[dict[str, object]]) -> list[tuple[object, object, object]]:
        return [
            (r["linked_customer_id"], r["linked_customer_name"], r["is_registered_user"])
            for r in rows
        ]

    listing = (await client.get(LINKS, headers=buyer.headers)).json()
    assert resolution(listing) == [(None, None, False), (sister_id, "Sister", True)]
    # the first number registers afterwards: the link shows it at once
    friend = await make_customer(db, phone_number=later, full_name="Friend")
    friend_id = friend.customer_id
    listing = (await client.get(LINKS, headers=buyer.headers)).json()
    assert resolution(listing) == [(friend_id, "Friend", True), (sister_id, "Sister", True)]
    # a deleted account no longer counts as registered
    await db.execute(
        update(Customer).where(Customer.customer_id == sister_id).values(deleted_at=clock.now())
    )
    listing = (await client.get(LINKS, headers=buyer.headers)).json()
    assert resolution(listing) == [(friend_id, "Friend", True), (None, None, False)]


async def test_listing_shows_only_the_callers_links_paginated(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    phones = [unique_phone() for _ in range(3)]
    for phone in phones:
        await link(client, buyer, phone)
    # someone who linked the buyer's number: that link is theirs, not the buyer's
    other = await make_customer(db)
    other_headers = bearer((await login_customer(client, other))["access_token"])
    theirs = await client.post(
        LINKS, headers=other_headers, json={"linked_phone_number": buyer.phone_number}
    )
    assert theirs.status_code == 200
    everything = await client.get(LINKS, headers=buyer.headers)
    assert everything.headers["x-total-count"] == "3"
    assert [r["linked_phone_number"] for r in everything.json()] == phones
    assert {r["primary_customer_id"] for r in everything.json()} == {buyer.customer_id}
    page = await client.get(LINKS, headers=buyer.headers, params={"skip": 1, "limit": 1})
    assert [r["linked_phone_number"] for r in page.json()] == phones[1:2]
    assert page.headers["x-total-count"] == "3"
    # list items carry no per-link figures; those come with ?linked_account_id=
    assert everything.json()[0]["total_spent"] is None


async def test_one_link_by_id_has_spending_and_active_plans(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    first = await link(client, buyer, unique_phone())
    await link(client, buyer, unique_phone())
    link_id = first["linked_account_id"]
    empty = await client.get(LINKS, headers=buyer.headers, params={"linked_account_id": link_id})
    assert empty.status_code == 200
    assert [
        (r["linked_account_id"], r["total_spent"], r["active_subscriptions"]) for r in empty.json()
    ] == [(link_id, 0.0, 0)]
    plan = await make_plan(db, price=money("199.00"))
    bought = await client.post(
        f"{LINKS}/{link_id}/recharge",
        headers=buyer.headers,
        json=recharge_body(link_id, plan.plan_id),
    )
    assert bought.status_code == 200, bought.text
    queued = await client.post(
        f"{LINKS}/{link_id}/recharge",
        headers=buyer.headers,
        json=recharge_body(link_id, plan.plan_id),
    )
    assert queued.json()["subscription_status"] == "queued"
    detail = (
        await client.get(LINKS, headers=buyer.headers, params={"linked_account_id": link_id})
    ).json()
    assert len(detail) == 1
    # two paid, one of them active now (the other waits in the queue)
    assert (money(detail[0]["total_spent"]), detail[0]["active_subscriptions"]) == (
        money("398.00"),
        1,
    )
    missing = await client.get(
        LINKS, headers=buyer.headers, params={"linked_account_id": 987654321}
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "linked_account_not_found")


async def test_remove_link(client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer) -> None:
    keep, drop = unique_phone(), unique_phone()
    await link(client, buyer, keep)
    drop_id = (await link(client, buyer, drop))["linked_account_id"]
    removed = await client.delete(f"{LINKS}/{drop_id}", headers=buyer.headers)
    assert removed.status_code == 200 and removed.json()["message"]
    assert await links_of(db, buyer.customer_id) == [keep]
    again = await client.delete(f"{LINKS}/{drop_id}", headers=buyer.headers)
    assert (again.status_code, again.json()["code"]) == (404, "linked_account_not_found")
    slash = await client.delete(f"{LINKS}/{drop_id}/", headers=buyer.headers)
    assert slash.status_code == 404


async def test_another_customers_link_is_404_everywhere_and_untouched(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    phone = unique_phone()
    link_id = (await link(client, buyer, phone))["linked_account_id"]
    other = await make_customer(db)
    other_id = other.customer_id
    other_headers = bearer((await login_customer(client, other))["access_token"])
    plan = await make_plan(db)
    for method, path, body in (
        ("GET", f"{LINKS}?linked_account_id={link_id}", None),
        ("DELETE", f"{LINKS}/{link_id}", None),
        ("POST", f"{LINKS}/{link_id}/recharge", recharge_body(link_id, plan.plan_id)),
        ("GET", f"{LINKS}/{link_id}/spending", None),
        ("GET", f"{LINKS}/{link_id}/subscriptions", None),
    ):
        response = await client.request(method, path, json=body, headers=other_headers)
        assert (response.status_code, response.json()["code"]) == (
            404,
            "linked_account_not_found",
        ), path
        assert str(link_id) in response.json()["detail"]
    assert await links_of(db, buyer.customer_id) == [phone]
    charged = await db.scalar(
        select(func.count()).select_from(Transaction).where(Transaction.customer_id == other_id)
    )
    assert charged == 0
    # the other customer's own listing does not show it either
    assert (await client.get(LINKS, headers=other_headers)).json() == []


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", str(2**63)])
async def test_malformed_link_ids_are_422(
    client: httpx.AsyncClient, buyer: Buyer, bad_id: str
) -> None:
    for path in (f"{LINKS}/{bad_id}/spending", f"{LINKS}/{bad_id}/subscriptions"):
        response = await client.get(path, headers=buyer.headers)
        assert response.status_code == 422, path
    listing = await client.get(LINKS, headers=buyer.headers, params={"linked_account_id": bad_id})
    assert listing.status_code == 422
