"""POST /customer/recharge: prices, offers, activation, queue, top-ups, payment failures."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.models import (
    PlanStatus,
    PlanType,
    Subscription,
    SubscriptionQueue,
    Transaction,
)
from tests.factories.accounts import unique_phone
from tests.recharge.conftest import Buyer, make_offer, make_plan, notification_types


def recharge_body(plan_id: int, phone: str, **extra: object) -> dict[str, object]:
    return {"plan_id": plan_id, "recipient_phone_number": phone, "payment_method": "upi", **extra}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def test_example_fixed_offer(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    """The worked example docs/decisions.md#example-fixed-offer, through a recharge."""
    plan = await make_plan(db, price=Decimal("599.00"))
    offer = await make_offer(db, plan, "499.00")
    response = await client.post(
        "/customer/recharge",
        json=recharge_body(plan.plan_id, buyer.phone_number, offer_id=offer.offer_id),
        headers=buyer.headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["original_amount"] == 599.00
    assert body["discount_amount"] == 100.00
    assert body["final_amount"] == 499.00
    assert body["discount_type"] == "offer"
    assert body["payment_status"] == "success"
    assert body["subscription_status"] == "active"

    transaction = await db.get(Transaction, body["transaction_id"])
    assert transaction is not None
    assert (transaction.original_amount, transaction.discount_amount, transaction.final_amount) == (
        Decimal("599.00"),
        Decimal("100.00"),
        Decimal("499.00"),
    )
    assert transaction.offer_id == offer.offer_id
    assert transaction.transaction_type == "prepaid_recharge"
    subscription = await db.get(Subscription, body["subscription_id"])
    assert subscription is not None and subscription.status == "active"
    assert subscription.expiry_date - subscription.activation_date == timedelta(days=28)
    assert subscription.data_balance_mb == 28 * 2048
    assert subscription.customer_id == buyer.customer_id
    assert await notification_types(db, buyer.customer_id) == ["payment_success", "plan_activated"]


async def test_recharge_without_offer_charges_the_list_price(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db, price=Decimal("333.33"))
    body = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(plan.plan_id, buyer.phone_number, offer_id=0),
            headers=buyer.headers,
        )
    ).json()
    assert (body["original_amount"], body["discount_amount"], body["final_amount"]) == (
        333.33,
        0.0,
        333.33,
    )
    assert body["discount_type"] is None


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("missing", "offer_not_found"),
        ("foreign", "offer_for_another_plan"),
        ("expired", "offer_not_valid"),
        ("future", "offer_not_valid"),
    ],
)
async def test_invalid_offers_are_400_and_write_nothing(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, case: str, code: str
) -> None:
    plan = await make_plan(db)
    other = await make_plan(db)
    offers = {
        "missing": None,
        "foreign": await make_offer(db, other, "100.00"),
        "expired": await make_offer(
            db, plan, "100.00", starts_in=timedelta(days=-10), lasts=timedelta(days=2)
        ),
        "future": await make_offer(db, plan, "100.00", starts_in=timedelta(days=2)),
    }
    offer = offers[case]
    offer_id = offer.offer_id if offer else 987654321
    plan_id = plan.plan_id
    response = await client.post(
        "/customer/recharge",
        json=recharge_body(plan_id, buyer.phone_number, offer_id=offer_id),
        headers=buyer.headers,
    )
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert str(offer_id) in response.json()["detail"]
    count = await db.scalar(
        select(func.count()).select_from(Transaction).where(Transaction.plan_id == plan_id)
    )
    assert count == 0


