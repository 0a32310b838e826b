"""JWT attacks against customer and admin routes: every forged or unusable token is a 401."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.core.security import encode_token
from tests.factories.accounts import make_admin, make_customer
from tests.helpers import bearer, login_admin, login_customer

ATTACKS = [
    "expired",
    "wrong_signature",
    "alg_none",
    "alg_none_uppercase",
    "other_algorithm",
    "empty_signature",
    "refresh_as_access",
    "escalated_user_type",
    "unknown_session",
]
# one route of each kind: customer read, money-moving POST, admin read, admin write, logout
ROUTES = {
    "customer": [
        ("GET", "/customer/profile"),
        ("POST", "/customer/recharge"),
        ("GET", "/customer/notifications/"),
        ("POST", "/logout"),
    ],
    "admin": [
        ("GET", "/admin/customers/"),
        ("POST", "/admin/categories/"),
        ("GET", "/admin/analytics/dashboard"),
        ("POST", "/admin/usage"),
    ],
}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forge(kind: str, tokens: dict[str, str]) -> str:
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    key = get_settings().resolved_secret_key()
    now = datetime.now(UTC)
    if kind == "expired":
        return encode_token(
            subject_id=int(claims["sub"]),
            user_type=claims["user_type"],
            token_type="access",
            session_id=uuid.UUID(claims["sid"]),
            expires_at=now - timedelta(seconds=1),
            now=now - timedelta(minutes=31),
        )
    if kind == "wrong_signature":
        return jwt.encode(claims, "an-attacker-key-" + "x" * 40, algorithm="HS256")
    if kind == "alg_none":
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    if kind == "alg_none_uppercase":
        return f"{_b64({'alg': 'NONE', 'typ': 'JWT'})}.{_b64(claims)}."
    if kind == "other_algorithm":  # right key, an algorithm the server does not use
        return jwt.encode(claims, key, algorithm="HS512")
    if kind == "empty_signature":
        header, payload, _ = tokens["access_token"].split(".")
        return f"{header}.{payload}."
    if kind == "refresh_as_access":
        return tokens["refresh_token"]
    if kind == "escalated_user_type":  # validly signed, but the session is not an admin's
        flipped = "admin" if claims["user_type"] == "customer" else "customer"
        return jwt.encode({**claims, "user_type": flipped}, key, algorithm="HS256")
    if kind == "unknown_session":
        return jwt.encode({**claims, "sid": str(uuid.uuid4())}, key, algorithm="HS256")
    raise AssertionError(kind)


@pytest.mark.filterwarnings("ignore:The HMAC key is")
@pytest.mark.parametrize("role", ["customer", "admin"])
@pytest.mark.parametrize("attack", ATTACKS)
async def test_forged_tokens_are_401(
    client: httpx.AsyncClient, db: AsyncSession, role: str, attack: str
) -> None:
    if role == "customer":
        tokens = await login_customer(client, await make_customer(db))
    else:
        tokens = await login_admin(client, await make_admin(db))
    token = forge(attack, tokens)
    for method, path in ROUTES[role]:
        response = await client.request(method, path, headers=bearer(token), json={})
        assert response.status_code == 401, (attack, method, path, response.text)
        assert response.json()["code"] in ("invalid_token", "wrong_token_type")
        assert response.headers["www-authenticate"] == "Bearer"
    # the genuine token still works: the 401s were about the forgery
    genuine = await client.request(*ROUTES[role][0], headers=bearer(tokens["access_token"]))
    assert genuine.status_code == 200


async def test_access_token_is_refused_by_refresh(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    tokens = await login_customer(client, await make_customer(db))
    response = await client.post("/refresh", json={"refresh_token": tokens["access_token"]})
    assert (response.status_code, response.json()["code"]) == (401, "wrong_token_type")
