"""The in-process caches: what another process commits reaches them through NOTIFY."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal

import httpx
import jwt
import psycopg

from nexa.auth import session_cache
from nexa.catalog import cache as catalog_cache
from nexa.core.db import database_url, libpq_url
from nexa.core.invalidation import LocalCache, listener
from tests.cleanup import committed_customer_and_plan, purge
from tests.helpers import bearer, login_customer


async def commit_elsewhere(statement: str, *params: object) -> None:
    """Change the database as another NEXA process (or a DBA) would."""
    async with await psycopg.AsyncConnection.connect(libpq_url(database_url())) as other:
        await other.execute(statement, params)
        await other.commit()


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 3) -> bool:
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_session_revoked_by_another_process_is_refused_within_moments(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan()
    try:
        token = (await login_customer(committing_client, setup.phone_number))["access_token"]
        session_id = uuid.UUID(jwt.decode(token, options={"verify_signature": False})["sid"])
        profile = await committing_client.get("/customer/profile", headers=bearer(token))
        assert profile.status_code == 200
        assert session_cache.cache.get(session_id) is not None  # the next request needs no query

        await commit_elsewhere(
            "UPDATE auth_session SET revoked_at = now() WHERE session_id = %s", session_id
        )

        async def refused() -> bool:
            response = await committing_client.get("/customer/plans", headers=bearer(token))
            return response.status_code == 401 and response.json()["code"] == "session_revoked"

        assert await eventually(refused)
        assert session_cache.cache.get(session_id) is None
    finally:
        await purge(
            customer_ids=[setup.customer_id],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )


async def test_suspending_an_account_elsewhere_ends_its_cached_sessions(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan()
    try:
        token = (await login_customer(committing_client, setup.phone_number))["access_token"]
        assert (await committing_client.get("/customer/plans", headers=bearer(token))).is_success

        await commit_elsewhere(
            "UPDATE customer SET account_status = 'suspended' WHERE customer_id = %s",
            setup.customer_id,
        )

        async def refused() -> bool:
            response = await committing_client.get("/customer/plans", headers=bearer(token))
            return response.status_code == 403 and response.json()["code"] == "account_suspended"

        assert await eventually(refused)
    finally:
        await purge(
            customer_ids=[setup.customer_id],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )


async def test_a_plan_edited_by_another_process_shows_in_the_cached_listing(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan(price=Decimal("111.00"))
    try:
        token = (await login_customer(committing_client, setup.phone_number))["access_token"]
        params = {"category_id": setup.category_id}

        async def listed_prices() -> list[float]:
            response = await committing_client.get(
                "/customer/plans", headers=bearer(token), params=params
            )
            assert response.status_code == 200
            assert response.headers["x-total-count"] == str(len(response.json()))
            return [plan["price"] for plan in response.json()]

        assert await listed_prices() == [111.0]
        assert len(catalog_cache.plan_pages) > 0  # the page is held in memory now

        await commit_elsewhere("UPDATE plan SET price = 123.45 WHERE plan_id = %s", setup.plan_id)

        async def repriced() -> bool:
            return await listed_prices() == [123.45]

        assert await eventually(repriced)

        await commit_elsewhere(
            "UPDATE plan SET status = 'inactive' WHERE plan_id = %s", setup.plan_id
        )

        async def withdrawn() -> bool:
            return await listed_prices() == []

        assert await eventually(withdrawn)
    finally:
        await purge(
            customer_ids=[setup.customer_id],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )


async def test_a_plan_repriced_or_withdrawn_by_another_process_is_sold_so_within_moments(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan(price=Decimal("149.00"))
    try:
        token = (await login_customer(committing_client, setup.phone_number))["access_token"]

        async def buy() -> httpx.Response:
            return await committing_client.post(
                "/customer/recharge",
                json={
                    "plan_id": setup.plan_id,
                    "recipient_phone_number": setup.phone_number,
                    "payment_method": "upi",
                },
                headers=bearer(token),
            )

        first = await buy()
        assert (first.status_code, first.json()["final_amount"]) == (200, 149.0)
        assert catalog_cache.plans_for_sale.get(setup.plan_id) is not None  # held in memory

        await commit_elsewhere("UPDATE plan SET price = 175.00 WHERE plan_id = %s", setup.plan_id)

        async def repriced() -> bool:
            return catalog_cache.plans_for_sale.get(setup.plan_id) is None

        assert await eventually(repriced)
        second = await buy()
        assert (second.status_code, second.json()["final_amount"]) == (200, 175.0)

        await commit_elsewhere(
            "UPDATE plan SET status = 'inactive' WHERE plan_id = %s", setup.plan_id
        )

        async def withdrawn() -> bool:
            refused = await buy()
            return (refused.status_code, refused.json().get("code")) == (404, "plan_not_found")

        assert await eventually(withdrawn)
    finally:
        await purge(
            customer_ids=[setup.customer_id],
            phones=[setup.phone_number],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )


async def test_an_offer_starting_later_changes_the_listing_when_it_starts(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan(price=Decimal("200.00"))
    try:
        token = (await login_customer(committing_client, setup.phone_number))["access_token"]
        await commit_elsewhere(
            "INSERT INTO offer (plan_id, offer_name, discounted_price, valid_from, valid_until)"
            " VALUES (%s, 'Soon', 150.00, now() + interval '1 second', now() + interval '1 day')",
            setup.plan_id,
        )
        params = {"category_id": setup.category_id}

        async def offer_price() -> object:
            response = await committing_client.get(
                "/customer/plans", headers=bearer(token), params=params
            )
            return response.json()[0]["offer_price"]

        assert await offer_price() is None
        await asyncio.sleep(1.1)  # no notification marks an offer's start: the boundary does
        assert await offer_price() == 150.0
    finally:
        await commit_elsewhere("DELETE FROM offer WHERE plan_id = %s", setup.plan_id)
        await purge(
            customer_ids=[setup.customer_id],
            plan_ids=[setup.plan_id],
            category_ids=[setup.category_id],
        )


async def test_caches_answer_nothing_while_the_listener_is_cut_off() -> None:
    cache: LocalCache[str, int] = LocalCache("test", max_entries=2)
    listener.register(cache)
    cache.put("a", 1, cache.generation())
    assert cache.get("a") == 1
    # the database drops the LISTEN connection: notifications may be missed from now on
    await commit_elsewhere(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND query LIKE 'LISTEN %%'"
    )

    async def distrusted() -> bool:
        return cache.get("a") is None

    assert await eventually(distrusted)
    cache.put("b", 2, cache.generation())
    assert len(cache) == 0  # nothing is kept while notifications could be missed

    async def trusted_again() -> bool:  # the listener reconnects by itself
        cache.put("a", 1, cache.generation())
        return cache.get("a") == 1

    assert await eventually(trusted_again, seconds=10)


async def test_a_fill_that_raced_an_invalidation_is_not_kept() -> None:
    cache: LocalCache[str, int] = LocalCache("race", max_entries=2)
    listener.register(cache)
    before_read = cache.generation()
    cache.evict("anything")  # a NOTIFY arrives while the filler reads the database
    cache.put("k", 1, before_read)
    assert cache.get("k") is None
    cache.put("k", 1, cache.generation())
    cache.put("l", 2, cache.generation())
    cache.put("m", 3, cache.generation())
    assert (cache.get("k"), cache.get("m"), len(cache)) == (None, 3, 2)  # bounded, LRU
