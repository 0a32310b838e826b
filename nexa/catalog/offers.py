"""Catalogue offers: time-limited prices of a plan (admin side), the customer listing, and
whether a purchase may use one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action, row_summary
from nexa.catalog.plans import get_plan
from nexa.catalog.pricing import discount_percentage, discounted_price
from nexa.catalog.repository import OfferFilters, OfferRepository
from nexa.catalog.schemas import (
    DiscountCalculationResponse,
    OfferCreate,
    OfferCreateWithDiscount,
    OfferResponse,
    OfferResponseForCustomer,
    OfferStatus,
    OfferUpdate,
    format_offer_time,
)
from nexa.core import clock
from nexa.core.errors import BadRequest, NotFound
from nexa.core.schemas import quantize_money
from nexa.models import Offer

if TYPE_CHECKING:
    from nexa.models import Admin, Plan

# bookkeeping columns left out of audit summaries
_UNAUDITED = ("created_at", "updated_at")


class OfferNotFound(BadRequest, code="offer_not_found"):
    """An offer named in a purchase does not exist (400: the purchase request is wrong)."""


class OfferMissing(NotFound, code="offer_not_found"):
    """The offer an admin path names does not exist (404)."""


class OfferForAnotherPlan(BadRequest, code="offer_for_another_plan"): ...


class OfferNotValidNow(BadRequest, code="offer_not_valid"): ...


class InvalidOfferPrice(BadRequest, code="invalid_offer_price"): ...


class InvalidOfferDates(BadRequest, code="invalid_offer_dates"): ...


class InvalidPercentage(BadRequest, code="invalid_percentage"): ...


async def get_offer_for_purchase(
    db: AsyncSession, offer_id: int, plan_id: int, at: datetime
) -> Offer:
    """The offer named in a purchase, if it applies to that plan at that time (400 naming why)."""
    offer = await OfferRepository(db).get_live(offer_id)
    if offer is None:
        raise OfferNotFound(f"Offer {offer_id} does not exist")
    if offer.plan_id != plan_id:
        raise OfferForAnotherPlan(f"Offer {offer_id} is for another plan, not plan {plan_id}")
    if at < offer.valid_from:
        raise OfferNotValidNow(f"Offer {offer_id} has not started yet")
    if at > offer.valid_until:
        raise OfferNotValidNow(f"Offer {offer_id} has expired")
    return offer


async def get_offer(db: AsyncSession, offer_id: int) -> Offer:
    """A non-deleted offer (404 otherwise)."""
    offer = await OfferRepository(db).get_live(offer_id)
    if offer is None:
        raise OfferMissing(f"Offer {offer_id} not found")
    return offer


def _check_offer(
    plan_price: Decimal, price: Decimal, valid_from: datetime, valid_until: datetime
) -> None:
    if not 0 < price < plan_price:
        raise InvalidOfferPrice(
            f"discounted_price {quantize_money(price)} must be greater than 0 "
            f"and below the plan price {quantize_money(plan_price)}"
        )
    if valid_until <= valid_from:
        raise InvalidOfferDates("valid_until must be later than valid_from")


async def _add_offer(
    db: AsyncSession,
    data: OfferCreate | OfferCreateWithDiscount,
    plan: Plan,
    price: Decimal,
    admin: Admin,
) -> OfferResponse:
    _check_offer(plan.price, price, data.valid_from, data.valid_until)
    offer = await OfferRepository(db).insert(
        Offer(
            plan_id=plan.plan_id,
            offer_name=data.offer_name,
            description=data.description,
            discounted_price=price,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
        )
    )
    await record_admin_action(
        db,
        admin,
        "offer.create",
        "offer",
        offer.offer_id,
        None,
        row_summary(offer, exclude=_UNAUDITED)
        | (
            {"discount_percentage": data.discount_percentage}
            if isinstance(data, OfferCreateWithDiscount)
            else {}
        ),
    )
    return OfferResponse.from_offer(offer, clock.now())


async def create_offer(db: AsyncSession, data: OfferCreate, admin: Admin) -> OfferResponse:
    """A fixed-price offer for a non-deleted plan (active or not)."""
    plan = await get_plan(db, data.plan_id)
    return await _add_offer(db, data, plan, data.discounted_price, admin)


async def create_offer_with_discount(
    db: AsyncSession, data: OfferCreateWithDiscount, admin: Admin
) -> OfferResponse:
    """An offer priced at a percentage off the plan's current price (stored as a price)."""
    plan = await get_plan(db, data.plan_id)
    price = discounted_price(plan.price, data.discount_percentage)
    return await _add_offer(db, data, plan, price, admin)


