"""Races on real commits: a single-use code, a single voucher."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from nexa.core.db import get_sessionmaker
from nexa.models import Customer, ReferralDiscount, Transaction
from tests.cleanup import committed_customer_and_plan, purge
from tests.factories.accounts import DEFAULT_PASSWORD, make_customer, unique_phone
from tests.helpers import bearer, login_customer


async def test_two_registrations_racing_on_a_single_use_code(
    committing_client: httpx.AsyncClient,
) -> None:
    async with get_sessionmaker()() as db, db.begin():
        referrer = await make_customer(db)
        referrer_id, referrer_phone = referrer.customer_id, referrer.phone_number
    phones = [unique_phone(), unique_phone()]
    try:
        headers = bearer((await login_customer(committing_client, referrer_phone))["access_token"])
        code = (
            await committing_client.post("/customer/referral/generate", headers=headers)
        ).json()["referral_code"]
        responses = await asyncio.gather(
            *(
                committing_client.post(
                    "/customer/register",
                    json={
                        "phone_number": phone,
                        "password": "secret1",
                        "full_name": "Racer",
                        "referral_code": code,
                    },
                )
                for phone in phones
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 400]
        loser = next(r for r in responses if r.status_code == 400)
        assert loser.json()["code"] == "referral_used_up"
        async with get_sessionmaker()() as db:
            registered = (
                (
                    await db.execute(
                        select(Customer.customer_id).where(Customer.phone_number.in_(phones))
                    )
                )
                .scalars()
                .all()
            )
            vouchers = await db.scalar(
                select(func.count())
                .select_from(ReferralDiscount)
                .where(ReferralDiscount.customer_id.in_(registered))
            )
        assert len(registered) == 1 and vouchers == 1
    finally:
        async with get_sessionmaker()() as db:
            ids = (
                (
                    await db.execute(
                        select(Customer.customer_id).where(Customer.phone_number.in_(phones))
                    )
                )
                .scalars()
                .all()
            )
        await purge(customer_ids=[referrer_id, *ids], phones=phones)


async def test_two_concurrent_recharges_spend_one_voucher_once(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan(plan_name="Voucher race", price=Decimal("100.00"))
    referrer_phone, plan_id = setup.phone_number, setup.plan_id
    holder_phone = unique_phone()
    recipients = [unique_phone(), unique_phone()]
    holder_id = None
    try:
        headers = bearer((await login_customer(committing_client, referrer_phone))["access_token"])
        code = (
            await committing_client.post("/customer/referral/generate", headers=headers)
        ).json()["referral_code"]
        holder_id = (
            await committing_client.post(
                "/customer/register",
                json={
                    "phone_number": holder_phone,
                    "password": DEFAULT_PASSWORD,
                    "full_name": "Holder",
                    "referral_code": code,
                },
            )
        ).json()["customer_id"]
        holder = bearer((await login_customer(committing_client, holder_phone))["access_token"])
        responses = await asyncio.gather(
            *(
                committing_client.post(
                    "/customer/recharge",
                    headers=holder,
                    json={
                        "plan_id": plan_id,
                        "recipient_phone_number": phone,
                        "payment_method": "upi",
                    },
                )
                for phone in recipients
            )
        )
        assert [r.status_code for r in responses] == [200, 200]
        finals = sorted(r.json()["final_amount"] for r in responses)
        assert finals == [90.00, 100.00]  # exactly one got the 10 %
        async with get_sessionmaker()() as db:
            discounted = await db.scalar(
                select(func.count())
                .select_from(Transaction)
                .where(
                    Transaction.customer_id == holder_id, Transaction.discount_type == "referral"
                )
            )
            used = await db.scalar(
                select(func.count())
                .select_from(ReferralDiscount)
                .where(
                    ReferralDiscount.customer_id == holder_id, ReferralDiscount.is_used.is_(True)
                )
            )
        assert (discounted, used) == (1, 1)
    finally:
        if holder_id:
            setup.extra_customer_ids.append(holder_id)
        setup.extra_phones.extend([*recipients, holder_phone])
        await setup.purge()
