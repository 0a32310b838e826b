"""Secondary numbers added concurrently never exceed the plan's maximum (real commits)."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from nexa.core.db import get_sessionmaker
from nexa.models import (
    Category,
    Plan,
    PlanType,
    PostpaidSecondaryNumber,
)
from tests.cleanup import purge
from tests.factories.accounts import make_customer, unique_phone
from tests.helpers import bearer, login_customer


async def test_concurrent_secondary_numbers_stop_at_the_maximum(
    committing_client: httpx.AsyncClient,
) -> None:
    async with get_sessionmaker()() as db, db.begin():
        owner = await make_customer(db)
        category = Category(category_name=f"Family race {uuid.uuid4().hex[:8]}")
        db.add(category)
        await db.flush()
        plan = Plan(
            category_id=category.category_id,
            plan_name="Family race",
            plan_type=PlanType.postpaid,
            price=Decimal("699.00"),
            validity_days=30,
            description="x",
            data_allowance_mb=1000,
            max_secondary_numbers=2,
        )
        db.add(plan)
        await db.flush()
        owner_id, owner_phone = owner.customer_id, owner.phone_number
        plan_id, category_id = plan.plan_id, category.category_id
    activation_id = None
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
        await purge(
            customer_ids=[owner_id],
            phones=[owner_phone],
            plan_ids=[plan_id],
            category_ids=[category_id],
        )
