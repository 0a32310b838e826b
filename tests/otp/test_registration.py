"""Phone verification at registration (docs/decisions.md#phone-verification), the issue's
acceptance in required mode."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import rate_limit
from nexa.core.config import Settings, get_settings
from nexa.models import Customer, OneTimeCode
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer
from tests.otp.conftest import code_sent_to, new_code, other_than, request_code

PASSWORD = "verified-pass-1"


def registration(phone: str, otp: str | None = None) -> dict[str, str]:
    body = {"phone_number": phone, "password": PASSWORD, "full_name": "Meera Iyer"}
    return body | ({"otp": otp} if otp is not None else {})


async def customers_with(db: AsyncSession, phone: str) -> int:
    query = select(func.count()).select_from(Customer).where(Customer.phone_number == phone)
    return int((await db.execute(query)).scalar_one())


def test_verification_is_required_by_default_in_production_only() -> None:
    production = {"ENVIRONMENT": "production", "SECRET_KEY": "k" * 40}
    production |= {"ADMIN_DEFAULT_PASSWORD": "a-real-password-1"}
    assert Settings.model_validate(production).phone_verification_required
    assert not Settings.model_validate(
        {**production, "NEXA_PHONE_VERIFICATION": "off"}
    ).phone_verification_required
    assert not Settings.model_validate({"ENVIRONMENT": "development"}).phone_verification_required
    assert Settings.model_validate(
        {"ENVIRONMENT": "development", "NEXA_PHONE_VERIFICATION": "required"}
    ).phone_verification_required


async def test_required_mode_register_without_a_code_is_400(
    client: httpx.AsyncClient, db: AsyncSession, verification_required: None
) -> None:
    phone = unique_phone()
    response = await client.post("/customer/register", json=registration(phone))
    assert response.status_code == 400
    assert response.json()["code"] == "otp_required"
    assert await customers_with(db, phone) == 0


async def test_required_mode_request_read_register_login(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    verification_required: None,
) -> None:
    phone = unique_phone()
    code = await new_code(client, db, admin_headers, phone)
    registered = await client.post("/customer/register", json=registration(phone, code))
    assert registered.status_code == 200, registered.text
    assert registered.json()["phone_verified_at"] is not None

    login = await client.post("/customer/login", json={"phone_number": phone, "password": PASSWORD})
    assert login.status_code == 200, login.text
    profile = await client.get("/customer/profile", headers=bearer(login.json()["access_token"]))
    assert profile.json()["phone_number"] == phone
    # the code was used: it cannot register again (nor be replayed anywhere)
    row = (
        await db.execute(select(OneTimeCode).where(OneTimeCode.phone_number == phone))
    ).scalar_one()
    assert row.consumed_at is not None
    assert code not in row.code_hash


async def test_five_wrong_codes_then_even_the_right_one_is_refused(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    verification_required: None,
    limits: pytest.MonkeyPatch,
) -> None:
    # the production default: 5 failed attempts a minute per number
    limits.setattr(get_settings(), "login_rate_limit", "5/minute")
    rate_limit.reset()
    phone = unique_phone()
    code = await new_code(client, db, admin_headers, phone)
    answers = [
        await client.post("/customer/register", json=registration(phone, other_than(code)))
        for _ in range(5)
    ]
    assert [a.status_code for a in answers] == [400] * 5
    assert [a.json()["code"] for a in answers] == ["otp_invalid"] * 4 + ["otp_attempts_exceeded"]
    assert answers[0].json()["detail"] == "Wrong code: 4 tries left"

    right = await client.post("/customer/register", json=registration(phone, code))
    assert right.status_code == 429  # the number is locked for a minute
    rate_limit.reset()  # ... and after that minute the code is still used up
    again = await client.post("/customer/register", json=registration(phone, code))
    assert (again.status_code, again.json()["code"]) == (400, "otp_attempts_exceeded")
    assert await customers_with(db, phone) == 0
    attempts = await db.execute(
        select(OneTimeCode.attempts).where(OneTimeCode.phone_number == phone)
    )
    assert attempts.scalar_one() == 5


async def test_a_registration_code_only_registers(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    verification_required: None,
) -> None:
    """Codes are bound to their purpose and number."""
    phone, other = unique_phone(), unique_phone()
    code = await new_code(client, db, admin_headers, phone)
    elsewhere = await client.post("/customer/register", json=registration(other, code))
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (400, "otp_expired")
    login = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": code})
    assert login.status_code == 401
    assert (
        await client.post("/customer/register", json=registration(phone, code))
    ).status_code == 200


async def test_an_unverified_number_cannot_log_in_until_a_code_proves_it(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    verification_required: None,
) -> None:
    """Accounts registered while verification was off (no phone_verified_at) are refused a
    password login in required mode; logging in with a code verifies the number."""
    customer = await make_customer(db, password=PASSWORD)
    assert customer.phone_verified_at is None
    body = {"phone_number": customer.phone_number, "password": PASSWORD}
    refused = await client.post("/customer/login", json=body)
    assert (refused.status_code, refused.json()["code"]) == (403, "phone_not_verified")

    code = await new_code(client, db, admin_headers, customer.phone_number, "login")
    by_code = await client.post(
        "/customer/login/otp", json={"phone_number": customer.phone_number, "otp": code}
    )
    assert by_code.status_code == 200, by_code.text
    await db.refresh(customer)
    assert customer.phone_verified_at is not None
    assert (await client.post("/customer/login", json=body)).status_code == 200


async def test_off_mode_registers_without_a_code_and_still_checks_one_given(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    assert not get_settings().phone_verification_required  # ENVIRONMENT=test
    plain = unique_phone()
    assert (await client.post("/customer/register", json=registration(plain))).status_code == 200
    login = await client.post("/customer/login", json={"phone_number": plain, "password": PASSWORD})
    assert login.status_code == 200  # unverified numbers log in while verification is off

    phone = unique_phone()
    await request_code(client, phone)
    code = await code_sent_to(client, db, admin_headers, phone)
    wrong = await client.post("/customer/register", json=registration(phone, other_than(code)))
    assert (wrong.status_code, wrong.json()["code"]) == (400, "otp_invalid")
    right = await client.post("/customer/register", json=registration(phone, code))
    assert right.json()["phone_verified_at"] is not None


async def test_malformed_codes_are_422(client: httpx.AsyncClient) -> None:
    for otp in ("12345", "1234567", "12a456", ""):
        response = await client.post("/customer/register", json=registration(unique_phone(), otp))
        assert response.status_code == 422, otp
