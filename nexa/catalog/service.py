"""Catalogue: categories, plans, offers, and what may be sold at which price."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.catalog.repository import OfferRepository, PlanRepository
from nexa.core.errors import BadRequest, NotFound
from nexa.models import Offer, Plan


class PlanNotFound(NotFound):
    code = "plan_not_found"


class OfferNotFound(BadRequest):
    code = "offer_not_found"


class OfferForAnotherPlan(BadRequest):
    code = "offer_for_another_plan"


class OfferNotValidNow(BadRequest):
    code = "offer_not_valid"


async def get_plan_for_sale(db: AsyncSession, plan_id: int) -> Plan:
    """A plan that can be bought now: it exists, is active and not deleted."""
    plan = await PlanRepository(db).get_sellable(plan_id)
    if plan is None:
        raise PlanNotFound(f"Plan {plan_id} not found or not available")
    return plan


async def get_offer_for_purchase(
    db: AsyncSession, offer_id: int, plan_id: int, at: datetime
) -> Offer:
    """The offer named in a purchase, if it applies to that plan at that time (400 naming why)."""
    offer = await OfferRepository(db).get(offer_id)
    if offer is None:
        raise OfferNotFound(f"Offer {offer_id} does not exist")
    if offer.plan_id != plan_id:
        raise OfferForAnotherPlan(f"Offer {offer_id} is for another plan, not plan {plan_id}")
    if at < offer.valid_from:
        raise OfferNotValidNow(f"Offer {offer_id} has not started yet")
    if at > offer.valid_until:
        raise OfferNotValidNow(f"Offer {offer_id} has expired")
    return offer
