"""Real commits, real races: the link limit and linked purchases of one number."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from nexa.core.db import get_sessionmaker
from nexa.linked_account.service import MAX_LINKED_ACCOUNTS
from nexa.models import LinkedAccount, Subscription, SubscriptionQueue, Transaction
from tests.cleanup import committed_customer_and_plan, purge
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer
from tests.linked_account import LINKS, recharge_body


async def test_concurrent_adds_never_exceed_the_limit(
    committing_client: httpx.AsyncClient,
) -> None:
    async with get_sessionmaker()() as db, db.begin():
        owner = await make_customer(db)
        owner_id, owner_phone = owner.customer_id, owner.phone_number
    try:
        headers = bearer((await login_customer(committing_client, owner_phone))["access_token"])
        responses = await asyncio.gather(
            *(
                committing_client.post(
                    LINKS, headers=headers, json={"linked_phone_number": unique_phone()}
                )
                for _ in range(8)
            )
        )
        assert sorted(r.status_code for r in responses) == [200] * 5 + [400] * 3
        refused = [r.json()["code"] for r in responses if r.status_code == 400]
        assert refused == ["link_limit_reached"] * 3
        async with get_sessionmaker()() as db:
            count = await db.scalar(
                select(func.count())
                .select_from(LinkedAccount)
                .where(LinkedAccount.primary_customer_id == owner_id)
            )
        assert count == MAX_LINKED_ACCOUNTS
    finally:
        await purge(customer_ids=[owner_id], phones=[owner_phone])


async def test_concurrent_adds_of_one_number_make_one_link(
    committing_client: httpx.AsyncClient,
) -> None:
    async with get_sessionmaker()() as db, db.begin():
        owner = await make_customer(db)
        owner_id, owner_phone = owner.customer_id, owner.phone_number
    try:
        headers = bearer((await login_customer(committing_client, owner_phone))["access_token"])
        phone = unique_phone()
        responses = await asyncio.gather(
            *(
                committing_client.post(LINKS, headers=headers, json={"linked_phone_number": phone})
                for _ in range(6)
            )
        )
        assert sorted(r.status_code for r in responses) == [200] + [400] * 5
        assert {r.json()["code"] for r in responses if r.status_code == 400} == {"already_linked"}
    finally:
        await purge(customer_ids=[owner_id], phones=[owner_phone])


async def test_concurrent_linked_recharges_chain_per_number_and_charge_once_per_key(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan(plan_name="Linked race plan")
    async with get_sessionmaker()() as db, db.begin():
        second = await make_customer(db)
        setup.extra_customer_ids.append(second.customer_id)
        second_phone = second.phone_number
    family_phone = unique_phone()
    setup.extra_phones += [second_phone, family_phone]
    try:
        payers = [
            bearer((await login_customer(committing_client, phone))["access_token"])
            for phone in (setup.phone_number, second_phone)
        ]
        link_ids = []
        for headers in payers:
            created = await committing_client.post(
                LINKS, headers=headers, json={"linked_phone_number": family_phone}
            )
            link_ids.append(created.json()["linked_account_id"])
        calls = [
            committing_client.post(
                f"{LINKS}/{link_id}/recharge",
                headers=headers,
                json=recharge_body(link_id, setup.plan_id),
            )
            for headers, link_id in zip(payers, link_ids, strict=True)
            for _ in range(5)
        ]
        # and one purchase retried 6 times concurrently with one key
        keyed = {**payers[0], "Idempotency-Key": f"linked-race-{uuid.uuid4()}"}
        calls += [
            committing_client.post(
                f"{LINKS}/{link_ids[0]}/recharge",
                headers=keyed,
                json=recharge_body(link_ids[0], setup.plan_id),
            )
            for _ in range(6)
        ]
        responses = await asyncio.gather(*calls)
        assert [r.status_code for r in responses] == [200] * 16
        assert len({r.json()["transaction_id"] for r in responses[10:]}) == 1

        async with get_sessionmaker()() as db:
            paid = await db.scalar(
                select(func.count())
                .select_from(Transaction)
                .where(Transaction.recipient_phone_number == family_phone)
            )
            statuses = sorted(
                str(s)
                for s in await db.scalars(
                    select(Subscription.status).where(Subscription.phone_number == family_phone)
                )
            )
            active_end = await db.scalar(
                select(Subscription.expiry_date).where(
                    Subscription.phone_number == family_phone, Subscription.status == "active"
                )
            )
            queue = (
                await db.execute(
                    select(
                        SubscriptionQueue.queue_position,
                        SubscriptionQueue.expected_activation_date,
                        SubscriptionQueue.expected_expiry_date,
                    )
                    .where(SubscriptionQueue.phone_number == family_phone)
                    .order_by(SubscriptionQueue.queue_position)
                )
            ).all()
        assert paid == 11
        assert statuses == ["active"] + ["queued"] * 10
        assert [row.queue_position for row in queue] == list(range(1, 11))
        end = active_end
        for row in queue:  # contiguous windows, whichever payer bought each
            assert row.expected_activation_date == end
            assert row.expected_expiry_date == end + timedelta(days=28)
            end = row.expected_expiry_date
    finally:
        await setup.purge()
