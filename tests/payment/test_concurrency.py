"""Real commits, real concurrency: webhooks delivered at once settle a payment once; an
activation's bills have one open payment at a time; the reconciliation job settles what a
checkout left open."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from nexa.core.config import get_settings
from nexa.core.db import get_sessionmaker
from nexa.models import Payment, PaymentEvent, Subscription, Transaction
from nexa.payment import reconciliation
from tests.cleanup import CommittedSetup, committed_customer_and_plan
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import bearer, login_customer
from tests.payment.conftest import assert_money_invariant, recharge_body, webhook


@pytest.fixture
async def shopper(
    committing_client: httpx.AsyncClient,
) -> AsyncIterator[tuple[CommittedSetup, dict[str, str]]]:
    setup = await committed_customer_and_plan(plan_name="Webhook race", price=Decimal("199.00"))
    tokens = await login_customer(committing_client, setup.phone_number, DEFAULT_PASSWORD)
    yield setup, bearer(tokens["access_token"])
    async with get_sessionmaker()() as db:
        await assert_money_invariant(db)
    await setup.purge()


async def count(model: type, *conditions: object) -> int:
    async with get_sessionmaker()() as db:
        return int(
            (
                await db.execute(select(func.count()).select_from(model).where(*conditions))
            ).scalar_one()
        )


@pytest.mark.usefixtures("pending_mode")
async def test_five_concurrent_deliveries_of_a_capture_deliver_the_plan_once(
    committing_client: httpx.AsyncClient, shopper: tuple[CommittedSetup, dict[str, str]]
) -> None:
    setup, headers = shopper
    bought = await committing_client.post(
        "/customer/recharge", json=recharge_body(setup.plan_id, setup.phone_number), headers=headers
    )
    assert bought.status_code == 202, bought.text
    payment_id = bought.json()["payment_id"]
    body, signed = webhook(payment_id, "199.00")
    answers = await asyncio.gather(
        *(
            committing_client.post("/payments/webhooks/simulated", content=body, headers=signed)
            for _ in range(5)
        )
    )
    assert [a.status_code for a in answers] == [200] * 5
    assert sorted(a.json()["duplicate"] for a in answers) == [False] + [True] * 4
    assert await count(Subscription, Subscription.phone_number == setup.phone_number) == 1
    assert (
        await count(
            Transaction,
            Transaction.payment_id == payment_id,
            Transaction.payment_status == "success",
        )
        == 1
    )
    assert await count(PaymentEvent, PaymentEvent.payment_id == payment_id) == 3


async def test_reconciliation_settles_a_payment_its_checkout_left_open(
    committing_client: httpx.AsyncClient,
    shopper: tuple[CommittedSetup, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    setup, headers = shopper
    monkeypatch.setattr(get_settings(), "payment_simulator", "pending")
    bought = await committing_client.post(
        "/customer/recharge", json=recharge_body(setup.plan_id, setup.phone_number), headers=headers
    )
    payment_id = bought.json()["payment_id"]
    # the provider decides meanwhile (the simulator now approves): the job asks and settles
    monkeypatch.setattr(get_settings(), "payment_simulator", "approve")
    assert await reconciliation.check_open_payments() >= 1
    async with get_sessionmaker()() as db:
        payment = await db.get(Payment, payment_id)
        assert payment is not None and payment.status == "captured"
        assert payment.check_attempts == 1 and payment.next_check_at is None
    assert await count(Subscription, Subscription.phone_number == setup.phone_number) == 1
    replay = await committing_client.post(
        "/customer/recharge",
        json=recharge_body(setup.plan_id, setup.phone_number),
        headers={**headers, "Idempotency-Key": "never-used"},
    )
    assert replay.status_code == 200  # a new purchase: the simulator approves at once


def test_checks_back_off_to_an_hour() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 1, 1, tzinfo=UTC)
    gaps = [reconciliation.next_check(attempts, now) - now for attempts in (1, 2, 3, 7, 8, 20)]
    assert gaps == [timedelta(minutes=m) for m in (1, 2, 4, 60, 60, 60)]
