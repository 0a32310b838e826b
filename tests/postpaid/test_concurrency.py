"""Secondary numbers added concurrently never exceed the plan's maximum (real commits)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from nexa.core.db import get_sessionmaker
from nexa.models import (
    PlanType,
    PostpaidSecondaryNumber,
)
from tests.cleanup import committed_customer_and_plan
from tests.factories.accounts import unique_phone
from tests.helpers import bearer, login_customer


async def test_concurrent_secondary_numbers_stop_at_the_maximum(
    committing_client: httpx.AsyncClient,
) -> None:
    setup = await committed_customer_and_plan(
        plan_name="Family race",
        plan_type=PlanType.postpaid,
        price=Decimal("699.00"),
        validity_days=30,
        max_secondary_numbers=2,
    )
    owner_phone, plan_id = setup.phone_number, setup.plan_id
    try:
        headers = bearer((await login_customer(committing_client, owner_phone))["access_token"])
        activation_id = (
            await committing_client.post(
                "/customer/postpaid/activate",
                headers=headers,
                json={"plan_id": plan_id, "primary_number": owner_phone},
            )
        ).json()["activation_id"]
        numbers = [unique_phone() for _ in range(6)]
        responses = await asyncio.gather(
            *(
                committing_client.post(
                    "/customer/postpaid/secondary-numbers",
                    headers=headers,
                    json={"activation_id": activation_id, "phone_number": number},
                )
                for number in numbers
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 200, 400, 400, 400, 400]
        assert {r.json()["code"] for r in responses if r.status_code == 400} == {
            "secondary_limit_reached"
        }
        async with get_sessionmaker()() as db:
            count = await db.scalar(
                select(func.count())
                .select_from(PostpaidSecondaryNumber)
                .where(PostpaidSecondaryNumber.activation_id == activation_id)
            )
        assert count == 2
    finally:
        await setup.purge()
