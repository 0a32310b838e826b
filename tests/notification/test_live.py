"""On real commits: the SSE stream over LISTEN/NOTIFY, the worker delivering, no duplicate
alerts from concurrent jobs, and a 10 000-customer broadcast."""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
import uvicorn
from sqlalchemy import delete, func, select, text

from nexa import jobs
from nexa.core import clock
from nexa.core.db import get_sessionmaker
from nexa.main import create_app
from nexa.models import (
    Admin,
    AuthSession,
    Customer,
    Notification,
    NotificationBroadcast,
    Subscription,
)
from nexa.notification import tasks as notification_tasks
from nexa.recharge import lifecycle
from tests.cleanup import CommittedSetup, committed_customer_and_plan
from tests.factories.accounts import make_admin
from tests.helpers import bearer, login_admin, login_customer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def server() -> AsyncIterator[str]:
    """The app served for real on a local port (requests commit)."""
    port = free_port()
    app_server = uvicorn.Server(
        uvicorn.Config(
            create_app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
    )
    task = asyncio.create_task(app_server.serve())
    for _ in range(200):  # up to 10 s for the port to open
        if app_server.started:
            break
        await asyncio.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    app_server.should_exit = True
    await task


@pytest.fixture
async def shopper() -> AsyncIterator[CommittedSetup]:
    setup = await committed_customer_and_plan(plan_name="Live plan", validity_days=2)
    yield setup
    await setup.purge()


async def test_sse_client_receives_the_recharge_notification(
    server: str, shopper: CommittedSetup
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=10) as http:
        token = (await login_customer(http, shopper.phone_number))["access_token"]
        received: list[dict[str, object]] = []

        async def listen() -> None:
            async with http.stream(
                "GET", "/customer/notifications/stream", headers=bearer(token)
            ) as stream:
                assert stream.headers["content-type"].startswith("text/event-stream")
                async for line in stream.aiter_lines():
                    if line.startswith("data: "):
                        received.append(json.loads(line[6:]))
                        if len(received) == 2:
                            return

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0.5)  # connected before the purchase
        started = time.monotonic()
        response = await http.post(
            "/customer/recharge",
            headers=bearer(token),
            json={
                "plan_id": shopper.plan_id,
                "recipient_phone_number": shopper.phone_number,
                "payment_method": "upi",
            },
        )
        assert response.status_code == 200
        await asyncio.wait_for(listener, timeout=5)
        assert time.monotonic() - started < 2
    assert {event["type"] for event in received} == {"payment_success", "plan_activated"}
    assert {event["customer_id"] for event in received} == {shopper.customer_id}


async def test_worker_delivers_the_recharge_notifications(
    committing_client: httpx.AsyncClient, shopper: CommittedSetup
) -> None:
    token = (await login_customer(committing_client, shopper.phone_number))["access_token"]
    response = await committing_client.post(
        "/customer/recharge",
        headers=bearer(token),
        json={
            "plan_id": shopper.plan_id,
            "recipient_phone_number": shopper.phone_number,
            "payment_method": "upi",
        },
    )
    assert response.status_code == 200
    async with jobs.opened_app() as app:
        for _ in range(100):  # the commit wakes the delivery job from this process
            queued = await app.job_manager.list_jobs_async(
                task="notification:deliver_notifications", status="todo"
            )
            if queued:
                break
            await asyncio.sleep(0.02)
        assert queued, "the committed recharge queued a delivery job"
        await app.run_worker_async(wait=False, install_signal_handlers=False)
    async with get_sessionmaker()() as db:
        rows = (
            await db.execute(
                select(Notification.type, Notification.status).where(
                    Notification.customer_id == shopper.customer_id
                )
            )
        ).all()
    assert sorted(rows) == [("payment_success", "sent"), ("plan_activated", "sent")]


async def test_alert_jobs_running_twice_at_once_create_no_duplicates(
    committing_client: httpx.AsyncClient, shopper: CommittedSetup
) -> None:
    token = (await login_customer(committing_client, shopper.phone_number))["access_token"]
    await committing_client.post(
        "/customer/recharge",
        headers=bearer(token),
        json={
            "plan_id": shopper.plan_id,
            "recipient_phone_number": shopper.phone_number,
            "payment_method": "upi",
        },
    )
    later = clock.now() + timedelta(days=1, hours=12)  # inside the plan's last 24 hours

    async def run_job() -> int:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(text("SELECT pg_sleep(0.05)"))
            return await lifecycle.send_expiry_reminders(db, later)

    results = await asyncio.gather(run_job(), run_job(), run_job())
    assert sorted(results) == [0, 0, 1]
    assert await run_job() == 0  # and again later
    async with get_sessionmaker()() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.customer_id == shopper.customer_id,
                Notification.type == "plan_expiry",
            )
        )
        subscriptions = await db.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.phone_number == shopper.phone_number)
        )
    assert (count, subscriptions) == (1, 1)


async def test_broadcast_to_10000_customers(committing_client: httpx.AsyncClient) -> None:
    tag = uuid.uuid4().hex[:6]
    async with get_sessionmaker()() as db, db.begin():
        admin = await make_admin(db)
        admin_email, admin_id = admin.email, admin.admin_id
        await db.execute(
            text(
                "INSERT INTO customer (phone_number, password_hash, full_name) "
                "SELECT '6' || lpad((:base + n)::text, 9, '0'), 'x', 'Bulk ' || :tag "
                "FROM generate_series(1, 10000) AS n"
            ),
            {"base": int(uuid.uuid4().int % 10**8) * 10, "tag": tag},
        )
    broadcast_id = None
    try:
        headers = bearer((await login_admin(committing_client, admin_email))["access_token"])
        started = time.monotonic()
        response = await committing_client.post(
            "/admin/notifications/send",
            headers=headers,
            json={"title": "Big news", "message": "Hello", "channel": "push", "send_to_all": True},
        )
        answered = time.monotonic() - started
        assert response.status_code == 200
        body = response.json()
        broadcast_id = body["broadcast_id"]
        assert body["total_sent"] >= 10000
        started = time.monotonic()
        written = await notification_tasks.fan_out_broadcast(broadcast_id=broadcast_id)
        fanned = time.monotonic() - started
        async with get_sessionmaker()() as db:
            rows = await db.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.broadcast_id == broadcast_id)
            )
        assert rows == written == body["total_sent"]
        assert answered < 2
        print(
            f"\nbroadcast to {rows} customers: request {answered * 1000:.0f} ms, "
            f"fan-out job {fanned:.2f} s"
        )
    finally:
        async with get_sessionmaker()() as db, db.begin():
            if broadcast_id is not None:
                await db.execute(
                    delete(Notification).where(Notification.broadcast_id == broadcast_id)
                )
                await db.execute(
                    delete(NotificationBroadcast).where(
                        NotificationBroadcast.broadcast_id == broadcast_id
                    )
                )
            await db.execute(delete(Customer).where(Customer.full_name == f"Bulk {tag}"))
            await db.execute(
                delete(AuthSession).where(
                    AuthSession.user_type == "admin", AuthSession.subject_id == admin_id
                )
            )
            await db.execute(delete(Admin).where(Admin.admin_id == admin_id))
