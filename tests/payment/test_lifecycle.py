"""The payment lifecycle through the API: pending purchases, signed webhooks, the 72-hour
failure, late captures, refunds, and what each does to the order and to revenue."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import (
    AuditLog,
    Notification,
    Payment,
    PaymentEvent,
    PaymentRefund,
    ReferralDiscount,
    ReferralUsageLog,
    Subscription,
    SubscriptionQueue,
    Transaction,
)
from nexa.payment import checkout
from nexa.payment.providers.simulated import SimulatedProvider
from tests.factories.accounts import unique_phone
from tests.helpers import bearer, login_customer
from tests.payment.conftest import recharge_body, webhook
from tests.recharge.conftest import Buyer, make_plan
from tests.referral.test_referral import generate, register

pytestmark = pytest.mark.usefixtures("pending_mode")


async def buy_pending(client: httpx.AsyncClient, buyer: Buyer, plan_id: int, phone: str) -> str:
    response = await client.post(
        "/customer/recharge", json=recharge_body(plan_id, phone), headers=buyer.headers
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["payment_status"] == "pending" and body["order"]["plan_id"] == plan_id
    return str(body["payment_id"])


async def send(client: httpx.AsyncClient, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await client.post("/payments/webhooks/simulated", content=body, headers=headers)


async def subscriptions_of(db: AsyncSession, phone: str) -> list[Subscription]:
    rows = await db.execute(
        select(Subscription)
        .where(Subscription.phone_number == phone)
        .order_by(Subscription.subscription_id)
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars())


async def test_pending_purchase_then_captured_by_webhook_activates_once(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("299.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    assert await subscriptions_of(db, buyer.phone_number) == []  # nothing before the money

    body, headers = webhook(payment_id, "299.00")
    for _ in range(3):  # delivered three times: applied once
        answered = await send(client, body, headers)
        assert answered.status_code == 200, answered.text
    assert answered.json()["duplicate"] is True

    [subscription] = await subscriptions_of(db, buyer.phone_number)
    assert (subscription.status, subscription.plan_id) == ("active", plan.plan_id)
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None and payment.status == "captured" and payment.fulfilled_at
    sale = await db.get(Transaction, payment.transaction_id)
    assert sale is not None
    assert (sale.payment_status, sale.final_amount, sale.subscription_id) == (
        "success",
        Decimal("299.00"),
        subscription.subscription_id,
    )
    view = await client.get(f"/customer/payments/{payment_id}", headers=buyer.headers)
    assert [e["status"] for e in view.json()["timeline"]] == ["created", "pending", "captured"]


async def test_a_forged_or_stale_signature_is_refused_and_changes_nothing(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("199.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    body, _ = webhook(payment_id, "199.00")
    forged = webhook(payment_id, "199.00", secret="not-the-secret")[1]
    stale = webhook(payment_id, "199.00", sent_at=int(time.time()) - 301)
    for headers in (forged, {}, {"X-Nexa-Signature": "t=1,v1=abc"}):
        refused = await send(client, body, headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_signature")
    assert (await send(client, *stale)).status_code == 401
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None and payment.status == "pending"
    assert await subscriptions_of(db, buyer.phone_number) == []


async def test_a_capture_queues_behind_the_running_plan_like_a_synchronous_purchase(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("100.00"), validity_days=28)
    first = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    second = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    for payment_id in (first, second):
        assert (await send(client, *webhook(payment_id, "100.00"))).status_code == 200
    running, queued = await subscriptions_of(db, buyer.phone_number)
    assert (running.status, queued.status) == ("active", "queued")
    entry = (
        await db.execute(
            select(SubscriptionQueue).where(
                SubscriptionQueue.subscription_id == queued.subscription_id
            )
        )
    ).scalar_one()
    assert entry.expected_activation_date == running.expiry_date
    assert queued.expiry_date == running.expiry_date + timedelta(days=28)


async def test_an_amount_that_is_not_the_payments_is_refused_and_audited(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("249.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    refused = await send(client, *webhook(payment_id, "24.90"))
    assert (refused.status_code, refused.json()["code"]) == (400, "amount_mismatch")
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None and payment.status == "pending"
    alert = (
        await db.execute(select(AuditLog).where(AuditLog.target_id == payment_id))
    ).scalar_one()
    assert (alert.action, alert.admin_email) == ("payment.webhook_amount_mismatch", "system")
    assert alert.after is not None and alert.after["expected"] == "249.00"


async def test_a_failure_webhook_declines_and_gives_nothing(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("149.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    assert (await send(client, *webhook(payment_id, "149.00", "payment.failed"))).status_code == 200
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None and payment.status == "failed"
    failed = await db.get(Transaction, payment.transaction_id)
    assert failed is not None and failed.payment_status == "failed"
    assert await subscriptions_of(db, buyer.phone_number) == []
    kinds = (
        await db.execute(
            select(Notification.type).where(Notification.customer_id == buyer.customer_id)
        )
    ).scalars()
    assert "payment_failure" in list(kinds)


async def test_72_hours_without_a_webhook_fail_the_payment(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("399.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    early = await client.post(
        "/admin/test-clock", json={"advance_seconds": 71 * 3600}, headers=admin_headers
    )
    assert early.json()["jobs_run"]["payment_expiry"] == 0
    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": 2 * 3600}, headers=admin_headers
    )
    assert moved.json()["jobs_run"]["payment_expiry"] == 1
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None and payment.status == "failed"
    assert payment.failure_reason == "Not paid in time"
    assert await subscriptions_of(db, buyer.phone_number) == []
    failure = (
        await db.execute(
            select(func.count()).where(
                Notification.customer_id == buyer.customer_id,
                Notification.type == "payment_failure",
            )
        )
    ).scalar_one()
    assert failure == 1

    # the customer pays after all: the money is taken back, nothing is delivered
    late = await send(client, *webhook(payment_id, "399.00"))
    assert late.status_code == 200
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None and payment.status == "captured"
    [refund] = (
        await db.execute(select(PaymentRefund).where(PaymentRefund.payment_id == payment_id))
    ).scalars()
    assert (refund.amount, refund.status) == (Decimal("399.00"), "pending")
    assert await subscriptions_of(db, buyer.phone_number) == []


async def test_a_capture_for_a_plan_withdrawn_meanwhile_is_refunded_not_delivered(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("249.00"))
    key = {**buyer.headers, "Idempotency-Key": "withdrawn-1"}
    body = recharge_body(plan.plan_id, buyer.phone_number)
    accepted = await client.post("/customer/recharge", json=body, headers=key)
    assert accepted.status_code == 202, accepted.text
    payment_id = accepted.json()["payment_id"]
    withdrawn = await client.post(f"/admin/plans/{plan.plan_id}/deactivate", headers=admin_headers)
    assert withdrawn.status_code == 200, withdrawn.text

    assert (await send(client, *webhook(payment_id, "249.00"))).status_code == 200
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    assert (payment.status, payment.fulfilled_at) == ("captured", None)
    [refund] = (
        await db.execute(select(PaymentRefund).where(PaymentRefund.payment_id == payment_id))
    ).scalars()
    assert (refund.amount, refund.status) == (Decimal("249.00"), "pending")
    assert await subscriptions_of(db, buyer.phone_number) == []
    # the purchase's key now answers what became of it
    replay = await client.post("/customer/recharge", json=body, headers=key)
    assert (replay.status_code, replay.json()["code"]) == (409, "order_not_fulfilled")
    assert replay.json()["payment_id"] == payment_id

    # the refund completes: the payment is refunded in full, nothing was ever delivered
    assert (await send(client, *webhook(payment_id, "249.00", "refund.processed"))).is_success
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("249.00"))
    assert await subscriptions_of(db, buyer.phone_number) == []


async def test_refund_of_a_captured_recharge_ends_the_plan_and_lowers_net_revenue(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("499.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    assert (await send(client, *webhook(payment_id, "499.00"))).status_code == 200
    before = (await client.get("/admin/analytics/dashboard", headers=admin_headers)).json()

    too_much = await client.post(
        f"/admin/payments/{payment_id}/refund", json={"amount": 500}, headers=admin_headers
    )
    assert (too_much.status_code, too_much.json()["code"]) == (422, "refund_exceeds_payment")
    asked = await client.post(
        f"/admin/payments/{payment_id}/refund",
        json={"reason": "Customer asked"},
        headers={**admin_headers, "Idempotency-Key": "refund-1"},
    )
    assert asked.status_code == 200, asked.text
    [refund] = asked.json()["refunds"]
    assert (refund["amount"], refund["status"]) == (499.0, "pending")  # webhooks in play

    done = webhook(payment_id, "499.00", "refund.processed")
    assert (await send(client, *done)).status_code == 200
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    assert (payment.status, payment.refunded_amount) == ("refunded", Decimal("499.00"))
    [subscription] = await subscriptions_of(db, buyer.phone_number)
    assert subscription.status == "cancelled"
    refunded = (
        await db.execute(
            select(Notification.message).where(
                Notification.customer_id == buyer.customer_id,
                Notification.type == "payment_refunded",
            )
        )
    ).scalar_one()
    assert "₹499.00" in refunded
    after = (await client.get("/admin/analytics/dashboard", headers=admin_headers)).json()
    fall = Decimal(str(before["today"]["net_revenue_amount"])) - Decimal(
        str(after["today"]["net_revenue_amount"])
    )
    assert fall == Decimal("499.00")
    assert after["today"]["revenue"] == before["today"]["revenue"]  # gross keeps the sale

    again = await client.post(
        f"/admin/payments/{payment_id}/refund",
        json={"reason": "Customer asked"},
        headers={**admin_headers, "Idempotency-Key": "refund-1"},
    )
    assert again.json()["refunds"] == asked.json()["refunds"]  # the first answer, replayed
    nothing_left = await client.post(
        f"/admin/payments/{payment_id}/refund", json={}, headers=admin_headers
    )
    assert (nothing_left.status_code, nothing_left.json()["code"]) == (
        409,
        "payment_not_refundable",
    )


async def test_refunding_a_queued_plan_moves_the_queue_up(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("100.00"), validity_days=10)
    bought = [await buy_pending(client, buyer, plan.plan_id, buyer.phone_number) for _ in "abc"]
    for payment_id in bought:
        assert (await send(client, *webhook(payment_id, "100.00"))).status_code == 200
    running, second, third = await subscriptions_of(db, buyer.phone_number)
    asked = await client.post(f"/admin/payments/{bought[1]}/refund", json={}, headers=admin_headers)
    assert asked.status_code == 200
    assert (await send(client, *webhook(bought[1], "100.00", "refund.processed"))).is_success

    running, second, third = await subscriptions_of(db, buyer.phone_number)
    assert (running.status, second.status, third.status) == ("active", "cancelled", "queued")
    entry = (
        await db.execute(
            select(SubscriptionQueue)
            .where(SubscriptionQueue.subscription_id == third.subscription_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    assert entry.queue_position == 1
    assert entry.expected_activation_date == running.expiry_date
    assert third.expiry_date == running.expiry_date + timedelta(days=10)


async def test_a_partial_refund_keeps_the_plan(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("300.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    assert (await send(client, *webhook(payment_id, "300.00"))).status_code == 200
    asked = await client.post(
        f"/admin/payments/{payment_id}/refund", json={"amount": 120.5}, headers=admin_headers
    )
    assert asked.status_code == 200
    done = webhook(payment_id, "120.50", "refund.processed")
    assert (await send(client, *done)).status_code == 200
    payment = await db.get(Payment, payment_id, populate_existing=True)
    assert payment is not None
    assert (payment.status, payment.refunded_amount) == ("partially_refunded", Decimal("120.50"))
    [subscription] = await subscriptions_of(db, buyer.phone_number)
    assert subscription.status == "active"
    rest = await client.post(
        f"/admin/payments/{payment_id}/refund", json={"amount": 179.5}, headers=admin_headers
    )
    assert rest.status_code == 200  # exactly what is left


async def test_a_customer_sees_only_their_own_payments(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db, price=Decimal("99.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, unique_phone())
    mine = await client.get(f"/customer/payments/{payment_id}", headers=buyer.headers)
    assert mine.status_code == 200 and mine.json()["order"]["amount"] == 99.0
    listed = await client.get(
        "/admin/payments",
        params={"status": "pending", "customer_id": buyer.customer_id},
        headers=admin_headers,
    )
    assert [p["payment_id"] for p in listed.json()] == [payment_id]
    assert listed.headers["x-total-count"] == "1"
    events = (
        await db.execute(select(func.count()).where(PaymentEvent.payment_id == payment_id))
    ).scalar_one()
    assert events == 2  # created, pending


@pytest.mark.parametrize("opened_before_the_flag", [False, True])
async def test_a_referees_first_purchase_paid_later_completes_the_referral(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, opened_before_the_flag: bool
) -> None:
    """Pricing notes whether the payer's referral waits (delivery skips the check when it
    does not); a payment opened without that note is checked at delivery all the same."""
    program = await generate(client, buyer)
    phone = unique_phone()
    assert (await register(client, str(program["referral_code"]), phone)).status_code == 200
    headers = bearer((await login_customer(client, phone, "secret1"))["access_token"])
    plan = await make_plan(db, price=Decimal("599.00"))
    opened = await client.post(
        "/customer/recharge", json=recharge_body(plan.plan_id, phone), headers=headers
    )
    assert opened.status_code == 202, opened.text
    payment_id, amount = opened.json()["payment_id"], opened.json()["order"]["amount"]
    assert Decimal(str(amount)) == Decimal("539.10")  # the referee's 10 % voucher, held
    payment = await db.get(Payment, payment_id)
    assert payment is not None and payment.order_details["referral_pending"] is True
    if opened_before_the_flag:
        payment.order_details = {}
        await db.flush()

    assert (await send(client, *webhook(payment_id, "539.10"))).status_code == 200

    await db.refresh(payment)
    [application] = (
        await db.execute(
            select(ReferralUsageLog)
            .where(ReferralUsageLog.referral_id == program["referral_id"])
            .execution_options(populate_existing=True)
        )
    ).scalars()
    assert (application.status, application.completed_transaction_id) == (
        "completed",
        payment.transaction_id,
    )
    referrer_vouchers = (
        await db.execute(
            select(ReferralDiscount.discount_percentage).where(
                ReferralDiscount.customer_id == buyer.customer_id,
                ReferralDiscount.beneficiary_role == "referrer",
            )
        )
    ).scalars()
    assert list(referrer_vouchers) == [Decimal("30.00")]


async def test_a_purchase_by_a_customer_without_a_referral_notes_none_waits(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("99.00"))
    payment_id = await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    payment = await db.get(Payment, payment_id)
    assert payment is not None and payment.order_details["referral_pending"] is False
    assert (await send(client, *webhook(payment_id, "99.00"))).status_code == 200
    assert [s.status for s in await subscriptions_of(db, buyer.phone_number)] == ["active"]


@pytest.mark.parametrize("in_process", [True, False])
async def test_the_opened_payment_waits_for_the_disk_only_before_an_outside_provider(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    monkeypatch: pytest.MonkeyPatch,
    in_process: bool,
) -> None:
    """An outside provider (Razorpay) learns of the payment when asked: NEXA's record of it
    must be on disk first. The simulator decides in the process."""
    steps: list[bool] = []

    async def recorded(session: AsyncSession, *, while_waiting_outside: bool = True) -> None:
        steps.append(while_waiting_outside)
        await real_commit_step(session, while_waiting_outside=while_waiting_outside)

    real_commit_step = checkout.commit_step
    monkeypatch.setattr(checkout, "commit_step", recorded)
    monkeypatch.setattr(SimulatedProvider, "in_process", in_process)
    plan = await make_plan(db, price=Decimal("49.00"))
    await buy_pending(client, buyer, plan.plan_id, buyer.phone_number)
    assert steps == [not in_process]
