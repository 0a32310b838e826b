"""Delivery of SMS and push rows: the logging provider, the HTTP provider with retries."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.models import Notification
from nexa.notification import service
from tests.recharge.conftest import Buyer, make_plan


class Gateway:
    """A local SMS gateway that fails the first `failures` requests of each message."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[dict[str, object]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                gateway.requests.append(
                    {
                        "body": json.loads(self.rfile.read(length)),
                        "auth": self.headers.get("Authorization"),
                        "key": self.headers.get("Idempotency-Key"),
                    }
                )
                key = self.headers.get("Idempotency-Key")
                tries = sum(1 for r in gateway.requests if r["key"] == key)
                status = 503 if tries <= gateway.failures else 202
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    def __enter__(self) -> Gateway:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()


@pytest.fixture
def http_sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    settings = get_settings()
    monkeypatch.setattr(settings, "sms_provider", "http")
    monkeypatch.setattr(settings, "sms_http_auth_header", "Authorization: Bearer gateway-token")
    yield


async def recharge(client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer) -> int:
    plan = await make_plan(db)
    response = await client.post(
        "/customer/recharge",
        headers=buyer.headers,
        json={
            "plan_id": plan.plan_id,
            "recipient_phone_number": buyer.phone_number,
            "payment_method": "upi",
        },
    )
    assert response.status_code == 200
    return int(response.json()["transaction_id"])


async def payment_success(db: AsyncSession, customer_id: int) -> Notification:
    return (
        await db.execute(
            select(Notification)
            .where(Notification.customer_id == customer_id, Notification.type == "payment_success")
            .execution_options(populate_existing=True)
        )
    ).scalar_one()


async def test_recharge_alert_is_delivered_by_the_worker_function(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    await recharge(client, db, buyer)
    row = await payment_success(db, buyer.customer_id)
    assert (row.status, row.sent_at, row.channel) == ("pending", None, "sms")
    while await service.deliver_next(db):
        pass
    row = await payment_success(db, buyer.customer_id)
    assert (row.status, row.delivery_mode, row.attempts) == ("sent", "simulated", 1)
    assert row.sent_at is not None


async def test_http_provider_retries_with_backoff_and_sends_once(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    http_sms: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Gateway(failures=2) as gateway:
        monkeypatch.setattr(get_settings(), "sms_http_url", gateway.url)
        await recharge(client, db, buyer)
        now = clock.now()
        tries = 0
        for step in range(6):  # far more runs than needed: a sent row is never sent again
            while await service.deliver_next(db, now):
                tries += 1
            now += timedelta(seconds=10)
            assert step < 5
            row = await payment_success(db, buyer.customer_id)
            if row.status == "sent":
                break
        row = await payment_success(db, buyer.customer_id)
        assert (row.status, row.attempts, row.delivery_mode) == ("sent", 3, "real")
        mine = [r for r in gateway.requests if r["key"] == f"nexa-{row.notification_id}"]
        assert len(mine) == 3  # two failures, then the one that went through
        assert mine[-1]["auth"] == "Bearer gateway-token"
        assert mine[-1]["body"]["to"] == buyer.phone_number
        assert "paid" in str(mine[-1]["body"]["text"])
        assert not await service.deliver_next(db, now + timedelta(hours=1))


async def test_http_provider_gives_up_after_three_tries(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    http_sms: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Gateway(failures=100) as gateway:
        monkeypatch.setattr(get_settings(), "sms_http_url", gateway.url)
        await recharge(client, db, buyer)
        now = clock.now()
        for _ in range(5):
            while await service.deliver_next(db, now):
                pass
            now += timedelta(minutes=1)
    row = await payment_success(db, buyer.customer_id)
    assert (row.status, row.attempts, row.sent_at) == ("failed", 3, None)
    assert row.failure_reason == "gateway answered 503"


async def test_backoff_waits_before_the_next_try(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    http_sms: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Gateway(failures=100) as gateway:
        monkeypatch.setattr(get_settings(), "sms_http_url", gateway.url)
        await recharge(client, db, buyer)
        now = clock.now()
        while await service.deliver_next(db, now):
            pass
        row = await payment_success(db, buyer.customer_id)
        assert row.attempts == 1 and row.next_attempt_at == now + timedelta(seconds=2)
        assert not await service.deliver_next(db, now + timedelta(seconds=1))  # not yet
        assert await service.next_retry_at(db) is not None
