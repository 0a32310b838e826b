"""Catalogue service functions other domains call, and the price and date helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog import plans, pricing, service
from nexa.catalog.schemas import format_offer_time, parse_offer_time
from nexa.core import clock
from nexa.models import PlanStatus
from tests.factories.catalog import make_offer, make_plan


async def test_get_plan_for_sale_only_active_non_deleted(db: AsyncSession) -> None:
    active = await make_plan(db)
    inactive = await make_plan(db, status=PlanStatus.inactive)
    deleted = await make_plan(db, deleted=True)
    assert (await service.get_plan_for_sale(db, active.plan_id)).plan_id == active.plan_id
    for plan_id in (inactive.plan_id, deleted.plan_id, 987654321):
        with pytest.raises(service.PlanNotFound):
            await service.get_plan_for_sale(db, plan_id)
    with pytest.raises(service.PlanNotFound):
        await plans.get_plan(db, deleted.plan_id)
    found = await plans.get_plan(db, deleted.plan_id, include_deleted=True)
    assert found.plan_id == deleted.plan_id


async def test_get_offer_for_purchase_rules(db: AsyncSession) -> None:
    plan, other = await make_plan(db), await make_plan(db)
    now = clock.now()
    valid = await make_offer(db, plan, "499.00")
    future = await make_offer(db, plan, "499.00", starts_in=timedelta(hours=1))
    expired = await make_offer(db, plan, "499.00", starts_in=timedelta(days=-60))
    deleted = await make_offer(db, plan, "499.00", deleted=True)
    assert (await service.get_offer_for_purchase(db, valid.offer_id, plan.plan_id, now)) is valid
    with pytest.raises(service.OfferForAnotherPlan):
        await service.get_offer_for_purchase(db, valid.offer_id, other.plan_id, now)
    for offer_id in (future.offer_id, expired.offer_id):
        with pytest.raises(service.OfferNotValidNow):
            await service.get_offer_for_purchase(db, offer_id, plan.plan_id, now)
    with pytest.raises(service.OfferNotFound):
        await service.get_offer_for_purchase(db, deleted.offer_id, plan.plan_id, now)
    # both bounds inclusive
    assert await service.get_offer_for_purchase(db, valid.offer_id, plan.plan_id, valid.valid_from)
    assert await service.get_offer_for_purchase(db, valid.offer_id, plan.plan_id, valid.valid_until)


@pytest.mark.parametrize(
    ("price", "percentage", "expected"),
    [
        ("755.00", "15", "641.75"),
        ("333.33", "12.5", "291.66"),
        ("0.05", "50", "0.03"),
        ("599.00", "10", "539.10"),
        ("100.00", "33.333", "66.67"),
    ],
)
def test_discounted_price_half_up(price: str, percentage: str, expected: str) -> None:
    assert pricing.discounted_price(Decimal(price), Decimal(percentage)) == Decimal(expected)


@pytest.mark.parametrize(
    ("price", "offer", "expected"),
    [("599.00", "499.00", "16.69"), ("755.00", "641.75", "15.00"), ("3.00", "2.00", "33.33")],
)
def test_discount_percentage(price: str, offer: str, expected: str) -> None:
    assert pricing.discount_percentage(Decimal(price), Decimal(offer)) == Decimal(expected)


def test_offer_time_strings_use_the_business_time_zone() -> None:
    assert parse_offer_time("31.12.2025 23:59") == datetime(2025, 12, 31, 18, 29, tzinfo=UTC)
    assert parse_offer_time(" 01.01.2026 00:00 ") == datetime(2025, 12, 31, 18, 30, tzinfo=UTC)
    assert parse_offer_time("2026-01-01T00:00:00+02:00") == datetime(
        2025, 12, 31, 22, 0, tzinfo=UTC
    )
    assert parse_offer_time("2026-01-01T05:30") == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    assert format_offer_time(datetime(2025, 12, 31, 18, 29, tzinfo=UTC)) == "31.12.2025 23:59"
    for bad in ("2025/12/31", "31.13.2025 10:00", "", "tomorrow", "01.01.0001 00:00"):
        with pytest.raises(ValueError, match=r"format|range"):
            parse_offer_time(bad)
