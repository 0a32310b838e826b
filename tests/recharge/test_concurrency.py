"""Real concurrency on real commits: purchases of one number serialize; keys charge once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, or_, select, update

from nexa.core.db import get_sessionmaker
from nexa.models import (
    Notification,
    Subscription,
    SubscriptionQueue,
    Transaction,
)
from nexa.recharge import tasks
from tests.cleanup import committed_customer_and_plan
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import bearer, login_customer


@dataclass
class Committed:
    customer_id: int
    phone_number: str
    plan_id: int
    headers: dict[str, str]


@pytest.fixture
async def committed(committing_client: httpx.AsyncClient) -> AsyncIterator[Committed]:
    """A customer and a plan that really exist (committed), removed afterwards."""
    setup = await committed_customer_and_plan(plan_name="Race plan")
    tokens = await login_customer(committing_client, setup.phone_number, DEFAULT_PASSWORD)
    yield Committed(
        setup.customer_id, setup.phone_number, setup.plan_id, bearer(tokens["access_token"])
    )
    await setup.purge()


def body(c: Committed) -> dict[str, object]:
    return {"plan_id": c.plan_id, "recipient_phone_number": c.phone_number, "payment_method": "upi"}


async def test_50_concurrent_recharges_of_one_number_give_1_active_and_49_queued(
    committing_client: httpx.AsyncClient, committed: Committed
) -> None:
    responses = await asyncio.gather(
        *(
            committing_client.post(
                "/customer/recharge", json=body(committed), headers=committed.headers
            )
            for _ in range(50)
        )
    )
    assert [r.status_code for r in responses] == [200] * 50
    async with get_sessionmaker()() as db:
        rows = (
            (
                await db.execute(
                    select(Subscription).where(Subscription.phone_number == committed.phone_number)
                )
            )
            .scalars()
            .all()
        )
        queue = (
            (
                await db.execute(
                    select(SubscriptionQueue)
                    .where(
                        SubscriptionQueue.phone_number == committed.phone_number,
                        SubscriptionQueue.processed_at.is_(None),
                    )
                    .order_by(SubscriptionQueue.queue_position)
                )
            )
            .scalars()
            .all()
        )
    statuses = sorted(str(row.status) for row in rows)
    assert statuses == ["active"] + ["queued"] * 49
    assert [row.queue_position for row in queue] == list(range(1, 50))
    # windows are contiguous and never overlap: each starts when the previous ends
    active = next(row for row in rows if row.status == "active")
    end = active.expiry_date
    for row in queue:
        assert row.expected_activation_date == end
        assert row.expected_expiry_date == end + timedelta(days=28)
        end = row.expected_expiry_date


async def test_20_concurrent_requests_with_one_key_make_one_transaction(
    committing_client: httpx.AsyncClient, committed: Committed
) -> None:
    headers = {**committed.headers, "Idempotency-Key": f"race-{uuid.uuid4()}"}
    responses = await asyncio.gather(
        *(
            committing_client.post("/customer/recharge", json=body(committed), headers=headers)
            for _ in range(20)
        )
    )
    assert [r.status_code for r in responses] == [200] * 20
    assert len({r.json()["transaction_id"] for r in responses}) == 1
    async with get_sessionmaker()() as db:
        count = await db.scalar(
            select(func.count())
            .select_from(Transaction)
            .where(Transaction.customer_id == committed.customer_id)
        )
    assert count == 1


async def test_lifecycle_job_activates_the_queue_on_committed_data(
    committing_client: httpx.AsyncClient, committed: Committed
) -> None:
    first = (
        await committing_client.post(
            "/customer/recharge", json=body(committed), headers=committed.headers
        )
    ).json()
    second = (
        await committing_client.post(
            "/customer/recharge", json=body(committed), headers=committed.headers
        )
    ).json()
    async with get_sessionmaker()() as db, db.begin():
        # the first plan's time ran out (as if the job ran late), the queue was not touched
        ended = await db.get(Subscription, first["subscription_id"])
        assert ended is not None
        shift = (
            ended.expiry_date - (ended.activation_date or ended.expiry_date) + timedelta(hours=1)
        )
        await db.execute(
            update(Subscription)
            .where(
                or_(
                    Subscription.subscription_id == first["subscription_id"],
                    Subscription.subscription_id == second["subscription_id"],
                )
            )
            .values(expiry_date=Subscription.expiry_date - shift)
        )
        await db.execute(
            update(SubscriptionQueue)
            .where(SubscriptionQueue.subscription_id == second["subscription_id"])
            .values(
                expected_activation_date=SubscriptionQueue.expected_activation_date - shift,
                expected_expiry_date=SubscriptionQueue.expected_expiry_date - shift,
            )
        )
    changed = await tasks.subscription_lifecycle(timestamp=0)
    assert changed >= 1
    async with get_sessionmaker()() as db:
        statuses = dict(
            (
                await db.execute(
                    select(Subscription.subscription_id, Subscription.status).where(
                        Subscription.phone_number == committed.phone_number
                    )
                )
            ).all()
        )
        activated = await db.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.dedupe_key == f"plan_activated:{second['subscription_id']}")
        )
    assert statuses == {first["subscription_id"]: "expired", second["subscription_id"]: "active"}
    assert activated == 1
    # running it again changes nothing
    assert await tasks.subscription_lifecycle(timestamp=0) == 0
