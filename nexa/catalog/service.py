"""Catalogue: categories, plans, offers, and what may be sold at which price."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action, row_summary
from nexa.catalog.repository import (
    CategoryRepository,
    OfferFilters,
    OfferRepository,
    PlanFilters,
    PlanRepository,
    SellablePlan,
)
from nexa.catalog.schemas import (
    CategoryCreate,
    DiscountCalculationResponse,
    OfferCreate,
    OfferCreateWithDiscount,
    OfferResponse,
    OfferResponseForCustomer,
    OfferStatus,
    OfferUpdate,
    PlanCreate,
    PlanResponse,
    PlanResponseForCustomer,
    PlanUpdate,
    format_offer_time,
)
from nexa.core import clock
from nexa.core.errors import BadRequest, Conflict, NotFound
from nexa.core.schemas import gb_to_mb, mb_to_gb, quantize_money
from nexa.models import Admin, Category, Offer, Plan, PlanStatus, PlanType

MAX_VALIDITY_DAYS = 3650
MAX_SECONDARY_NUMBERS = 10


class PlanNotFound(NotFound):
    code = "plan_not_found"


class OfferNotFound(BadRequest):
    """An offer named in a purchase does not exist (400: the purchase request is wrong)."""

    code = "offer_not_found"


class OfferMissing(NotFound):
    """The offer an admin path names does not exist (404)."""

    code = "offer_not_found"


class OfferForAnotherPlan(BadRequest):
    code = "offer_for_another_plan"


class OfferNotValidNow(BadRequest):
    code = "offer_not_valid"


class CategoryNotFound(NotFound):
    code = "category_not_found"


class UnknownCategory(BadRequest):
    """A plan names a category that does not exist (400: the plan body is wrong)."""

    code = "category_not_found"


class CategoryNameTaken(BadRequest):
    code = "category_name_taken"

    def __init__(self, name: str) -> None:
        super().__init__(f"A category named {name!r} already exists")


class CategoryInUse(Conflict):
    code = "category_in_use"


class InvalidPlan(BadRequest):
    code = "invalid_plan"


class PlanHasTransactions(Conflict):
    code = "plan_has_transactions"


class PlanPriceNotAboveOffers(Conflict):
    code = "plan_price_not_above_offers"


class InvalidOfferPrice(BadRequest):
    code = "invalid_offer_price"


class InvalidOfferDates(BadRequest):
    code = "invalid_offer_dates"


class InvalidPercentage(BadRequest):
    code = "invalid_percentage"


# --- prices ----------------------------------------------------------------------------------


def discounted_price(price: Decimal, percentage: Decimal) -> Decimal:
    """Q-14: round_half_up(price × (100 − p) / 100, 0.01)."""
    return quantize_money(price * (100 - percentage) / 100)


def discount_percentage(price: Decimal, offer_price: Decimal) -> Decimal:
    """Q-14: the displayed percentage off, round_half_up(…, 0.01)."""
    return quantize_money((price - offer_price) / price * 100)


# --- categories ------------------------------------------------------------------------------


async def list_categories(
    db: AsyncSession, *, skip: int, limit: int, by_name: bool = False
) -> tuple[list[Category], int]:
    return await CategoryRepository(db).find(skip=skip, limit=limit, by_name=by_name)


async def get_category(db: AsyncSession, category_id: int) -> Category:
    category = await CategoryRepository(db).get(category_id)
    if category is None:
        raise CategoryNotFound(f"Category {category_id} not found")
    return category


async def _save_category(
    categories: CategoryRepository, category: Category, *, new: bool
) -> Category:
    name = category.category_name
    try:
        return await (categories.add(category) if new else categories.flush(category))
    except IntegrityError as exc:  # a concurrent request took the name (unique index)
        raise CategoryNameTaken(name) from exc


async def create_category(db: AsyncSession, data: CategoryCreate, admin: Admin) -> Category:
    categories = CategoryRepository(db)
    if await categories.name_taken(data.category_name):
        raise CategoryNameTaken(data.category_name)
    category = await _save_category(
        categories, Category(category_name=data.category_name), new=True
    )
    await record_admin_action(
        db, admin, "category.create", "category", category.category_id, None, row_summary(category)
    )
    return category


async def update_category(
    db: AsyncSession, category_id: int, data: CategoryCreate, admin: Admin
) -> Category:
    categories = CategoryRepository(db)
    category = await get_category(db, category_id)
    if await categories.name_taken(data.category_name, except_category_id=category_id):
        raise CategoryNameTaken(data.category_name)
    before = {"category_name": category.category_name}
    category.category_name = data.category_name
    category = await _save_category(categories, category, new=False)
    await record_admin_action(
        db,
        admin,
        "category.update",
        "category",
        category_id,
        before,
        {"category_name": category.category_name},
    )
    return category


async def delete_category(db: AsyncSession, category_id: int, admin: Admin) -> None:
    """Hard delete of an unused category. Plans keep their category even once deleted (the
    foreign key restricts), so a category with only soft-deleted plans is in use too (409)."""
    categories = CategoryRepository(db)
    category = await get_category(db, category_id)
    live, deleted = await categories.plan_usage(category_id)
    if live:
        raise CategoryInUse(f"Category {category_id} is used by {live} plan(s)")
    if deleted:
        raise CategoryInUse(
            f"Category {category_id} is still referenced by {deleted} deleted plan(s), "
            "kept as purchase history"
        )
    before = row_summary(category)
    try:
        await categories.delete(category)
    except IntegrityError as exc:  # a plan was added to it meanwhile
        raise CategoryInUse(f"Category {category_id} is used by plans") from exc
    await record_admin_action(db, admin, "category.delete", "category", category_id, before)


# --- plans -----------------------------------------------------------------------------------


async def plan_names(db: AsyncSession, plan_ids: Collection[int]) -> dict[int, str]:
    """Plan names by id (deleted plans included: history keeps its names)."""
    return await PlanRepository(db).names(plan_ids)


async def get_plan_for_sale(db: AsyncSession, plan_id: int) -> SellablePlan:
    """A plan that can be bought now: it exists, is active and not deleted."""
    plan = await PlanRepository(db).get_sellable(plan_id)
    if plan is None:
        raise PlanNotFound(f"Plan {plan_id} not found or not available")
    return plan


async def get_plan(db: AsyncSession, plan_id: int, *, include_deleted: bool = False) -> Plan:
    """Any plan (active or not); deleted ones only when asked (404 otherwise)."""
    plan = await PlanRepository(db).get(plan_id, include_deleted=include_deleted)
    if plan is None:
        raise PlanNotFound(f"Plan {plan_id} not found")
    return plan


# bookkeeping columns left out of audit summaries
_UNAUDITED = ("created_at", "updated_at")

_PLAN_COLUMNS = (
    "category_id",
    "plan_name",
    "plan_type",
    "is_topup",
    "price",
    "validity_days",
    "description",
    "data_allowance_mb",
    "daily_data_limit_mb",
    "talktime_allowance_minutes",
    "sms_allowance",
    "benefits",
    "max_secondary_numbers",
    "is_featured",
)


def _plan_columns(changes: dict[str, Any]) -> dict[str, Any]:
    """Request fields -> column values (GB -> integer MB)."""
    columns = dict(changes)
    for field in ("data_allowance", "daily_data_limit"):
        if f"{field}_gb" in columns:
            columns[f"{field}_mb"] = gb_to_mb(columns.pop(f"{field}_gb"))
    if columns.get("benefits") is not None:
        columns["benefits"] = [benefit.strip() for benefit in columns["benefits"]]
    return columns


def _check_plan(values: dict[str, Any]) -> None:
    """Q-39, on the effective values of a new or updated plan (400 `invalid_plan`)."""
    problems: list[str] = []
    plan_type, is_topup = values["plan_type"], values["is_topup"]
    prepaid_base = plan_type == PlanType.prepaid and not is_topup
    postpaid_base = plan_type == PlanType.postpaid and not is_topup
    if values["price"] <= 0:
        problems.append("price must be greater than 0")
    validity = values["validity_days"]
    if prepaid_base and validity < 1:
        problems.append("validity_days must be at least 1 for a prepaid plan")
    elif validity < 0:
        problems.append("validity_days must not be negative")
    elif validity > MAX_VALIDITY_DAYS:
        problems.append(f"validity_days must be at most {MAX_VALIDITY_DAYS}")
    data, daily = values["data_allowance_mb"], values["daily_data_limit_mb"]
    if data is not None and data < 0:
        problems.append("data_allowance_gb must not be negative")
    if daily is not None:
        if not prepaid_base:
            problems.append("daily_data_limit_gb applies to prepaid base plans only")
        elif daily < 0:
            problems.append("daily_data_limit_gb must not be negative")
        elif data is not None and daily > data:
            problems.append("daily_data_limit_gb must not exceed data_allowance_gb")
    for field in ("talktime_allowance_minutes", "sms_allowance"):
        if values[field] is not None and values[field] < 0:
            problems.append(f"{field} must not be negative")
    secondary = values["max_secondary_numbers"]
    if postpaid_base and not 0 <= secondary <= MAX_SECONDARY_NUMBERS:
        problems.append(f"max_secondary_numbers must be between 0 and {MAX_SECONDARY_NUMBERS}")
    elif not postpaid_base and secondary != 0:
        problems.append("max_secondary_numbers must be 0 except on postpaid base plans")
    if values["benefits"] is not None and any(not benefit for benefit in values["benefits"]):
        problems.append("benefits must be non-empty strings")
    if problems:
        raise InvalidPlan("; ".join(problems))


async def _check_category(db: AsyncSession, category_id: int) -> None:
    if await CategoryRepository(db).get(category_id) is None:
        raise UnknownCategory(f"Category {category_id} does not exist")


async def create_plan(db: AsyncSession, data: PlanCreate, admin: Admin) -> PlanResponse:
    values = _plan_columns(data.model_dump())
    _check_plan(values)
    await _check_category(db, data.category_id)
    plan = await PlanRepository(db).add(Plan(status=PlanStatus.active, **values))
    await record_admin_action(
        db, admin, "plan.create", "plan", plan.plan_id, None, row_summary(plan)
    )
    return PlanResponse.from_plan(plan)


async def list_plans(
    db: AsyncSession, filters: PlanFilters, *, skip: int, limit: int
) -> tuple[list[PlanResponse], int]:
    """Admin list: every status; deleted plans only with `include_deleted`."""
    if filters.plan_id is not None:
        await get_plan(db, filters.plan_id, include_deleted=filters.include_deleted)
    plans, total = await PlanRepository(db).find(filters, skip=skip, limit=limit)
    return [PlanResponse.from_plan(plan) for plan in plans], total


async def update_plan(
    db: AsyncSession, plan_id: int, data: PlanUpdate, admin: Admin
) -> PlanResponse:
    plans = PlanRepository(db)
    plan = await get_plan(db, plan_id)
    before = row_summary(plan, exclude=_UNAUDITED)
    changes = _plan_columns(data.model_dump(exclude_unset=True))
    status = changes.pop("status", None)
    values = {column: getattr(plan, column) for column in _PLAN_COLUMNS} | changes
    kind_changes = values["plan_type"] != plan.plan_type or values["is_topup"] != plan.is_topup
    if kind_changes and await plans.has_transactions(plan_id):
        raise PlanHasTransactions(
            f"Plan {plan_id} has been sold: its plan_type and is_topup cannot change"
        )
    _check_plan(values)
    if "category_id" in changes and changes["category_id"] != plan.category_id:
        await _check_category(db, changes["category_id"])
    if values["price"] != plan.price:
        highest_offer = await plans.highest_live_offer_price(plan_id, clock.now())
        if highest_offer is not None and highest_offer >= values["price"]:
            raise PlanPriceNotAboveOffers(
                f"Plan {plan_id} has a current or future offer at {highest_offer}: "
                "the plan price must stay above every offer price"
            )
    for column, value in changes.items():
        setattr(plan, column, value)
    if status is not None:
        plan.status = status
    plan = await plans.flush(plan)
    await record_admin_action(
        db, admin, "plan.update", "plan", plan_id, before, row_summary(plan, exclude=_UNAUDITED)
    )
    return PlanResponse.from_plan(plan)


async def delete_plan(db: AsyncSession, plan_id: int, admin: Admin) -> None:
    """Soft delete (Q-35): hidden from sale and lists, kept for history; also inactive."""
    plan = await get_plan(db, plan_id)
    before = {"status": plan.status, "deleted_at": None, "plan_name": plan.plan_name}
    plan.deleted_at = clock.now()
    plan.status = PlanStatus.inactive
    await PlanRepository(db).flush(plan)
    await record_admin_action(
        db,
        admin,
        "plan.delete",
        "plan",
        plan_id,
        before,
        {"status": plan.status, "deleted_at": plan.deleted_at, "plan_name": plan.plan_name},
    )


async def set_plan_status(
    db: AsyncSession, plan_id: int, status: PlanStatus, admin: Admin
) -> PlanResponse:
    plan = await get_plan(db, plan_id)
    before = {"status": plan.status}
    plan.status = status
    plan = await PlanRepository(db).flush(plan)
    action = "plan.activate" if status == PlanStatus.active else "plan.deactivate"
    await record_admin_action(db, admin, action, "plan", plan_id, before, {"status": status})
    return PlanResponse.from_plan(plan)


async def list_plans_for_customer(
    db: AsyncSession, filters: PlanFilters, *, skip: int, limit: int
) -> tuple[list[PlanResponseForCustomer], int]:
    """Active, non-deleted plans, featured first, then by price (Q-40), each with its best
    offer valid now (Q-41)."""
    if filters.plan_id is not None:
        await get_plan_for_sale(db, filters.plan_id)
    visible = replace(filters, status=PlanStatus.active, include_deleted=False)
    rows, total = await PlanRepository(db).list_with_best_offer(
        visible, clock.now(), skip=skip, limit=limit
    )
    listing = []
    for row in rows:
        plan = row.plan
        offer = row.offer_id is not None and row.offer_price is not None
        listing.append(
            PlanResponseForCustomer(
                plan_id=plan.plan_id,
                category_name=row.category_name,
                plan_name=plan.plan_name,
                plan_type=plan.plan_type,
                is_topup=plan.is_topup,
                price=plan.price,
                validity_days=plan.validity_days,
                description=plan.description,
                data_allowance_gb=mb_to_gb(plan.data_allowance_mb),
                daily_data_limit_gb=mb_to_gb(plan.daily_data_limit_mb),
                talktime_allowance_minutes=plan.talktime_allowance_minutes,
                sms_allowance=plan.sms_allowance,
                benefits=plan.benefits,
                is_featured=plan.is_featured,
                has_active_offer=offer,
                offer_id=row.offer_id,
                offer_price=row.offer_price,
                discount_percentage=(
                    discount_percentage(plan.price, row.offer_price)
                    if row.offer_price is not None
                    else None
                ),
                offer_valid_until=(
                    format_offer_time(row.offer_valid_until)
                    if row.offer_valid_until is not None
                    else None
                ),
                category_id=plan.category_id,
                data_allowance_mb=plan.data_allowance_mb,
                daily_data_limit_mb=plan.daily_data_limit_mb,
                max_secondary_numbers=plan.max_secondary_numbers,
            )
        )
    return listing, total


# --- offers ----------------------------------------------------------------------------------


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


async def get_offer(db: AsyncSession, offer_id: int) -> Offer:
    """A non-deleted offer (404 otherwise)."""
    offer = await OfferRepository(db).get(offer_id)
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
    offer = await OfferRepository(db).add(
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
    """Soft delete (Q-35): gone from every list and unusable; history keeps the reference."""
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
