from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.models import Category, Customer, Notification, Offer, Plan, PlanType
from tests.factories.accounts import make_admin, make_customer
from tests.helpers import bearer, login_admin, login_customer

_names = itertools.count(1)


async def make_plan(db: AsyncSession, **fields: object) -> Plan:
    category = Category(category_name=f"Recharge tests {next(_names)}")
    db.add(category)
    await db.flush()
    values: dict[str, object] = {
        "plan_name": f"Plan {next(_names)}",
        "plan_type": PlanType.prepaid,
        "price": Decimal("599.00"),
        "validity_days": 28,
        "description": "test plan",
        "data_allowance_mb": 28 * 2048,
        "daily_data_limit_mb": 2048,
        **fields,
    }
    plan = Plan(category_id=category.category_id, **values)
    db.add(plan)
    await db.flush()
    return plan


async def make_offer(
    db: AsyncSession,
    plan: Plan,
    price: str,
    *,
    starts_in: timedelta = timedelta(days=-1),
    lasts: timedelta = timedelta(days=30),
) -> Offer:
    valid_from = clock.now() + starts_in
    offer = Offer(
        plan_id=plan.plan_id,
        offer_name="Test offer",
        discounted_price=Decimal(price),
        valid_from=valid_from,
        valid_until=valid_from + lasts,
    )
    db.add(offer)
    await db.flush()
    return offer


@dataclass
class Buyer:
    customer_id: int
    phone_number: str
    headers: dict[str, str]


@pytest.fixture
async def buyer(client: httpx.AsyncClient, db: AsyncSession) -> Buyer:
    customer: Customer = await make_customer(db)
    tokens = await login_customer(client, customer)
    return Buyer(customer.customer_id, customer.phone_number, bearer(tokens["access_token"]))


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient, db: AsyncSession) -> dict[str, str]:
    admin = await make_admin(db)
    return bearer((await login_admin(client, admin))["access_token"])


async def notification_types(db: AsyncSession, customer_id: int) -> list[str]:
    rows = await db.execute(
        select(Notification.type)
        .where(Notification.customer_id == customer_id)
        .order_by(Notification.notification_id)
    )
    return [str(value) for value in rows.scalars()]
