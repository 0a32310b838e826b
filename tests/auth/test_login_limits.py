"""Login limits behind a carrier NAT (docs/decisions.md#login-limits): per number and
account first; per address only failures are refused, so many customers sharing one public
address are not locked out by each other's typos."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import rate_limit
from nexa.core.config import Settings, get_settings
from tests.factories.accounts import DEFAULT_PASSWORD, make_customer, unique_phone

NAT_ADDRESS = ("100.64.12.34", 40000)  # carrier-grade NAT space (RFC 6598)
# the 200 neighbours' passwords are cheap legacy bcrypt hashes (still verified as any
# stored hash): 200 Argon2id checks would cost the suite half a minute for the same outcome
CHEAP_HASH = BcryptHasher(rounds=4).hash(DEFAULT_PASSWORD)


@pytest.fixture
def production_limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The shipped defaults of the login limits, fresh counters."""
    settings = get_settings()
    for name in ("login_rate_limit", "login_address_rate_limit"):
        monkeypatch.setattr(settings, name, Settings.model_fields[name].default)
    rate_limit.reset()
    yield monkeypatch
    monkeypatch.undo()
    rate_limit.reset()


@pytest.fixture
async def nat_client(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """Requests from one public address (in the test's transaction, like `client`)."""
    transport = httpx.ASGITransport(app=app, client=NAT_ADDRESS)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def login(http: httpx.AsyncClient, phone: str, password: str) -> httpx.Response:
    return await http.post("/customer/login", json={"phone_number": phone, "password": password})


async def failed_logins(http: httpx.AsyncClient, phones: list[str]) -> list[int]:
    # one after the other: the requests share the test's transaction
    return [(await login(http, phone, "mistyped-1")).status_code for phone in phones]


def test_the_shipped_defaults() -> None:
    fields = Settings.model_fields
    assert fields["login_rate_limit"].default == "5/minute"
    assert fields["login_address_rate_limit"].default == "1000/minute"
    assert fields["register_address_rate_limit"].default == "300/hour"


async def test_200_failures_over_200_numbers_do_not_stop_a_right_password(
    nat_client: httpx.AsyncClient, db: AsyncSession, production_limits: pytest.MonkeyPatch
) -> None:
    customers = [await make_customer(db, password_hash=CHEAP_HASH) for _ in range(200)]
    statuses = await failed_logins(nat_client, [c.phone_number for c in customers])
    assert statuses == [401] * 200
    other = await make_customer(db)
    answer = await login(nat_client, other.phone_number, DEFAULT_PASSWORD)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"access_token", "refresh_token", "token_type"}
    # each of the 200 mistyped once: their own right passwords work too
    assert (await login(nat_client, customers[0].phone_number, DEFAULT_PASSWORD)).status_code == 200


async def test_past_the_address_limit_only_wrong_passwords_are_refused(
    nat_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    db: AsyncSession,
    production_limits: pytest.MonkeyPatch,
) -> None:
    production_limits.setattr(get_settings(), "login_address_rate_limit", "20/minute")
    rate_limit.reset()
    neighbours = [await make_customer(db, password_hash=CHEAP_HASH) for _ in range(30)]
    statuses = await failed_logins(nat_client, [c.phone_number for c in neighbours])
    assert statuses == [401] * 20 + [429] * 10
    customer = await make_customer(db)
    mistyped = await login(nat_client, customer.phone_number, "mistyped-1")
    assert mistyped.status_code == 429 and 1 <= int(mistyped.headers["retry-after"]) <= 60
    assert (await login(nat_client, customer.phone_number, DEFAULT_PASSWORD)).status_code == 200
    # another address is not concerned at all
    assert (await login(client, unique_phone(), "mistyped-1")).status_code == 401


async def test_six_wrong_passwords_lock_that_number_only(
    nat_client: httpx.AsyncClient, db: AsyncSession, production_limits: pytest.MonkeyPatch
) -> None:
    victim, neighbour = await make_customer(db), await make_customer(db)
    statuses = [
        (await login(nat_client, victim.phone_number, "mistyped-1")).status_code for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    locked = await login(nat_client, victim.phone_number, DEFAULT_PASSWORD)
    assert (locked.status_code, locked.json()["code"]) == (429, "rate_limited")
    assert 1 <= int(locked.headers["retry-after"]) <= 60
    assert (await login(nat_client, neighbour.phone_number, DEFAULT_PASSWORD)).status_code == 200
