from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import rate_limit
from nexa.core.config import get_settings
from nexa.core.db import get_sessionmaker
from nexa.core.security import encode_token
from nexa.models import AccountStatus, AuthSession, Customer, StatusReason
from tests.factories.accounts import make_admin, make_customer, unique_phone
from tests.helpers import bearer, login_admin, login_customer


async def profile_status(client: httpx.AsyncClient, access_token: str) -> int:
    return (await client.get("/customer/profile", headers=bearer(access_token))).status_code


# --- login -------------------------------------------------------------------------------


async def test_customer_login_wrong_password_and_unknown_phone_look_alike(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    wrong = await client.post(
        "/customer/login", json={"phone_number": customer.phone_number, "password": "nope-nope"}
    )
    unknown = await client.post(
        "/customer/login", json={"phone_number": unique_phone(), "password": "nope-nope"}
    )
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json() == {"detail": "Incorrect credentials", "code": "invalid_credentials"}


async def test_admin_login(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(db, email="Ops.Lead@Example.com")
    tokens = await login_admin(client, "ops.lead@example.com")  # e-mail is case-insensitive
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["sub"] == str(admin.admin_id)
    assert claims["user_type"] == "admin" and claims["type"] == "access"
    assert {"iat", "exp", "jti", "sid"} <= claims.keys()
    bad = await client.post(
        "/admin/login", json={"email": "ops.lead@example.com", "password": "wrong-password"}
    )
    assert bad.status_code == 401
    malformed = await client.post("/admin/login", json={"email": "not-an-email", "password": "x"})
    assert malformed.status_code == 422


async def test_bcrypt_hash_verifies_and_is_upgraded_on_login(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    legacy_hash = BcryptHasher().hash("legacy-pass")
    customer = await make_customer(db, password_hash=legacy_hash)
    await login_customer(client, customer.phone_number, password="legacy-pass")
    await db.refresh(customer)
    assert customer.password_hash.startswith("$argon2id$")
    await login_customer(client, customer.phone_number, password="legacy-pass")


@pytest.mark.parametrize(
    ("status", "reason", "code"),
    [
        (AccountStatus.suspended, StatusReason.admin, "account_suspended"),
        (AccountStatus.inactive, StatusReason.admin, "account_inactive"),
    ],
)
async def test_blocked_customers_cannot_log_in_and_their_tokens_stop(
    client: httpx.AsyncClient,
    db: AsyncSession,
    status: AccountStatus,
    reason: StatusReason,
    code: str,
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    tokens = await login_customer(client, phone)
    assert await profile_status(client, tokens["access_token"]) == 200

    customer.account_status, customer.status_reason = status, reason
    await db.flush()

    live = await client.get("/customer/profile", headers=bearer(tokens["access_token"]))
    assert (live.status_code, live.json()["code"]) == (403, code)
    refreshed = await client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (refreshed.status_code, refreshed.json()["code"]) == (403, code)
    login = await client.post(
        "/customer/login", json={"phone_number": phone, "password": "secret-pass-1"}
    )
    assert (login.status_code, login.json()["code"]) == (403, code)


async def test_inactive_through_inactivity_still_logs_in(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(
        db, account_status=AccountStatus.inactive, status_reason=StatusReason.inactivity
    )
    tokens = await login_customer(client, customer)
    assert await profile_status(client, tokens["access_token"]) == 200


async def test_soft_deleted_customer_does_not_exist_for_login(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    tokens = await login_customer(client, phone)
    customer.deleted_at = datetime.now(UTC)
    await db.flush()
    login = await client.post(
        "/customer/login", json={"phone_number": phone, "password": "secret-pass-1"}
    )
    assert login.status_code == 401
    assert await profile_status(client, tokens["access_token"]) == 401


async def test_login_rate_limit_per_identifier(
    client: httpx.AsyncClient, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "login_rate_limit", "3/minute")
    rate_limit.reset()
    try:
        customer = await make_customer(db)
        phone = customer.phone_number
        for _ in range(3):
            response = await client.post(
                "/customer/login", json={"phone_number": phone, "password": "wrong-one"}
            )
            assert response.status_code == 401
        # even the right password is refused while the limit holds
        blocked = await client.post(
            "/customer/login", json={"phone_number": phone, "password": "secret-pass-1"}
        )
        assert (blocked.status_code, blocked.json()["code"]) == (429, "rate_limited")
    finally:
        monkeypatch.undo()
        rate_limit.reset()


# --- refresh and logout ---------------------------------------------------------------------


async def test_refresh_returns_a_working_access_token_and_keeps_the_refresh_token(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    response = await client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"] == tokens["refresh_token"]  # not rotated by default
    assert body["access_token"] != tokens["access_token"]
    assert await profile_status(client, body["access_token"]) == 200
    again = await client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert again.status_code == 200  # existing clients keep reusing their refresh token


async def test_tokens_of_the_wrong_type_are_refused(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    as_access = await client.get("/customer/profile", headers=bearer(tokens["refresh_token"]))
    assert (as_access.status_code, as_access.json()["code"]) == (401, "wrong_token_type")
    as_refresh = await client.post("/refresh", json={"refresh_token": tokens["access_token"]})
    assert (as_refresh.status_code, as_refresh.json()["code"]) == (401, "wrong_token_type")


async def test_logout_revokes_access_and_refresh_tokens(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    other_login = await login_customer(client, customer.phone_number)
    response = await client.post("/logout", headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json() == {"message": "Successfully logged out"}
    assert await profile_status(client, tokens["access_token"]) == 401
    refreshed = await client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "session_revoked")
    again = await client.post("/logout", headers=bearer(tokens["access_token"]))
    assert again.status_code == 401
    # another device's session is untouched
    assert await profile_status(client, other_login["access_token"]) == 200


async def test_logout_also_revokes_the_refresh_token_sent_in_the_body(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    first = await login_customer(client, customer)
    second = await login_customer(client, customer.phone_number)
    response = await client.post(
        "/logout",
        headers=bearer(first["access_token"]),
        json={"refresh_token": second["refresh_token"]},
    )
    assert response.status_code == 200
    assert await profile_status(client, second["access_token"]) == 401


async def test_admin_logout(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(db)
    tokens = await login_admin(client, admin)
    assert (await client.post("/logout", headers=bearer(tokens["access_token"]))).status_code == 200
    listing = await client.get("/admin/admins/", headers=bearer(tokens["access_token"]))
    assert listing.status_code == 401


async def test_logout_without_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/logout")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


async def test_refresh_rotation_detects_reuse_and_revokes_the_session(
    client: httpx.AsyncClient, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "refresh_rotation", True)
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    first = await client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert await profile_status(client, rotated["access_token"]) == 200

    reused = await client.post("/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert (reused.status_code, reused.json()["code"]) == (401, "refresh_token_reused")
    # the whole session is gone, including the tokens the first refresh issued
    assert await profile_status(client, rotated["access_token"]) == 401
    assert await profile_status(client, tokens["access_token"]) == 401
    assert (
        await client.post("/refresh", json={"refresh_token": rotated["refresh_token"]})
    ).status_code == 401


async def test_rotated_refresh_token_chain_works(
    client: httpx.AsyncClient, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "refresh_rotation", True)
    customer = await make_customer(db)
    refresh_token = (await login_customer(client, customer))["refresh_token"]
    for _ in range(3):
        response = await client.post("/refresh", json={"refresh_token": refresh_token})
        assert response.status_code == 200
        refresh_token = response.json()["refresh_token"]


# --- forged, expired and malformed tokens ---------------------------------------------------


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_jwt_attacks_are_401(client: httpx.AsyncClient, db: AsyncSession) -> None:
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    now = datetime.now(UTC)
    session_id = uuid.UUID(claims["sid"])

    expired = encode_token(
        subject_id=customer.customer_id,
        user_type="customer",
        token_type="access",
        session_id=session_id,
        expires_at=now - timedelta(seconds=5),
        now=now - timedelta(minutes=31),
    )
    wrong_key = jwt.encode(claims, "another-secret-key-of-sufficient-length-xx", algorithm="HS256")
    alg_none = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    no_sid = jwt.encode(
        {k: v for k, v in claims.items() if k != "sid"},
        get_settings().resolved_secret_key(),
        algorithm="HS256",
    )
    unknown_session = encode_token(
        subject_id=customer.customer_id,
        user_type="customer",
        token_type="access",
        session_id=uuid.uuid4(),
        expires_at=now + timedelta(minutes=5),
    )
    other_subject = encode_token(
        subject_id=customer.customer_id + 1000,
        user_type="customer",
        token_type="access",
        session_id=session_id,
        expires_at=now + timedelta(minutes=5),
    )
    for token in (expired, wrong_key, alg_none, no_sid, unknown_session, other_subject, "garbage"):
        response = await client.get("/customer/profile", headers=bearer(token))
        assert response.status_code == 401, token
        assert response.headers["www-authenticate"] == "Bearer"


async def test_access_token_expires_after_configured_minutes(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == get_settings().access_token_expire_minutes * 60


# --- duplicate registration under a race (real commits) -------------------------------------


async def test_concurrent_duplicate_registration_creates_exactly_one_customer(
    committing_client: httpx.AsyncClient,
) -> None:
    phone = unique_phone()
    body = {"phone_number": phone, "password": "secret1", "full_name": "Racer"}
    try:
        responses = await asyncio.gather(
            *(committing_client.post("/customer/register", json=body) for _ in range(6))
        )
        codes = sorted(response.status_code for response in responses)
        assert codes == [200, 400, 400, 400, 400, 400]
        for response in responses:
            if response.status_code == 400:
                assert response.json()["code"] == "phone_already_registered"
        async with get_sessionmaker()() as db:
            count = len(
                (await db.execute(select(Customer).where(Customer.phone_number == phone))).all()
            )
        assert count == 1
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(Customer).where(Customer.phone_number == phone))


async def test_session_rows_record_revocation_reason(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    await client.post("/logout", headers=bearer(tokens["access_token"]))
    sid = uuid.UUID(jwt.decode(tokens["access_token"], options={"verify_signature": False})["sid"])
    row = await db.get(AuthSession, sid)
    assert row is not None
    await db.refresh(row)
    assert row.revoked_reason == "logout" and row.revoked_at is not None
