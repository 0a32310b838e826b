from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Admin
from tests.factories.accounts import ADMIN_PASSWORD, make_admin, make_customer, unique_phone
from tests.helpers import bearer, login_admin, login_customer


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    admin = await make_admin(db)
    return bearer((await login_admin(client, admin))["access_token"])


def admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented /admin operation except the public login."""
    return sorted(
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/admin/") and path != "/admin/login"
        for method in operations
    )


async def test_every_admin_route_refuses_anonymous_and_customer_callers(
    app: FastAPI, client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    customer_headers = bearer((await login_customer(client, customer))["access_token"])
    routes = admin_routes(app)
    assert ("GET", "/admin/admins/") in routes
    for method, path in routes:
        concrete = re.sub(r"\{[a-z_]+\}", "1", path)
        anonymous = await client.request(method, concrete)
        assert anonymous.status_code == 401, (method, path)
        assert anonymous.json()["code"] == "not_authenticated"
        as_customer = await client.request(method, concrete, headers=customer_headers)
        assert as_customer.status_code == 403, (method, path)
        assert as_customer.json()["code"] == "admin_only"


async def test_create_and_list_admins(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    phone = unique_phone()
    response = await client.post(
        "/admin/admins/",
        json={
            "name": "Ravi",
            "phone_number": phone,
            "email": "Ravi@Example.com",
            "password": "long-enough-pw",
        },
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    created = response.json()
    assert created["email"] == "ravi@example.com"
    assert created["phone_number"] == phone
    assert set(created) == {
        "admin_id",
        "name",
        "phone_number",
        "email",
        "created_at",
        "updated_at",
        "mfa_enabled",
    }
    assert created["mfa_enabled"] is False
    # the new admin can log in
    await login_admin(client, "ravi@example.com", password="long-enough-pw")

    listing = await client.get("/admin/admins/", headers=admin_headers)
    ids = [row["admin_id"] for row in listing.json()]
    assert created["admin_id"] in ids
    assert int(listing.headers["x-total-count"]) == len(ids)
    one = await client.get(
        "/admin/admins/", params={"admin_id": created["admin_id"]}, headers=admin_headers
    )
    assert [row["admin_id"] for row in one.json()] == [created["admin_id"]]
    page = await client.get("/admin/admins", params={"limit": 1}, headers=admin_headers)
    assert len(page.json()) == 1  # slash-less path served directly, paginated


async def test_create_admin_rejects_duplicates_and_weak_passwords(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    existing = await make_admin(db, email="taken@example.com")
    base = {
        "name": "N",
        "phone_number": unique_phone(),
        "email": "new@example.com",
        "password": "long-enough-pw",
    }
    email_clash = await client.post(
        "/admin/admins/", json={**base, "email": "TAKEN@example.com"}, headers=admin_headers
    )
    assert (email_clash.status_code, email_clash.json()["code"]) == (
        400,
        "email_already_registered",
    )
    phone_clash = await client.post(
        "/admin/admins/",
        json={**base, "phone_number": existing.phone_number},
        headers=admin_headers,
    )
    assert (phone_clash.status_code, phone_clash.json()["code"]) == (
        400,
        "phone_already_registered",
    )
    weak = await client.post(
        "/admin/admins/", json={**base, "password": "short"}, headers=admin_headers
    )
    assert weak.status_code == 422
    bad_email = await client.post(
        "/admin/admins/", json={**base, "email": "nope"}, headers=admin_headers
    )
    assert bad_email.status_code == 422


async def test_get_unknown_admin_is_404_and_huge_id_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    missing = await client.get(
        "/admin/admins/", params={"admin_id": 987654321}, headers=admin_headers
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "admin_not_found")
    huge = await client.get("/admin/admins/", params={"admin_id": 2**70}, headers=admin_headers)
    assert huge.status_code == 422


async def test_update_admin(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    target = await make_admin(db, name="Before")
    other = await make_admin(db)
    target_id, other_email, other_phone = target.admin_id, other.email, other.phone_number
    response = await client.put(
        f"/admin/admins/{target_id}", json={"name": "After"}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.json()["name"] == "After"
    assert response.json()["email"] == target.email  # untouched
    clash = await client.put(
        f"/admin/admins/{target_id}", json={"email": other_email}, headers=admin_headers
    )
    assert (clash.status_code, clash.json()["code"]) == (400, "email_already_registered")
    clash = await client.put(
        f"/admin/admins/{target_id}", json={"phone_number": other_phone}, headers=admin_headers
    )
    assert (clash.status_code, clash.json()["code"]) == (400, "phone_already_registered")
    null = await client.put(
        f"/admin/admins/{target_id}", json={"name": None}, headers=admin_headers
    )
    assert null.status_code == 422
    missing = await client.put("/admin/admins/99999999", json={"name": "x"}, headers=admin_headers)
    assert missing.status_code == 404
    reloaded = await db.get(Admin, target_id)
    assert reloaded is not None
    await db.refresh(reloaded)
    assert reloaded.name == "After"


async def test_admin_changes_own_password_and_other_sessions_end(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    admin = await make_admin(db)
    email = admin.email
    this = await login_admin(client, email)
    other = await login_admin(client, email)
    wrong = await client.post(
        "/admin/admins/change-password",
        json={"current_password": "wrong-password", "new_password": "another-long-pw"},
        headers=bearer(this["access_token"]),
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "wrong_password")
    short = await client.post(
        "/admin/admins/change-password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "short-pw"},
        headers=bearer(this["access_token"]),
    )
    assert (short.status_code, short.json()["code"]) == (400, "weak_password")
    ok = await client.post(
        "/admin/admins/change-password",
        json={"current_password": ADMIN_PASSWORD, "new_password": "another-long-pw"},
        headers=bearer(this["access_token"]),
    )
    assert ok.status_code == 200
    assert (
        await client.get("/admin/admins/", headers=bearer(other["access_token"]))
    ).status_code == 401
    assert (
        await client.get("/admin/admins/", headers=bearer(this["access_token"]))
    ).status_code == 200
    await login_admin(client, email, password="another-long-pw")
