"""Builders for categories, plans and offers: add and flush, never commit."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal
from types import EllipsisType

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.models import Category, Offer, Plan, PlanStatus, PlanType

_sequence = itertools.count(1)


def unique_name(prefix: str) -> str:
    return f"{prefix} {next(_sequence)}-{random.randrange(10**6)}"


async def make_category(db: AsyncSession, name: str | None = None) -> Category:
    category = Category(category_name=name or unique_name("Category"))
    db.add(category)
    await db.flush()
    await db.refresh(category)
    return category


async def make_plan(
    db: AsyncSession,
    category: Category | None = None,
    *,
    price: str | Decimal = "599.00",
    plan_type: PlanType = PlanType.prepaid,
    is_topup: bool = False,
    is_featured: bool = False,
    status: PlanStatus = PlanStatus.active,
    deleted: bool = False,
    validity_days: int = 28,
    data_allowance_mb: int | None = 28 * 2048,
    daily_data_limit_mb: int | EllipsisType | None = ...,
    max_secondary_numbers: int = 0,
    plan_name: str | None = None,
    **fields: object,
) -> Plan:
    """A plan (prepaid base by default: 28 days, 56 GB, 2 GB a day; other kinds get no
    daily limit unless one is given)."""
    if category is None:
        category = await make_category(db)
    if isinstance(daily_data_limit_mb, EllipsisType):
        prepaid_base = plan_type == PlanType.prepaid and not is_topup
        daily_data_limit_mb = 2048 if prepaid_base else None
    plan = Plan(
        category_id=category.category_id,
        plan_name=plan_name or unique_name("Plan"),
        plan_type=plan_type,
        is_topup=is_topup,
        price=Decimal(price),
        validity_days=validity_days,
        description="test plan",
        data_allowance_mb=data_allowance_mb,
        daily_data_limit_mb=daily_data_limit_mb,
        is_featured=is_featured,
        status=PlanStatus.inactive if deleted else status,
        max_secondary_numbers=max_secondary_numbers,
        deleted_at=clock.now() if deleted else None,
        **fields,
    )
    db.add(plan)
    await db.flush()
    await db.refresh(plan)
    return plan


async def make_offer(
    db: AsyncSession,
    plan: Plan,
    price: str | Decimal = "499.00",
    *,
    starts_in: timedelta = timedelta(days=-1),
    lasts: timedelta = timedelta(days=30),
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    deleted: bool = False,
    offer_name: str | None = None,
) -> Offer:
    """An offer valid from now + `starts_in` for `lasts` (valid now by default)."""
    start = valid_from or clock.now() + starts_in
    offer = Offer(
        plan_id=plan.plan_id,
        offer_name=offer_name or unique_name("Offer"),
        discounted_price=Decimal(price),
        valid_from=start,
        valid_until=valid_until or start + lasts,
        deleted_at=clock.now() if deleted else None,
    )
    db.add(offer)
    await db.flush()
    await db.refresh(offer)
    return offer
