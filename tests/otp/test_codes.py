"""Codes: lifetime on the service's clock, resend limits, answers that do not tell which
numbers exist, login by code, password reset (docs/decisions.md#one-time-codes,
#password-reset)."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import OneTimeCode, PrioritySms
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer
from tests.otp.conftest import deliver_all, inbox, new_code, other_than, request_code


async def advance(client: httpx.AsyncClient, admin_headers: dict[str, str], seconds: int) -> None:
    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": seconds}, headers=admin_headers
    )
    assert moved.status_code == 200, moved.text


async def test_a_code_expires_after_five_minutes_on_the_service_clock(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    code = await new_code(client, db, admin_headers, phone, "login")
    await advance(client, admin_headers, 299)
    still = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": code})
    assert still.status_code == 200, still.text  # 4 min 59 s: valid (and now used)

    code = await new_code(client, db, admin_headers, phone, "login")
    await advance(client, admin_headers, 301)
    late = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": code})
    assert (late.status_code, late.json()["code"]) == (401, "otp_expired")


async def test_an_sms_not_sent_before_its_code_expires_is_never_sent(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    await request_code(client, customer.phone_number, "login")
    await advance(client, admin_headers, 301)
    await deliver_all(db)
    sms = (
        await db.execute(
            select(PrioritySms).where(PrioritySms.phone_number == customer.phone_number)
        )
    ).scalar_one()
    assert (sms.status, sms.sealed_message, sms.sent_at) == ("expired", None, None)
    assert await inbox(client, admin_headers, customer.phone_number) == []


async def test_resend_after_30_seconds_and_at_most_5_an_hour(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    first = (await request_code(client, phone, "login")).json()
    assert first == first | {"throttled": False, "expires_in_seconds": 300}
    assert first["resend_after_seconds"] == 30
    too_soon = (await request_code(client, phone, "reset_password")).json()  # any purpose
    assert too_soon["throttled"] is True and 1 <= too_soon["resend_after_seconds"] <= 30
    for _ in range(4):
        await advance(client, admin_headers, 31)
        assert (await request_code(client, phone, "login")).json()["throttled"] is False
    await advance(client, admin_headers, 31)
    sixth = (await request_code(client, phone, "login")).json()
    assert sixth["throttled"] is True
    # the first of the hour's five was 5 x 31 s ago: it leaves the hour in 3600 - 155 s
    assert 3600 - 157 <= sixth["resend_after_seconds"] <= 3600 - 154
    await deliver_all(db)
    assert len(await inbox(client, admin_headers, phone)) == 5
    issued = await db.execute(select(OneTimeCode).where(OneTimeCode.phone_number == phone))
    assert len(issued.scalars().all()) == 5

    await advance(client, admin_headers, sixth["resend_after_seconds"])
    assert (await request_code(client, phone, "login")).json()["throttled"] is False


async def test_only_the_newest_code_counts(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    old = await new_code(client, db, admin_headers, phone, "login")
    await advance(client, admin_headers, 31)
    new = await new_code(client, db, admin_headers, phone, "login")
    if old != new:  # (one chance in a million that they are equal)
        stale = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": old})
        assert stale.status_code == 401
    fresh = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": new})
    assert fresh.status_code == 200


async def test_the_answer_is_the_same_whether_or_not_the_number_is_known(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    known = (await make_customer(db)).phone_number
    unknown = unique_phone()
    answers = []
    for phone in (known, unknown):
        for purpose in ("login", "reset_password"):
            response = await request_code(client, phone, purpose)
            answers.append((response.status_code, response.json()))
            await advance(client, admin_headers, 31)
    assert answers[0] == answers[2] and answers[1] == answers[3]
    assert answers[0][0] == 202
    await deliver_all(db)
    # only the customer gets SMS; nothing goes to a number nobody registered
    assert len(await inbox(client, admin_headers, known)) == 2
    assert await inbox(client, admin_headers, unknown) == []
    # registration codes go the other way round
    register_known = await request_code(client, known, "register")
    register_unknown = await request_code(client, unique_phone(), "register")
    assert register_known.json() == register_unknown.json()


async def test_login_by_code_returns_working_tokens(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    code = await new_code(client, db, admin_headers, phone, "login")
    wrong = await client.post(
        "/customer/login/otp", json={"phone_number": phone, "otp": other_than(code)}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (401, "otp_invalid")
    assert wrong.headers["www-authenticate"] == "Bearer"
    tokens = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": code})
    assert tokens.status_code == 200, tokens.text
    body = tokens.json()
    assert set(body) == {"access_token", "refresh_token", "token_type"}
    profile = await client.get("/customer/profile", headers=bearer(body["access_token"]))
    assert profile.json()["customer_id"] == customer.customer_id
    refreshed = await client.post("/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200
    replay = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": code})
    assert (replay.status_code, replay.json()["code"]) == (401, "otp_expired")  # used once


async def test_login_by_code_for_an_unknown_number_is_refused(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    phone = unique_phone()
    await request_code(client, phone, "login")  # issued, never sent: nobody knows it
    await deliver_all(db)
    refused = await client.post(
        "/customer/login/otp", json={"phone_number": phone, "otp": "123456"}
    )
    assert refused.status_code == 401


async def test_password_reset_logs_out_every_session(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    sessions = [await login_customer(client, customer) for _ in range(3)]
    code = await new_code(client, db, admin_headers, phone, "reset_password")
    wrong = await client.post(
        "/customer/password/reset",
        json={"phone_number": phone, "otp": other_than(code), "new_password": "brand-new-1"},
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "otp_invalid")
    for tokens in sessions:  # a failed reset changes nothing
        profile = await client.get("/customer/profile", headers=bearer(tokens["access_token"]))
        assert profile.status_code == 200

    reset = await client.post(
        "/customer/password/reset",
        json={"phone_number": phone, "otp": code, "new_password": "brand-new-1"},
    )
    assert reset.status_code == 200, reset.text
    assert reset.json()["sessions_revoked"] == 3
    for tokens in sessions:
        access = await client.get("/customer/profile", headers=bearer(tokens["access_token"]))
        assert (access.status_code, access.json()["code"]) == (401, "session_revoked")
        refresh = await client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert (refresh.status_code, refresh.json()["code"]) == (401, "session_revoked")
    old = await client.post(
        "/customer/login", json={"phone_number": phone, "password": "secret-pass-1"}
    )
    assert old.status_code == 401
    await login_customer(client, phone, password="brand-new-1")


async def test_password_reset_checks_the_new_password(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    code = await new_code(client, db, admin_headers, customer.phone_number, "reset_password")
    short = await client.post(
        "/customer/password/reset",
        json={"phone_number": customer.phone_number, "otp": code, "new_password": "five5"},
    )
    assert short.status_code == 422
    login_code = await client.post(
        "/customer/password/reset",
        json={"phone_number": unique_phone(), "otp": code, "new_password": "long-enough"},
    )
    assert login_code.status_code == 400
