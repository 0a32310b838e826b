"""Cross-cutting HTTP behaviour: errors, probes, slashes, CORS, request ids."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories.accounts import make_customer
from tests.helpers import bearer, login_customer


async def test_health_and_ready(client: httpx.AsyncClient) -> None:
    health = await client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    ready = await client.get("/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready", "database": "ok"}


async def test_unknown_route_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such endpoint", "code": "not_found"}


async def test_wrong_method_is_json_405(client: httpx.AsyncClient) -> None:
    response = await client.delete("/customer/login")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


async def test_both_slash_forms_are_served_without_redirect(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    headers = bearer((await login_customer(client, customer))["access_token"])
    for path in ("/customer/profile", "/customer/profile/"):
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, path
    assert (await client.get("/health/")).status_code == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/customer/login", b"{not json"),
        ("/customer/login", b"[]"),
        ("/customer/login", b'{"phone_number": null, "password": "x"}'),
        ("/customer/login", b'{"phone_number": ["9876543210"], "password": 1}'),
        ("/customer/register", b'{"phone_number": "98765", "password": 123456}'),
        ("/admin/login", b'{"email": 5}'),
        ("/refresh", b'{"refresh_token": 12}'),
        ("/refresh", b"{}"),
        ("/customer/register", "\u00ff\u00fe".encode("latin-1")),
    ],
)
async def test_malformed_bodies_are_422_json(
    client: httpx.AsyncClient, path: str, body: bytes
) -> None:
    response = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert isinstance(response.json()["detail"], list)


async def test_garbage_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/refresh", json={"refresh_token": "not-a-jwt"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


async def test_cors_allows_configured_origin(client: httpx.AsyncClient) -> None:
    response = await client.options(
        "/customer/login",
        headers={"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:3000"
    denied = await client.options(
        "/customer/login",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in denied.headers


async def test_request_id_is_returned(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32


async def test_openapi_serves_reference_paths(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in (
        "/admin/login",
        "/customer/login",
        "/refresh",
        "/logout",
        "/customer/register",
        "/customer/profile",
        "/customer/change-password",
        "/admin/admins/",
        "/admin/admins/{admin_id}",
        "/admin/admins/change-password",
    ):
        assert path in spec["paths"], path
    assert (await client.get("/docs")).status_code == 200
    assert (await client.get("/admin/redoc")).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/customer/profile", b'{"full_name": "a\\u0000b"}'),
        ("PUT", "/customer/profile", b'{"full_name": "\\ud800"}'),
        ("PUT", "/customer/profile", b'{"profile_picture_url": "\\u0000"}'),
        (
            "POST",
            "/customer/change-password",
            b'{"current_password": "\\ud800", "new_password": "abcdefgh"}',
        ),
    ],
)
async def test_text_postgres_cannot_store_is_422_not_500(
    client: httpx.AsyncClient, db: AsyncSession, method: str, path: str, body: bytes
) -> None:
    customer = await make_customer(db)
    headers = bearer((await login_customer(client, customer))["access_token"])
    response = await client.request(
        method, path, content=body, headers={**headers, "content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/customer/register",
            b'{"phone_number": "9123456789", "password": "ab\\u0000cdefg", "full_name": "x"}',
        ),
        (
            "/customer/register",
            b'{"phone_number": "9123456789", "password": "abcdefg", "full_name": "\\ud800x"}',
        ),
        ("/customer/login", b'{"phone_number": "9123456789", "password": "\\ud800abcdefg"}'),
        ("/admin/login", b'{"email": "a\\u0000@x.com", "password": "abcdefgh"}'),
    ],
)
async def test_public_endpoints_refuse_unstorable_text(
    client: httpx.AsyncClient, path: str, body: bytes
) -> None:
    response = await client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422


async def test_change_password_query_form_validates_like_the_body(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    headers = bearer((await login_customer(client, customer))["access_token"])
    response = await client.post(
        "/customer/change-password",
        params={"current_password": "", "new_password": "abcdefgh"},
        headers=headers,
    )
    assert response.status_code == 422
