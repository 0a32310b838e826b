from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import Plan, PlanType
from tests.recharge.conftest import Buyer, admin_headers, buyer, make_plan

__all__ = ["Buyer", "activate", "addon_plan", "admin_headers", "buyer", "postpaid_plan"]

GB = 1024


@pytest.fixture
async def postpaid_plan(db: AsyncSession) -> Plan:
    return await make_plan(
        db,
        plan_type=PlanType.postpaid,
        price=Decimal("399.00"),
        validity_days=30,
        data_allowance_mb=35 * GB,
        daily_data_limit_mb=None,
        max_secondary_numbers=2,
    )


@pytest.fixture
async def addon_plan(db: AsyncSession) -> Plan:
    return await make_plan(
        db,
        plan_type=PlanType.postpaid,
        is_topup=True,
        price=Decimal("100.00"),
        validity_days=0,
        data_allowance_mb=10 * GB,
        daily_data_limit_mb=None,
        plan_name="10 GB add-on",
    )


async def activate(
    client: httpx.AsyncClient, buyer: Buyer, plan_id: int, number: str | None = None
) -> dict[str, object]:
    response = await client.post(
        "/customer/postpaid/activate",
        json={"plan_id": plan_id, "primary_number": number or buyer.phone_number},
        headers=buyer.headers,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())
