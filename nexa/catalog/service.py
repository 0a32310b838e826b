"""The catalogue as other domains see it: what may be sold, at which price, and names.

Routers and jobs of the catalogue use its modules directly (`categories`, `plans`,
`offers`); other domains come through here.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, ScalarSelect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from nexa.catalog.cache import plan_for_sale as get_plan_for_sale
from nexa.catalog.offers import (
    OfferForAnotherPlan,
    OfferNotFound,
    OfferNotValidNow,
    get_offer_for_purchase,
)
from nexa.catalog.plans import PlanNotFound
from nexa.catalog.repository import CategoryRepository, PlanRepository
from nexa.catalog.repository import plan_name_of as _plan_name_of
from nexa.catalog.schemas import SellablePlan

if TYPE_CHECKING:
    from nexa.models import Plan

__all__ = [
    "OfferForAnotherPlan",
    "OfferNotFound",
    "OfferNotValidNow",
    "PlanNotFound",
    "SellablePlan",
    "category_exists",
    "find_plan",
    "get_offer_for_purchase",
    "get_plan_for_sale",
    "plan_name_of",
    "plan_names",
    "postpaid_plans",
]


async def plan_names(db: AsyncSession, plan_ids: Collection[int]) -> dict[int, str]:
    """Plan names by id (deleted plans included: history keeps its names)."""
    return await PlanRepository(db).names(plan_ids)


def plan_name_of(plan_id: ColumnElement[int] | InstrumentedAttribute[int]) -> ScalarSelect[str]:
    """The plan's name as a correlated subquery, for other domains' set-based SQL (e.g. an
    alert message built in one INSERT … SELECT)."""
    return _plan_name_of(plan_id)


async def category_exists(db: AsyncSession, category_id: int) -> bool:
    return await CategoryRepository(db).get(category_id) is not None


async def find_plan(db: AsyncSession, plan_id: int) -> Plan | None:
    """Any plan, deleted ones included (what was bought stays readable)."""
    return await PlanRepository(db).get(plan_id, include_deleted=True)


async def postpaid_plans(
    db: AsyncSession, *, addons: bool, plan_id: int | None = None
) -> list[Plan]:
    """Postpaid base plans (or, with `addons`, data add-ons) on sale, cheapest first."""
    return await PlanRepository(db).postpaid(addons=addons, plan_id=plan_id)
