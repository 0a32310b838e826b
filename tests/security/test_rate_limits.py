"""Rate limits: brute force on login and register, payment floods, the per-address ceiling.

Every refusal is 429 `rate_limited` with a `Retry-After` in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.auth.dependencies import PAYMENT_ROUTES
from nexa.core import rate_limit
from nexa.core.config import get_settings
from tests.factories.accounts import make_customer, unique_phone
from tests.factories.catalog import make_plan
from tests.helpers import bearer, login_customer


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set limits with `limits.setattr(get_settings(), "...", "2/minute")`; fresh counters."""
    rate_limit.reset()
    yield monkeypatch
    monkeypatch.undo()
    rate_limit.reset()


def assert_rate_limited(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response.headers["retry-after"]) <= 3600


async def test_login_brute_force_per_number_is_429_with_retry_after(
    client: httpx.AsyncClient, db: AsyncSession, limits: pytest.MonkeyPatch
) -> None:
    limits.setattr(get_settings(), "login_rate_limit", "3/minute")
    rate_limit.reset()
    customer = await make_customer(db)
    for _ in range(3):
        wrong = await client.post(
            "/customer/login", json={"phone_number": customer.phone_number, "password": "nope!!"}
        )
        assert wrong.status_code == 401
    blocked = await client.post(
        "/customer/login", json={"phone_number": customer.phone_number, "password": "x" * 8}
    )
    assert_rate_limited(blocked)
    assert int(blocked.headers["retry-after"]) <= 60


async def test_failed_logins_per_address_refuse_only_wrong_passwords(
    client: httpx.AsyncClient, db: AsyncSession, limits: pytest.MonkeyPatch
) -> None:
    """The per-address limit is its own setting, counts failures across numbers, and refuses
    only wrong passwords: a right one from the same address still logs in
    (docs/decisions.md#login-limits)."""
    limits.setattr(get_settings(), "login_address_rate_limit", "4/minute")
    rate_limit.reset()
    customer = await make_customer(db)
    statuses = [
        (
            await client.post(
                "/customer/login", json={"phone_number": unique_phone(), "password": "guess123"}
            )
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:4] == [401] * 4 and statuses[4:] == [429, 429]
    assert (await login_customer(client, customer))["access_token"]


async def test_admin_login_brute_force_is_limited(
    client: httpx.AsyncClient, limits: pytest.MonkeyPatch
) -> None:
    limits.setattr(get_settings(), "login_rate_limit", "2/minute")
    rate_limit.reset()
    body = {"email": "nobody@example.com", "password": "not-the-password"}
    assert [(await client.post("/admin/login", json=body)).status_code for _ in range(2)] == [
        401,
        401,
    ]
    assert_rate_limited(await client.post("/admin/login", json=body))


async def test_register_limited_per_number(
    client: httpx.AsyncClient, limits: pytest.MonkeyPatch
) -> None:
    limits.setattr(get_settings(), "register_rate_limit", "2/hour")
    rate_limit.reset()
    phone = unique_phone()
    body = {"phone_number": phone, "password": "secret-1", "full_name": "Probe"}
    first = await client.post("/customer/register", json=body)
    assert first.status_code == 200, first.text
    again = await client.post("/customer/register", json=body)
    assert again.status_code == 400  # already registered: still counted
    blocked = await client.post("/customer/register", json=body)
    assert_rate_limited(blocked)
    assert int(blocked.headers["retry-after"]) > 60  # an hourly window


async def test_register_limited_per_address(
    client: httpx.AsyncClient, limits: pytest.MonkeyPatch
) -> None:
    limits.setattr(get_settings(), "register_address_rate_limit", "3/hour")
    rate_limit.reset()
    statuses = []
    for _ in range(4):
        body = {"phone_number": unique_phone(), "password": "secret-1", "full_name": "Bot"}
        statuses.append((await client.post("/customer/register", json=body)).status_code)
    assert statuses == [200, 200, 200, 429]


async def test_money_moving_posts_limited_per_customer(
    client: httpx.AsyncClient, db: AsyncSession, limits: pytest.MonkeyPatch
) -> None:
    limits.setattr(get_settings(), "payment_rate_limit", "2/minute")
    rate_limit.reset()
    payer, other = await make_customer(db), await make_customer(db)
    plan = await make_plan(db)
    headers = bearer((await login_customer(client, payer))["access_token"])
    body = {
        "plan_id": plan.plan_id,
        "payment_method": "upi",
        "recipient_phone_number": payer.phone_number,
    }
    for _ in range(2):
        done = await client.post("/customer/recharge", json=body, headers=headers)
        assert done.status_code == 200, done.text
    assert_rate_limited(await client.post("/customer/recharge", json=body, headers=headers))
    # the same customer's other money-moving routes share the budget
    blocked_bill = await client.post(
        "/customer/postpaid/pay-bill", json={"payment_method": "upi"}, headers=headers
    )
    assert_rate_limited(blocked_bill)
    # reads are not limited, nor is another customer
    assert (await client.get("/customer/transactions", headers=headers)).status_code == 200
    other_headers = bearer((await login_customer(client, other))["access_token"])
    assert (
        await client.post("/customer/recharge", json=body, headers=other_headers)
    ).status_code == 200


async def test_payment_routes_are_every_post_taking_an_idempotency_key(app: FastAPI) -> None:
    """New money-moving routes (they take an Idempotency-Key) must join the limited set."""
    idempotent_posts = {
        path
        for path, operations in app.openapi()["paths"].items()
        for method, operation in operations.items()
        if method == "post"
        and path.startswith("/customer")  # the per-customer limit: staff refunds are not theirs
        and any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert idempotent_posts == PAYMENT_ROUTES


async def test_per_address_ceiling(
    app: FastAPI, client: httpx.AsyncClient, limits: pytest.MonkeyPatch
) -> None:
    limits.setattr(get_settings(), "global_rate_limit", "5/minute")
    rate_limit.reset()
    statuses = [(await client.get("/customer/plans")).status_code for _ in range(5)]
    assert 429 not in statuses
    blocked = await client.get("/customer/categories")
    assert_rate_limited(blocked)
    assert blocked.headers["x-request-id"]
    # probes stay answerable during a flood
    assert (await client.get("/health")).status_code == 200
    # another address has its own budget
    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as other:
        assert (await other.get("/customer/categories")).status_code == 401  # not 429


def test_the_ceiling_counts_each_address_afresh_in_each_window(
    limits: pytest.MonkeyPatch,
) -> None:
    limits.setattr(get_settings(), "global_rate_limit", "2/minute")
    rate_limit.reset()
    now = [60 * 16_666_667 + 10.0]  # 10 s into a minute
    limits.setattr(rate_limit.time, "time", lambda: now[0])
    answers = [rate_limit.ceiling_retry_after("10.0.0.1") for _ in range(3)]
    assert answers[:2] == [None, None]
    assert answers[2] == 50  # seconds left in this minute
    assert rate_limit.ceiling_retry_after("10.0.0.2") is None  # its own budget
    now[0] += 50  # the next minute
    assert rate_limit.ceiling_retry_after("10.0.0.1") is None


async def test_rate_limits_can_be_switched_off(
    client: httpx.AsyncClient, limits: pytest.MonkeyPatch
) -> None:
    limits.setattr(get_settings(), "global_rate_limit", "1/minute")
    limits.setattr(get_settings(), "rate_limit_enabled", False)
    rate_limit.reset()
    assert {(await client.get("/health")).status_code for _ in range(3)} == {200}
    assert 429 not in {(await client.get("/customer/plans")).status_code for _ in range(3)}
