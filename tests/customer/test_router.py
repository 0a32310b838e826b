from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import AuthSession, Customer
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer


async def test_register_login_profile_round_trip(client: httpx.AsyncClient) -> None:
    phone = unique_phone()
    response = await client.post(
        "/customer/register",
        json={
            "phone_number": f"+91 {phone[:5]}-{phone[5:]}",
            "password": "secret1",
            "full_name": "Asha Rao",
            "profile_picture_url": "https://img.example.com/a.png",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["phone_number"] == phone  # stored in the normalised 10-digit form
    assert body["account_status"] == "active"
    assert body["days_inactive"] == 0
    assert body["created_at"].endswith("Z")
    assert "password" not in response.text and "hash" not in response.text

    tokens = (
        await client.post(
            "/customer/login", json={"phone_number": "0" + phone, "password": "secret1"}
        )
    ).json()
    assert tokens["token_type"] == "bearer"
    profile = await client.get("/customer/profile", headers=bearer(tokens["access_token"]))
    assert profile.status_code == 200
    assert profile.json() == {
        "customer_id": body["customer_id"],
        "phone_number": phone,
        "full_name": "Asha Rao",
        "profile_picture_url": "https://img.example.com/a.png",
        "account_status": "active",
        "last_active_plan_date": None,
        "created_at": body["created_at"],
        "phone_verified_at": None,  # registered without a code (verification is off here)
        "state_code": None,  # no GST state given (invoices apply IGST)
    }


async def test_register_duplicate_phone_is_400(client: httpx.AsyncClient, db: AsyncSession) -> None:
    existing = await make_customer(db)
    response = await client.post(
        "/customer/register",
        json={
            "phone_number": "91" + existing.phone_number,
            "password": "secret1",
            "full_name": "X",
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "phone_already_registered"


async def test_register_validation(client: httpx.AsyncClient) -> None:
    cases = [
        {"phone_number": "12345", "password": "secret1", "full_name": "X"},
        {"phone_number": unique_phone(), "password": "short", "full_name": "X"},
        {"phone_number": unique_phone(), "password": "secret1"},
        {"phone_number": unique_phone(), "password": "secret1", "full_name": "   "},
        {"phone_number": 9876543210, "password": "secret1", "full_name": "X"},
        {"phone_number": unique_phone(), "password": "x" * 129, "full_name": "X"},
        {"phone_number": unique_phone(), "password": "secret1", "full_name": "X" * 256},
    ]
    for body in cases:
        response = await client.post("/customer/register", json=body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "validation_error"
        assert "secret1" not in response.text  # submitted passwords are never echoed


async def test_register_with_unknown_referral_code_creates_nothing(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    phone = unique_phone()
    response = await client.post(
        "/customer/register",
        json={
            "phone_number": phone,
            "password": "secret1",
            "full_name": "X",
            "referral_code": "NOPE1234",
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "referral_invalid"
    found = await db.execute(select(Customer).where(Customer.phone_number == phone))
    assert found.first() is None


async def test_update_profile_changes_only_given_fields(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db, full_name="Old Name")
    headers = bearer((await login_customer(client, customer))["access_token"])
    response = await client.put(
        "/customer/profile",
        json={"profile_picture_url": "https://x.example/p.png"},
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Old Name"
    assert response.json()["profile_picture_url"] == "https://x.example/p.png"
    response = await client.put(
        "/customer/profile", json={"full_name": "New Name"}, headers=headers
    )
    assert response.json()["full_name"] == "New Name"
    assert response.json()["profile_picture_url"] == "https://x.example/p.png"
    await db.refresh(customer)
    assert customer.full_name == "New Name"


async def test_update_profile_rejects_null_name(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    headers = bearer((await login_customer(client, customer))["access_token"])
    response = await client.put("/customer/profile", json={"full_name": None}, headers=headers)
    assert response.status_code == 422


async def test_change_password_json_body_revokes_other_sessions(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    this_device = await login_customer(client, phone)
    other_device = await login_customer(client, phone)
    response = await client.post(
        "/customer/change-password",
        json={"current_password": "secret-pass-1", "new_password": "brand-new-1"},
        headers=bearer(this_device["access_token"]),
    )
    assert response.status_code == 200, response.text
    assert response.json()["message"]
    # the session that changed the password lives on, the other one ended at once
    assert (
        await client.get("/customer/profile", headers=bearer(this_device["access_token"]))
    ).status_code == 200
    other = await client.get("/customer/profile", headers=bearer(other_device["access_token"]))
    assert other.status_code == 401
    assert other.json()["code"] == "session_revoked"
    refreshed = await client.post("/refresh", json={"refresh_token": other_device["refresh_token"]})
    assert refreshed.status_code == 401
    # old password refused, new one accepted
    old = await client.post(
        "/customer/login", json={"phone_number": phone, "password": "secret-pass-1"}
    )
    assert old.status_code == 401
    await login_customer(client, phone, password="brand-new-1")


async def test_change_password_query_form_still_works(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    headers = bearer((await login_customer(client, customer))["access_token"])
    response = await client.post(
        "/customer/change-password",
        params={"current_password": "secret-pass-1", "new_password": "query-new-1"},
        headers=headers,
    )
    assert response.status_code == 200
    await login_customer(client, customer, password="query-new-1")


async def test_change_password_errors(client: httpx.AsyncClient, db: AsyncSession) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    headers = bearer((await login_customer(client, phone))["access_token"])
    wrong = await client.post(
        "/customer/change-password",
        json={"current_password": "not-it", "new_password": "brand-new-1"},
        headers=headers,
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_password")
    short = await client.post(
        "/customer/change-password",
        json={"current_password": "secret-pass-1", "new_password": "abc"},
        headers=headers,
    )
    assert (short.status_code, short.json()["code"]) == (400, "weak_password")
    missing = await client.post("/customer/change-password", headers=headers)
    assert missing.status_code == 422
    # nothing changed: the original password still logs in
    await login_customer(client, phone)


async def test_customer_endpoints_need_a_customer_token(client: httpx.AsyncClient) -> None:
    for method, path in [
        ("GET", "/customer/profile"),
        ("PUT", "/customer/profile"),
        ("POST", "/customer/change-password"),
    ]:
        response = await client.request(method, path)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["code"] == "not_authenticated"


async def test_admin_token_on_customer_endpoint_is_403(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    from tests.factories.accounts import make_admin
    from tests.helpers import login_admin

    admin = await make_admin(db)
    tokens = await login_admin(client, admin)
    response = await client.get("/customer/profile", headers=bearer(tokens["access_token"]))
    assert response.status_code == 403
    assert response.json()["code"] == "customer_only"


async def test_login_opens_a_session_row(client: httpx.AsyncClient, db: AsyncSession) -> None:
    customer = await make_customer(db)
    await login_customer(client, customer)
    rows = (
        (
            await db.execute(
                select(AuthSession).where(AuthSession.subject_id == customer.customer_id)
            )
        )
        .scalars()
        .all()
    )
    assert len(rows) == 1
    assert rows[0].revoked_at is None
    assert (rows[0].expires_at - rows[0].created_at).days == 7