async def calculate_discount(
    db: AsyncSession, plan_id: int, percentage: Decimal
) -> DiscountCalculationResponse:
    """Preview a percentage offer; nothing is stored."""
    if not 0 < percentage < 100:
        raise InvalidPercentage("discount_percentage must be between 0 and 100 (exclusive)")
    plan = await get_plan(db, plan_id)
    price = discounted_price(plan.price, percentage)
    return DiscountCalculationResponse(
        original_price=plan.price,
        discount_percentage=percentage,
        discounted_price=price,
        amount_saved=plan.price - price,
    )


async def list_offers(
    db: AsyncSession,
    *,
    offer_id: int | None = None,
    plan_id: int | None = None,
    status: OfferStatus | None = None,
    skip: int,
    limit: int,
) -> tuple[list[OfferResponse], int]:
    """Admin list of non-deleted offers; `status` is computed from the clock."""
    if offer_id is not None:
        await get_offer(db, offer_id)
    now = clock.now()
    filters = OfferFilters(
        offer_id=offer_id, plan_id=plan_id, status=status.value if status else None
    )
    offers, total = await OfferRepository(db).find(filters, now, skip=skip, limit=limit)
    return [OfferResponse.from_offer(offer, now) for offer in offers], total


async def update_offer(
    db: AsyncSession, offer_id: int, data: OfferUpdate, admin: Admin
) -> OfferResponse:
    """Partial update; price and dates re-checked on the effective values."""
    offer = await get_offer(db, offer_id)
    before = row_summary(offer, exclude=_UNAUDITED)
    plan = await get_plan(db, offer.plan_id, include_deleted=True)
    changes = data.model_dump(exclude_unset=True)
    _check_offer(
        plan.price,
        changes.get("discounted_price", offer.discounted_price),
        changes.get("valid_from", offer.valid_from),
        changes.get("valid_until", offer.valid_until),
    )
    for field, value in changes.items():
        setattr(offer, field, value)
    offer = await OfferRepository(db).flush(offer)
    await record_admin_action(
        db, admin, "offer.update", "offer", offer_id, before, row_summary(offer, exclude=_UNAUDITED)
    )
    return OfferResponse.from_offer(offer, clock.now())


async def delete_offer(db: AsyncSession, offer_id: int, admin: Admin) -> None:
    """Soft delete (docs/decisions.md#catalogue-deletion): gone from every list and unusable;
    history keeps the reference."""
    offer = await get_offer(db, offer_id)
    offer.deleted_at = clock.now()
    await OfferRepository(db).flush(offer)
    await record_admin_action(
        db,
        admin,
        "offer.delete",
        "offer",
        offer_id,
        {"offer_name": offer.offer_name, "deleted_at": None},
        {"offer_name": offer.offer_name, "deleted_at": offer.deleted_at},
    )


async def list_offers_for_customer(
    db: AsyncSession, *, plan_id: int | None, skip: int, limit: int
) -> tuple[list[OfferResponseForCustomer], int]:
    """Offers valid now of plans on sale."""
    rows, total = await OfferRepository(db).list_for_customers(
        clock.now(), plan_id=plan_id, skip=skip, limit=limit
    )
    return [
        OfferResponseForCustomer(
            offer_id=row.offer.offer_id,
            plan_name=row.plan_name,
            offer_name=row.offer.offer_name,
            description=row.offer.description,
            original_price=row.plan_price,
            discounted_price=row.offer.discounted_price,
            discount_percentage=discount_percentage(row.plan_price, row.offer.discounted_price),
            valid_from=format_offer_time(row.offer.valid_from),
            valid_until=format_offer_time(row.offer.valid_until),
            plan_id=row.offer.plan_id,
        )
        for row in rows
    ], total