async def test_plans_that_cannot_be_sold(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    postpaid = await make_plan(db, plan_type=PlanType.postpaid, daily_data_limit_mb=None)
    inactive = await make_plan(db, status=PlanStatus.inactive)
    deleted = await make_plan(db, deleted_at=datetime.now().astimezone())
    ids = postpaid.plan_id, inactive.plan_id, deleted.plan_id
    response = await client.post(
        "/customer/recharge", json=recharge_body(ids[0], buyer.phone_number), headers=buyer.headers
    )
    assert (response.status_code, response.json()["code"]) == (400, "plan_not_prepaid")
    for plan_id in ids[1:]:
        response = await client.post(
            "/customer/recharge",
            json=recharge_body(plan_id, buyer.phone_number),
            headers=buyer.headers,
        )
        assert (response.status_code, response.json()["code"]) == (404, "plan_not_found")


async def test_bad_recharge_input_is_422(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db)
    for body in (
        recharge_body(plan.plan_id, "12345"),
        recharge_body(plan.plan_id, buyer.phone_number, payment_method="cash"),
        {"plan_id": plan.plan_id},
        recharge_body(2**70, buyer.phone_number),
    ):
        response = await client.post("/customer/recharge", json=body, headers=buyer.headers)
        assert response.status_code == 422, body


async def test_recharge_requires_a_customer(
    client: httpx.AsyncClient, db: AsyncSession, admin_headers: dict[str, str]
) -> None:
    plan = await make_plan(db)
    body = recharge_body(plan.plan_id, unique_phone())
    assert (await client.post("/customer/recharge", json=body)).status_code == 401
    response = await client.post("/customer/recharge", json=body, headers=admin_headers)
    assert response.status_code == 403


async def test_second_plan_is_queued_at_the_first_expiry_and_starts_after_the_clock_moves(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    first_plan = await make_plan(db, validity_days=28)
    second_plan = await make_plan(db, validity_days=56)
    third_plan = await make_plan(db, validity_days=84)
    phone = buyer.phone_number
    first = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(first_plan.plan_id, phone),
            headers=buyer.headers,
        )
    ).json()
    second = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(second_plan.plan_id, phone),
            headers=buyer.headers,
        )
    ).json()
    third = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(third_plan.plan_id, phone),
            headers=buyer.headers,
        )
    ).json()
    assert first["subscription_status"] == "active"
    assert (second["subscription_status"], second["queue_position"]) == ("queued", 1)
    assert (third["subscription_status"], third["queue_position"]) == ("queued", 2)
    # windows chain exactly: no gap, no overlap
    assert at(second["activation_date"]) == at(first["expiry_date"])
    assert at(second["expiry_date"]) == at(first["expiry_date"]) + timedelta(days=56)
    assert at(third["activation_date"]) == at(second["expiry_date"])
    assert "plan_queued" in await notification_types(db, buyer.customer_id)

    moved = await client.post(
        "/admin/test-clock", json={"advance_seconds": 28 * 86400 + 60}, headers=admin_headers
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["jobs_run"]["subscription_lifecycle"] >= 1

    rows = {
        row.subscription_id: row
        for row in (
            await db.execute(
                select(Subscription)
                .where(Subscription.phone_number == phone)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    assert rows[first["subscription_id"]].status == "expired"
    started = rows[second["subscription_id"]]
    assert started.status == "active"
    assert started.activation_date == at(first["expiry_date"])  # exactly at the predecessor's end
    assert rows[third["subscription_id"]].status == "queued"
    waiting = (
        await db.execute(
            select(SubscriptionQueue.subscription_id, SubscriptionQueue.queue_position).where(
                SubscriptionQueue.phone_number == phone, SubscriptionQueue.processed_at.is_(None)
            )
        )
    ).all()
    assert [tuple(row) for row in waiting] == [(third["subscription_id"], 1)]
    assert (await notification_types(db, buyer.customer_id)).count("plan_activated") == 2


async def test_topup_needs_an_active_base_plan_and_ends_with_it(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, admin_headers: dict[str, str]
) -> None:
    base_plan = await make_plan(db, validity_days=5)
    week_topup = await make_plan(
        db,
        is_topup=True,
        validity_days=7,
        price=Decimal("58.00"),
        data_allowance_mb=3072,
        daily_data_limit_mb=None,
    )
    day_topup = await make_plan(
        db,
        is_topup=True,
        validity_days=1,
        price=Decimal("19.00"),
        data_allowance_mb=1024,
        daily_data_limit_mb=None,
    )
    phone = buyer.phone_number
    refused = await client.post(
        "/customer/recharge", json=recharge_body(week_topup.plan_id, phone), headers=buyer.headers
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "no_active_base_plan")

    base = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(base_plan.plan_id, phone),
            headers=buyer.headers,
        )
    ).json()
    long_topup = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(week_topup.plan_id, phone),
            headers=buyer.headers,
        )
    ).json()
    short_topup = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(day_topup.plan_id, phone),
            headers=buyer.headers,
        )
    ).json()
    assert at(long_topup["expiry_date"]) == at(base["expiry_date"])  # capped by the base plan
    assert at(short_topup["expiry_date"]) == at(short_topup["activation_date"]) + timedelta(days=1)
    transaction = await db.get(Transaction, long_topup["transaction_id"])
    assert transaction is not None and transaction.transaction_type == "topup_purchase"
    topup = await db.get(Subscription, long_topup["subscription_id"])
    assert topup is not None and topup.base_subscription_id == base["subscription_id"]
    assert "topup_activated" in await notification_types(db, buyer.customer_id)

    await client.post(
        "/admin/test-clock", json={"advance_seconds": 5 * 86400 + 1}, headers=admin_headers
    )
    statuses = {
        row.subscription_id: row.status
        for row in (
            await db.execute(
                select(Subscription)
                .where(Subscription.phone_number == phone)
                .execution_options(populate_existing=True)
            )
        ).scalars()
    }
    assert statuses == {
        base["subscription_id"]: "expired",
        long_topup["subscription_id"]: "expired",
        short_topup["subscription_id"]: "expired",
    }


