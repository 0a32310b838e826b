"""Admins' optional second factor: TOTP (docs/decisions.md#admin-mfa)."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, unquote, urlparse

import httpx
import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.admin import service as admin_service
from nexa.core import rate_limit
from nexa.core.config import get_settings
from nexa.models import Admin, AuditLog
from tests.factories.accounts import ADMIN_PASSWORD, make_admin
from tests.helpers import bearer, login_admin


async def start(client: httpx.AsyncClient, headers: dict[str, str]) -> str:
    setup = await client.post("/admin/mfa/setup", headers=headers)
    assert setup.status_code == 200, setup.text
    return str(setup.json()["secret"])


async def enable(client: httpx.AsyncClient, headers: dict[str, str]) -> pyotp.TOTP:
    """Turned on with the previous step's code, so that the current one is still unused."""
    totp = pyotp.TOTP(await start(client, headers))
    verified = await client.post(
        "/admin/mfa/verify", json={"totp": totp.at(time.time() - 30)}, headers=headers
    )
    assert verified.status_code == 200, verified.text
    return totp


async def admin_login(
    client: httpx.AsyncClient, admin: Admin, totp: str | None = None
) -> httpx.Response:
    body = {"email": admin.email, "password": ADMIN_PASSWORD}
    return await client.post("/admin/login", json=body | ({"totp": totp} if totp else {}))


async def test_setup_verify_then_login_needs_the_code(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    admin = await make_admin(db)
    headers = bearer((await login_admin(client, admin))["access_token"])
    setup = await client.post("/admin/mfa/setup", headers=headers)
    body = setup.json()
    uri = urlparse(body["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["NEXA"] and admin.email in unquote(uri.path)
    await db.refresh(admin)
    assert admin.totp_secret and body["secret"] not in admin.totp_secret  # sealed
    # not on until confirmed: the password alone still signs in
    assert (await admin_login(client, admin)).status_code == 200

    totp = pyotp.TOTP(body["secret"])
    wrong = await client.post(
        "/admin/mfa/verify", json={"totp": f"{(int(totp.now()) + 1) % 10**6:06d}"}, headers=headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "totp_invalid")
    ok = await client.post("/admin/mfa/verify", json={"totp": totp.now()}, headers=headers)
    assert ok.status_code == 200, ok.text
    listed = await client.get(
        "/admin/admins/", params={"admin_id": admin.admin_id}, headers=headers
    )
    assert listed.json()[0]["mfa_enabled"] is True
    assert body["secret"] not in listed.text

    missing = await admin_login(client, admin)
    assert (missing.status_code, missing.json()["code"]) == (401, "totp_required")
    bad = await admin_login(client, admin, f"{(int(totp.now()) + 1) % 10**6:06d}")
    assert (bad.status_code, bad.json()["code"]) == (401, "totp_invalid")
    code = totp.at(time.time() + 30)  # the next step's code (clock drift is allowed)
    good = await admin_login(client, admin, code)
    assert good.status_code == 200, good.text
    assert (
        await client.get("/admin/admins/", headers=bearer(good.json()["access_token"]))
    ).status_code == 200
    replay = await admin_login(client, admin, code)
    assert (replay.status_code, replay.json()["code"]) == (401, "totp_invalid")

    again = await client.post("/admin/mfa/setup", headers=headers)
    assert (again.status_code, again.json()["code"]) == (409, "mfa_already_enabled")
    audit = await db.execute(
        select(AuditLog).where(AuditLog.admin_id == admin.admin_id).order_by(AuditLog.audit_id)
    )
    rows = audit.scalars().all()
    assert [row.action for row in rows] == ["admin.mfa_setup", "admin.mfa_enable"]
    assert rows[-1].after == {"mfa_enabled": True}
    assert body["secret"] not in json.dumps([[r.before, r.after] for r in rows])


async def test_verify_before_setup_and_disable_when_off_are_409(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    headers = bearer((await login_admin(client, await make_admin(db)))["access_token"])
    verify = await client.post("/admin/mfa/verify", json={"totp": "123456"}, headers=headers)
    assert (verify.status_code, verify.json()["code"]) == (409, "mfa_not_set_up")
    disable = await client.post("/admin/mfa/disable", json={"totp": "123456"}, headers=headers)
    assert (disable.status_code, disable.json()["code"]) == (409, "mfa_not_enabled")
    malformed = await client.post("/admin/mfa/verify", json={"totp": "12 456"}, headers=headers)
    assert malformed.status_code == 422


async def test_disable_takes_a_current_code(client: httpx.AsyncClient, db: AsyncSession) -> None:
    admin = await make_admin(db)
    headers = bearer((await login_admin(client, admin))["access_token"])
    totp = await enable(client, headers)
    wrong = await client.post(
        "/admin/mfa/disable", json={"totp": f"{(int(totp.now()) + 1) % 10**6:06d}"}, headers=headers
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "totp_invalid")
    off = await client.post("/admin/mfa/disable", json={"totp": totp.now()}, headers=headers)
    assert off.status_code == 200, off.text
    await db.refresh(admin)
    assert (admin.totp_secret, admin.totp_enabled_at) == (None, None)
    assert (await admin_login(client, admin)).status_code == 200


async def test_wrong_codes_count_as_failed_logins_of_the_account(
    client: httpx.AsyncClient, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = await make_admin(db)
    headers = bearer((await login_admin(client, admin))["access_token"])
    totp = await enable(client, headers)
    monkeypatch.setattr(get_settings(), "login_rate_limit", "3/minute")
    rate_limit.reset()
    try:
        wrong = f"{(int(totp.now()) + 1) % 10**6:06d}"
        statuses = [(await admin_login(client, admin, wrong)).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        locked = await admin_login(client, admin, totp.now())
        assert locked.status_code == 429
    finally:
        monkeypatch.undo()
        rate_limit.reset()


async def test_the_command_line_reset_turns_it_off(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    """`nexa reset-admin-mfa` (a lost phone): the password alone signs in again."""
    admin = await make_admin(db)
    await enable(client, bearer((await login_admin(client, admin))["access_token"]))
    assert (await admin_login(client, admin)).json()["code"] == "totp_required"
    assert await admin_service.reset_mfa(db, admin.email.upper())
    assert not await admin_service.reset_mfa(db, "nobody@example.com")
    assert (await admin_login(client, admin)).status_code == 200
