"""Where a code goes: ahead of bulk messages through the outbox, to the gateway, into the
test inbox outside production, and nowhere else (docs/decisions.md#otp-delivery,
#test-sms-inbox)."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.main import create_app
from nexa.models import (
    AuditLog,
    Notification,
    NotificationType,
    OneTimeCode,
    PrioritySms,
    TestSms,
)
from nexa.notification import service as notification_service
from nexa.notification.service import Alert
from tests.factories.accounts import make_customer, unique_phone
from tests.notification.test_delivery import Gateway
from tests.otp.conftest import code_sent_to, deliver_all, inbox, request_code


def mentions(text: str, code: str) -> bool:
    """`code` as a number of its own (not digits of a longer number or of a time's
    fraction of a second)."""
    return re.search(rf"(?<![\d.]){code}(?!\d)", text) is not None


async def priority_sms(db: AsyncSession, phone: str) -> PrioritySms:
    query = select(PrioritySms).where(PrioritySms.phone_number == phone)
    return (await db.execute(query.execution_options(populate_existing=True))).scalar_one()


async def test_a_code_goes_out_ahead_of_a_bulk_promotion(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    audience = [await make_customer(db) for _ in range(30)]
    await notification_service.notify(
        db,
        *[
            Alert(c.customer_id, NotificationType.promotional, "Sale", "50% off all plans")
            for c in audience
        ],
    )
    customer = await make_customer(db)
    await request_code(client, customer.phone_number, "login")
    assert await notification_service.deliver_next(db)  # the first row the job sends
    assert (await priority_sms(db, customer.phone_number)).status == "sent"
    pending = await db.execute(
        select(Notification.status).where(
            Notification.customer_id.in_([c.customer_id for c in audience])
        )
    )
    assert set(pending.scalars()) == {"pending"}  # the promotion waits its turn
    await deliver_all(db)


async def test_the_code_is_stored_nowhere_readable(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    phone = customer.phone_number
    await request_code(client, phone, "login")
    waiting = await priority_sms(db, phone)
    assert waiting.sealed_message and "NEXA" not in waiting.sealed_message  # encrypted
    code = await code_sent_to(client, db, admin_headers, phone)
    sent = await priority_sms(db, phone)
    assert (sent.status, sent.sealed_message) == ("sent", None)  # erased once sent
    stored = (
        await db.execute(select(OneTimeCode).where(OneTimeCode.phone_number == phone))
    ).scalar_one()
    assert code not in stored.code_hash and len(stored.code_hash) == 64

    audited_before = (await db.execute(select(func.max(AuditLog.audit_id)))).scalar() or 0
    tokens = await client.post("/customer/login/otp", json={"phone_number": phone, "otp": code})
    assert tokens.status_code == 200
    moved = await client.post(  # an audited admin action while the code is around
        "/admin/test-clock", json={"advance_seconds": 1}, headers=admin_headers
    )
    assert moved.status_code == 200

    listed = []
    for params in ({"customer_id": customer.customer_id}, {"channel": "sms"}):
        history = await client.get("/admin/notifications/", params=params, headers=admin_headers)
        assert history.status_code == 200
        listed += history.json()
    mine = await client.get(
        "/customer/notifications/",
        headers={"Authorization": f"Bearer {tokens.json()['access_token']}"},
    )
    listed += mine.json()
    stored = (await db.execute(select(Notification.title, Notification.message))).all()
    texts = [f"{row['title']} {row['message']}" for row in listed] + [f"{t} {m}" for t, m in stored]
    assert not [text for text in texts if mentions(text, code) or "your code" in text]
    audit = await db.execute(select(AuditLog).where(AuditLog.audit_id > audited_before))
    entries = [json.dumps([row.before, row.after], default=str) for row in audit.scalars()]
    assert entries and not [entry for entry in entries if mentions(entry, code)]


async def test_codes_are_never_logged(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    capfd: pytest.CaptureFixture[str],
) -> None:
    """Everything written to stdout/stderr while codes are issued, sent (and fail to be
    sent), checked and refused; the live test (test_live.py) reads an INFO-level log."""
    customer = await make_customer(db)
    phone = customer.phone_number
    await request_code(client, phone, "login")
    code = await code_sent_to(client, db, admin_headers, phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    await client.post("/customer/login/otp", json={"phone_number": phone, "otp": wrong})
    await client.post("/customer/login/otp", json={"phone_number": phone, "otp": code})
    out, err = capfd.readouterr()
    assert not mentions(out + err, code) and not mentions(out + err, wrong)
    assert "your code" not in out + err


async def test_a_real_gateway_gets_the_code_and_the_test_inbox_does_not(
    client: httpx.AsyncClient,
    db: AsyncSession,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    customer = await make_customer(db)
    settings = get_settings()
    with Gateway(failures=1) as gateway:
        monkeypatch.setattr(settings, "sms_provider", "http")
        monkeypatch.setattr(settings, "sms_http_url", gateway.url)
        await request_code(client, customer.phone_number, "login")
        await deliver_all(db)
        retried = await priority_sms(db, customer.phone_number)
        assert (retried.status, retried.attempts) == ("pending", 1)
        assert retried.sealed_message is not None  # kept for the retry
        await notification_service.deliver_next(db, retried.next_attempt_at)
    sent = await priority_sms(db, customer.phone_number)
    assert (sent.status, sent.delivery_mode, sent.sealed_message) == ("sent", "real", None)
    keys = {request["key"] for request in gateway.requests}
    assert keys == {f"nexa-sms-{sent.sms_id}"}
    text = str(gateway.requests[-1]["body"]["text"])
    assert gateway.requests[-1]["body"]["to"] == customer.phone_number
    assert "is your code to log in" in text
    assert await inbox(client, admin_headers, customer.phone_number) == []


async def test_the_test_inbox_keeps_the_last_20_per_number(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    customer = await make_customer(db)
    await notification_service.notify(
        db,
        *[
            Alert(customer.customer_id, NotificationType.promotional, "Offer", f"message {n}")
            for n in range(22)
        ],
    )
    await deliver_all(db)
    spelled = f"+91 {customer.phone_number[:5]} {customer.phone_number[5:]}"
    messages = await inbox(client, admin_headers, spelled)
    assert messages == [f"message {n}" for n in range(21, 1, -1)]
    rows = await db.execute(select(TestSms).where(TestSms.phone_number == customer.phone_number))
    assert len(rows.scalars().all()) == 20


async def test_production_keeps_no_test_inbox_and_has_no_endpoint(
    client: httpx.AsyncClient, db: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = await make_customer(db)
    await request_code(client, customer.phone_number, "login")
    monkeypatch.setattr(get_settings(), "environment", "production")
    await deliver_all(db)
    assert (await priority_sms(db, customer.phone_number)).status == "sent"
    kept = await db.execute(select(TestSms).where(TestSms.phone_number == customer.phone_number))
    assert kept.scalars().all() == []

    production: FastAPI = create_app()
    paths = production.openapi()["paths"]
    assert not [path for path in paths if path.startswith(("/admin/test-sms", "/admin/test-clock"))]
    assert "/customer/otp/request" in paths and "/admin/mfa/setup" in paths
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        absent = await http.get(f"/admin/test-sms/{unique_phone()}")
    assert absent.status_code == 404


async def test_the_test_inbox_is_for_admins_only(
    client: httpx.AsyncClient, db: AsyncSession
) -> None:
    phone = unique_phone()
    assert (await client.get(f"/admin/test-sms/{phone}")).status_code == 401
    customer = await make_customer(db)
    login = await client.post(
        "/customer/login",
        json={"phone_number": customer.phone_number, "password": "secret-pass-1"},
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get(f"/admin/test-sms/{phone}", headers=headers)).status_code == 403


def test_fields_named_like_codes_are_redacted_from_logs() -> None:
    from nexa.core.logging import REDACTED, redact_secrets

    line = redact_secrets(None, "info", {"event": "login", "otp": "123456", "totp": "654321"})
    assert line == {"event": "login", "otp": REDACTED, "totp": REDACTED}