async def test_declined_payment_is_recorded_and_answers_402(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "payment_simulator", "decline")
    plan = await make_plan(db)
    plan_id = plan.plan_id
    response = await client.post(
        "/customer/recharge",
        json=recharge_body(plan_id, buyer.phone_number),
        headers={**buyer.headers, "Idempotency-Key": "declined-1"},
    )
    assert response.status_code == 402
    body = response.json()
    assert body["code"] == "payment_failed" and body["payment_status"] == "failed"
    transaction = await db.get(Transaction, body["transaction_id"])
    assert transaction is not None
    assert transaction.payment_status == "failed" and transaction.subscription_id is None
    assert (
        await db.scalar(
            select(func.count())
            .select_from(Subscription)
            .where(Subscription.phone_number == buyer.phone_number)
        )
        == 0
    )
    assert await notification_types(db, buyer.customer_id) == ["payment_failure"]
    # the same key answers the same 402 without charging again
    again = await client.post(
        "/customer/recharge",
        json=recharge_body(plan_id, buyer.phone_number),
        headers={**buyer.headers, "Idempotency-Key": "declined-1"},
    )
    assert again.status_code == 402 and again.json() == body
    assert (
        await db.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.plan_id == plan_id)
        )
        == 1
    )


async def test_idempotency_key_replays_and_conflicts(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    plan = await make_plan(db)
    other = await make_plan(db)
    headers = {**buyer.headers, "Idempotency-Key": "order-42"}
    first = await client.post(
        "/customer/recharge", json=recharge_body(plan.plan_id, buyer.phone_number), headers=headers
    )
    repeat = await client.post(
        "/customer/recharge", json=recharge_body(plan.plan_id, buyer.phone_number), headers=headers
    )
    assert first.status_code == repeat.status_code == 200
    assert repeat.json() == first.json()
    assert repeat.headers["idempotent-replayed"] == "true"
    conflict = await client.post(
        "/customer/recharge", json=recharge_body(other.plan_id, buyer.phone_number), headers=headers
    )
    assert (conflict.status_code, conflict.json()["code"]) == (409, "idempotency_key_reused")
    count = await db.scalar(
        select(func.count())
        .select_from(Transaction)
        .where(Transaction.customer_id == buyer.customer_id)
    )
    assert count == 1


async def test_recharge_for_another_registered_number_goes_to_its_owner(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    from tests.factories.accounts import make_customer

    friend = await make_customer(db)
    friend_id = friend.customer_id
    plan = await make_plan(db)
    body = (
        await client.post(
            "/customer/recharge",
            json=recharge_body(plan.plan_id, "+91" + friend.phone_number),
            headers=buyer.headers,
        )
    ).json()
    subscription = await db.get(Subscription, body["subscription_id"])
    transaction = await db.get(Transaction, body["transaction_id"])
    assert subscription is not None and transaction is not None
    # the line owner sees the plan (docs/decisions.md#line-owner)
    assert subscription.customer_id == friend_id
    assert transaction.customer_id == buyer.customer_id  # the payer sees the payment
    assert "plan_activated" in await notification_types(db, friend_id)
