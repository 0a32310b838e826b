"""Recharging a linked number is the own recharge (docs/decisions.md#linked-recharge), plus
spending and plan views (docs/decisions.md#linked-views)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.models import (
    ReferralDiscount,
    ReferralProgram,
    Subscription,
    SubscriptionQueue,
    Transaction,
    VoucherRole,
)
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer
from tests.linked_account import LINKS, at, link, money, recharge_body
from tests.recharge.conftest import Buyer, buyer, make_offer, make_plan, notification_types

__all__ = ["buyer"]


async def transactions_of(db: AsyncSession, payer_id: int) -> int:
    return int(
        await db.scalar(
            select(func.count()).select_from(Transaction).where(Transaction.customer_id == payer_id)
        )
        or 0
    )


async def test_linked_recharge_queues_behind_the_numbers_plan_whoever_bought_it(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    family = await make_customer(db, full_name="Mother")
    family_id, family_phone = family.customer_id, family.phone_number
    stranger = await make_customer(db)
    stranger_headers = bearer((await login_customer(client, stranger))["access_token"])
    plan = await make_plan(db, price=Decimal("299.00"), validity_days=28)
    longer = await make_plan(db, price=Decimal("499.00"), validity_days=56)
    # a third customer bought the number's current plan through the own-recharge endpoint
    current = await client.post(
        "/customer/recharge",
        headers=stranger_headers,
        json={
            "plan_id": plan.plan_id,
            "recipient_phone_number": family_phone,
            "payment_method": "upi",
        },
    )
    assert current.json()["subscription_status"] == "active"
    current_end = at(current.json()["expiry_date"])
    link_id = (await link(client, buyer, family_phone))["linked_account_id"]

    # the body's linked_account_id is ignored: the path wins
    first = await client.post(
        f"{LINKS}/{link_id}/recharge",
        headers=buyer.headers,
        json=recharge_body(987654321, longer.plan_id, payment_method="credit_card"),
    )
    assert first.status_code == 200, first.text
    queued = first.json()
    assert queued["linked_phone_number"] == family_phone
    assert queued["plan_name"] == longer.plan_name
    assert money(queued["final_amount"]) == Decimal("499.00")
    assert (queued["subscription_status"], queued["queue_position"]) == ("queued", 1)
    assert at(queued["activation_date"]) == current_end  # the window starts exactly at its end
    assert at(queued["expiry_date"]) == current_end + timedelta(days=56)
    assert "queued" in queued["message"]

    second = (
        await client.post(
            f"{LINKS}/{link_id}/recharge",
            headers=buyer.headers,
            json=recharge_body(link_id, plan.plan_id),
        )
    ).json()
    assert (second["subscription_status"], second["queue_position"]) == ("queued", 2)
    assert at(second["activation_date"]) == at(queued["expiry_date"])

    transaction = await db.get(Transaction, queued["transaction_id"])
    subscription = await db.get(Subscription, queued["subscription_id"])
    assert transaction is not None and subscription is not None
    assert (transaction.customer_id, transaction.recipient_phone_number) == (
        buyer.customer_id,
        family_phone,
    )
    assert str(transaction.payment_method) == "credit_card"
    assert transaction.subscription_id == subscription.subscription_id
    # the registered number's owner owns the plan, the payer is told about the payment
    # (docs/decisions.md#line-owner)
    assert subscription.customer_id == family_id
    window = (
        await db.execute(
            select(
                SubscriptionQueue.expected_activation_date, SubscriptionQueue.queue_position
            ).where(SubscriptionQueue.subscription_id == subscription.subscription_id)
        )
    ).one()
    assert (window.expected_activation_date, window.queue_position) == (current_end, 1)
    assert await notification_types(db, buyer.customer_id) == ["payment_success"] * 2
    assert (await notification_types(db, family_id)).count("plan_queued") == 2


async def test_unregistered_linked_number_is_activated_now_for_the_payer(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    phone = unique_phone()
    link_id = (await link(client, buyer, phone))["linked_account_id"]
    plan = await make_plan(db, price=Decimal("199.00"), validity_days=28)
    before = clock.now()
    response = await client.post(
        f"{LINKS}/{link_id}/recharge",
        headers=buyer.headers,
        json=recharge_body(link_id, plan.plan_id),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["subscription_status"], body["queue_position"]) == ("active", None)
    assert (body["linked_phone_number"], body["recipient_phone_number"]) == (phone, phone)
    assert at(body["activation_date"]) >= before
    assert at(body["expiry_date"]) == at(body["activation_date"]) + timedelta(days=28)
    assert (money(body["original_amount"]), money(body["discount_amount"])) == (
        Decimal("199.00"),
        Decimal("0.00"),
    )
    subscription = await db.get(Subscription, body["subscription_id"])
    assert subscription is not None and subscription.customer_id == buyer.customer_id
    types = await notification_types(db, buyer.customer_id)
    assert "payment_success" in types and "plan_activated" in types


async def test_prices_offers_and_vouchers_are_the_own_recharge_ones(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    link_id = (await link(client, buyer, unique_phone()))["linked_account_id"]
    plan = await make_plan(db, price=Decimal("299.00"))
    offer = await make_offer(db, plan, "249.00")
    plan_id, offer_id = plan.plan_id, offer.offer_id
    with_offer = (
        await client.post(
            f"{LINKS}/{link_id}/recharge",
            headers=buyer.headers,
            json=recharge_body(link_id, plan_id, offer_id=offer_id),
        )
    ).json()
    assert (money(with_offer["final_amount"]), with_offer["discount_type"]) == (
        Decimal("249.00"),
        "offer",
    )
    # the payer's referral voucher applies to a linked recharge too, and replaces the offer
    program = ReferralProgram(
        referrer_customer_id=buyer.customer_id,
        referral_code=uuid.uuid4().hex[:12].upper(),
        expires_at=clock.now() + timedelta(days=30),
    )
    db.add(program)
    await db.flush()
    voucher = ReferralDiscount(
        referral_id=program.referral_id,
        customer_id=buyer.customer_id,
        beneficiary_role=VoucherRole.referrer,
        discount_percentage=Decimal("10.00"),
        valid_until=clock.now() + timedelta(days=30),
    )
    db.add(voucher)
    await db.flush()
    voucher_id = voucher.discount_id
    declined_voucher = (
        await client.post(
            f"{LINKS}/{link_id}/recharge",
            headers=buyer.headers,
            json=recharge_body(link_id, plan_id, offer_id=offer_id, use_referral_discount=False),
        )
    ).json()
    assert money(declined_voucher["final_amount"]) == Decimal("249.00")
    with_voucher = (
        await client.post(
            f"{LINKS}/{link_id}/recharge",
            headers=buyer.headers,
            json=recharge_body(link_id, plan_id, offer_id=offer_id),
        )
    ).json()
    assert with_voucher["discount_type"] == "referral"
    assert (money(with_voucher["discount_amount"]), money(with_voucher["final_amount"])) == (
        Decimal("29.90"),
        Decimal("269.10"),
    )
    used = (
        await db.execute(
            select(ReferralDiscount.is_used, ReferralDiscount.used_transaction_id).where(
                ReferralDiscount.discount_id == voucher_id
            )
        )
    ).one()
    assert tuple(used) == (True, with_voucher["transaction_id"])


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"payment_method": "cash"}, 422),
        ({"payment_method": None}, 422),
        ({"plan_id": 0}, 422),
        ({"plan_id": "x"}, 422),
        ({"linked_account_id": None}, 422),
        ({"use_referral_discount": "maybe"}, 422),
        ({"offer_id": 2**63}, 422),
    ],
)
async def test_malformed_linked_recharges_are_422_and_charge_nothing(
    client: httpx.AsyncClient,
    db: AsyncSession,
    buyer: Buyer,
    change: dict[str, object],
    status: int,
) -> None:
    link_id = (await link(client, buyer, unique_phone()))["linked_account_id"]
    plan = await make_plan(db)
    body = {**recharge_body(link_id, plan.plan_id), **change}
    body = {key: value for key, value in body.items() if value is not None}
    response = await client.post(f"{LINKS}/{link_id}/recharge", headers=buyer.headers, json=body)
    assert (response.status_code, response.json()["code"]) == (status, "validation_error")
    assert await transactions_of(db, buyer.customer_id) == 0


async def test_missing_plan_and_postpaid_plan_are_refused(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    from nexa.models import PlanType

    link_id = (await link(client, buyer, unique_phone()))["linked_account_id"]
    missing = await client.post(
        f"{LINKS}/{link_id}/recharge", headers=buyer.headers, json=recharge_body(link_id, 987654321)
    )
    assert (missing.status_code, missing.json()["code"]) == (404, "plan_not_found")
    postpaid = await make_plan(db, plan_type=PlanType.postpaid, daily_data_limit_mb=None)
    refused = await client.post(
        f"{LINKS}/{link_id}/recharge",
        headers=buyer.headers,
        json=recharge_body(link_id, postpaid.plan_id),
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "plan_not_prepaid")
    assert await transactions_of(db, buyer.customer_id) == 0


async def test_idempotent_replay_of_a_linked_recharge_charges_once(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    phone = unique_phone()
    link_id = (await link(client, buyer, phone))["linked_account_id"]
    plan = await make_plan(db)
    other_plan = await make_plan(db)
    headers = {**buyer.headers, "Idempotency-Key": f"linked-{uuid.uuid4()}"}
    path = f"{LINKS}/{link_id}/recharge"
    first = await client.post(path, headers=headers, json=recharge_body(link_id, plan.plan_id))
    assert first.status_code == 200, first.text
    # the same request (the body's ignored id may differ: the path wins) replays the answer
    replay = await client.post(path, headers=headers, json=recharge_body(4242, plan.plan_id))
    assert replay.status_code == 200
    assert replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == first.json()
    assert replay.json()["linked_phone_number"] == phone
    conflict = await client.post(
        path, headers=headers, json=recharge_body(link_id, other_plan.plan_id)
    )
    assert (conflict.status_code, conflict.json()["code"]) == (409, "idempotency_key_reused")
    # the key belongs to this linked purchase: the own-recharge endpoint cannot reuse it
    own = await client.post(
        "/customer/recharge",
        headers=headers,
        json={"plan_id": plan.plan_id, "recipient_phone_number": phone, "payment_method": "upi"},
    )
    assert own.status_code == 409
    assert await transactions_of(db, buyer.customer_id) == 1
    subscriptions = await db.scalar(
        select(func.count()).select_from(Subscription).where(Subscription.phone_number == phone)
    )
    assert subscriptions == 1


async def test_spending_sums_successful_payments_for_that_number_only(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer, monkeypatch: pytest.MonkeyPatch
) -> None:
    family = await make_customer(db)
    family_phone = family.phone_number
    family_headers = bearer((await login_customer(client, family))["access_token"])
    link_id = (await link(client, buyer, family_phone))["linked_account_id"]
    other_link_id = (await link(client, buyer, unique_phone()))["linked_account_id"]
    plan = await make_plan(db, price=Decimal("299.00"))
    cheaper = await make_plan(db, price=Decimal("149.50"))
    path = f"{LINKS}/{link_id}/recharge"
    paid = [
        (await client.post(path, headers=buyer.headers, json=recharge_body(link_id, p))).json()
        for p in (plan.plan_id, cheaper.plan_id)
    ]
    # what does not count: the number's own purchase, the buyer's own number, another link
    await client.post(
        "/customer/recharge",
        headers=family_headers,
        json={
            "plan_id": plan.plan_id,
            "recipient_phone_number": family_phone,
            "payment_method": "upi",
        },
    )
    await client.post(
        "/customer/recharge",
        headers=buyer.headers,
        json={
            "plan_id": plan.plan_id,
            "recipient_phone_number": buyer.phone_number,
            "payment_method": "upi",
        },
    )
    await client.post(
        f"{LINKS}/{other_link_id}/recharge",
        headers=buyer.headers,
        json=recharge_body(other_link_id, plan.plan_id),
    )
    # nor a declined payment (recorded as failed, answered 402)
    monkeypatch.setattr(get_settings(), "payment_simulator", "decline")
    declined = await client.post(
        path, headers=buyer.headers, json=recharge_body(link_id, plan.plan_id)
    )
    assert (declined.status_code, declined.json()["code"]) == (402, "payment_failed")
    failed = await db.get(Transaction, declined.json()["transaction_id"])
    assert failed is not None and str(failed.payment_status) == "failed"
    monkeypatch.undo()

    spending = await client.get(f"{LINKS}/{link_id}/spending", headers=buyer.headers)
    assert spending.status_code == 200
    body = spending.json()
    assert (body["linked_account_id"], body["linked_phone_number"]) == (link_id, family_phone)
    assert (money(body["total_spent"]), body["transaction_count"]) == (Decimal("448.50"), 2)
    last = await db.get(Transaction, paid[1]["transaction_id"])
    assert last is not None and at(body["last_recharge_at"]) == last.transaction_date
    assert money(body["total_spent"]) == sum(money(p["final_amount"]) for p in paid)

    # the date range: move the first payment ten days back
    first_id = paid[0]["transaction_id"]
    await db.execute(
        update(Transaction)
        .where(Transaction.transaction_id == first_id)
        .values(transaction_date=clock.now() - timedelta(days=10))
    )
    recent = (
        await client.get(
            f"{LINKS}/{link_id}/spending",
            headers=buyer.headers,
            params={"date_from": (clock.now() - timedelta(days=5)).isoformat()},
        )
    ).json()
    assert (money(recent["total_spent"]), recent["transaction_count"]) == (Decimal("149.50"), 1)
    older = (
        await client.get(
            f"{LINKS}/{link_id}/spending",
            headers=buyer.headers,
            params={"date_to": (clock.now() - timedelta(days=5)).isoformat()},
        )
    ).json()
    assert (money(older["total_spent"]), older["transaction_count"]) == (Decimal("299.00"), 1)
    # a bare date_to includes that whole day
    today = clock.business_date()
    whole = (
        await client.get(
            f"{LINKS}/{link_id}/spending",
            headers=buyer.headers,
            params={"date_from": str(today - timedelta(days=30)), "date_to": str(today)},
        )
    ).json()
    assert (money(whole["total_spent"]), whole["transaction_count"]) == (Decimal("448.50"), 2)
    nothing = (
        await client.get(
            f"{LINKS}/{link_id}/spending",
            headers=buyer.headers,
            params={"date_from": str(today + timedelta(days=1))},
        )
    ).json()
    assert (money(nothing["total_spent"]), nothing["transaction_count"]) == (Decimal("0.00"), 0)
    assert nothing["last_recharge_at"] is None
    backwards = await client.get(
        f"{LINKS}/{link_id}/spending",
        headers=buyer.headers,
        params={"date_from": str(today), "date_to": str(today - timedelta(days=2))},
    )
    assert (backwards.status_code, backwards.json()["code"]) == (400, "invalid_date_range")
    bad = await client.get(
        f"{LINKS}/{link_id}/spending", headers=buyer.headers, params={"date_from": "yesterday"}
    )
    assert bad.status_code == 422


async def test_subscriptions_view_shows_the_plans_the_caller_paid_for(
    client: httpx.AsyncClient, db: AsyncSession, buyer: Buyer
) -> None:
    family = await make_customer(db)
    family_phone = family.phone_number
    family_headers = bearer((await login_customer(client, family))["access_token"])
    link_id = (await link(client, buyer, family_phone))["linked_account_id"]
    base = await make_plan(db, data_allowance_mb=3000, daily_data_limit_mb=1536)
    topup = await make_plan(
        db, is_topup=True, data_allowance_mb=512, daily_data_limit_mb=None, validity_days=7
    )
    base_name, topup_name = base.plan_name, topup.plan_name
    path = f"{LINKS}/{link_id}/recharge"
    active = (
        await client.post(path, headers=buyer.headers, json=recharge_body(link_id, base.plan_id))
    ).json()
    added = (
        await client.post(path, headers=buyer.headers, json=recharge_body(link_id, topup.plan_id))
    ).json()
    assert added["subscription_status"] == "active", added
    # the family member queues a plan themselves (position 1), the buyer queues one after it
    await client.post(
        "/customer/recharge",
        headers=family_headers,
        json={
            "plan_id": base.plan_id,
            "recipient_phone_number": family_phone,
            "payment_method": "upi",
        },
    )
    queued = (
        await client.post(path, headers=buyer.headers, json=recharge_body(link_id, base.plan_id))
    ).json()
    assert queued["queue_position"] == 2

    response = await client.get(f"{LINKS}/{link_id}/subscriptions", headers=buyer.headers)
    assert response.status_code == 200
    assert response.headers["x-total-count"] == "3"
    rows = response.json()
    assert [
        (r["subscription_id"], r["status"], r["is_topup"], r["queue_position"]) for r in rows
    ] == [
        (active["subscription_id"], "active", False, None),
        (added["subscription_id"], "active", True, None),
        (queued["subscription_id"], "queued", False, 2),
    ]
    first = rows[0]
    assert first["plan_name"] == base_name and rows[1]["plan_name"] == topup_name
    assert (first["data_balance_mb"], first["data_balance_gb"]) == (3000, 2.93)
    assert (first["data_allowance_mb"], first["data_allowance_gb"]) == (3000, 2.93)
    assert (first["daily_data_limit_mb"], first["daily_data_limit_gb"]) == (1536, 1.5)
    assert (first["daily_data_used_mb"], first["daily_data_used_gb"]) == (0, 0.0)
    assert (rows[1]["data_balance_gb"], rows[1]["daily_data_limit_gb"]) == (0.5, None)
    assert at(first["activation_date"]) == at(active["activation_date"])
    assert at(rows[2]["activation_date"]) == at(queued["activation_date"])
    assert at(rows[2]["expiry_date"]) == at(queued["expiry_date"])
    assert first["transaction_id"] == active["transaction_id"]

    page = await client.get(
        f"{LINKS}/{link_id}/subscriptions", headers=buyer.headers, params={"skip": 2}
    )
    assert [r["subscription_id"] for r in page.json()] == [queued["subscription_id"]]
    # a plan whose time is up is not shown, even before the expiry job runs
    await db.execute(
        update(Subscription)
        .where(Subscription.subscription_id == added["subscription_id"])
        .values(expiry_date=clock.now() - timedelta(minutes=1))
    )
    after = (await client.get(f"{LINKS}/{link_id}/subscriptions", headers=buyer.headers)).json()
    assert [r["subscription_id"] for r in after] == [
        active["subscription_id"],
        queued["subscription_id"],
    ]


async def test_a_bare_date_is_that_calendar_day_in_the_operators_zone(
    client: httpx.AsyncClient, buyer: Buyer
) -> None:
    link_id = (await link(client, buyer, unique_phone()))["linked_account_id"]
    today = clock.business_date()
    response = await client.get(
        f"{LINKS}/{link_id}/spending",
        headers=buyer.headers,
        params={"date_from": today.isoformat(), "date_to": today.isoformat()},
    )
    assert response.status_code == 200
    body = response.json()
    midnight = datetime.combine(today, time(0), tzinfo=get_settings().business_timezone)
    assert at(body["date_from"]) == midnight
    assert at(body["date_to"]) == midnight + timedelta(days=1)
