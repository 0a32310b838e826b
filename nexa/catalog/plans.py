"""Catalogue plans: what is for sale, checked and audited (admin side), and the customer
listing with each plan's best offer."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action, row_summary
from nexa.catalog.categories import check_category_exists
from nexa.catalog.pricing import discount_percentage
from nexa.catalog.repository import PlanFilters, PlanRepository
from nexa.catalog.schemas import (
    PlanCreate,
    PlanResponse,
    PlanResponseForCustomer,
    PlanUpdate,
    SellablePlan,
    format_offer_time,
    plan_fields,
)
from nexa.core import clock
from nexa.core.errors import BadRequest, Conflict, NotFound
from nexa.core.schemas import gb_to_mb
from nexa.models import Plan, PlanStatus, PlanType
from nexa.payment import service as payment_service

if TYPE_CHECKING:
    from nexa.models import Admin

MAX_VALIDITY_DAYS = 3650
MAX_SECONDARY_NUMBERS = 10


class PlanNotFound(NotFound, code="plan_not_found"): ...


class InvalidPlan(BadRequest, code="invalid_plan"): ...


class PlanHasTransactions(Conflict, code="plan_has_transactions"): ...


class PlanPriceNotAboveOffers(Conflict, code="plan_price_not_above_offers"): ...


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
    """The plan field rules on the effective values of a new or updated plan (400
    `invalid_plan`; docs/decisions.md#plan-fields)."""
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


async def create_plan(db: AsyncSession, data: PlanCreate, admin: Admin) -> PlanResponse:
    values = _plan_columns(data.model_dump())
    _check_plan(values)
    await check_category_exists(db, data.category_id)
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
    if kind_changes and await payment_service.any_payment_for_plan(db, plan_id):
        raise PlanHasTransactions(
            f"Plan {plan_id} has been sold: its plan_type and is_topup cannot change"
        )
    _check_plan(values)
    if "category_id" in changes and changes["category_id"] != plan.category_id:
        await check_category_exists(db, changes["category_id"])
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
    """Soft delete: hidden from sale and lists, kept for history; also inactive
    (docs/decisions.md#catalogue-deletion)."""
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
    """Active, non-deleted plans, featured first, then by price
    (docs/decisions.md#plan-listing-order), each with its best offer valid now
    (docs/decisions.md#best-offer)."""
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
            PlanResponseForCustomer.model_validate(
                plan_fields(plan)
                | {
                    "category_name": row.category_name,
                    "has_active_offer": offer,
                    "offer_id": row.offer_id,
                    "offer_price": row.offer_price,
                    "discount_percentage": (
                        discount_percentage(plan.price, row.offer_price)
                        if row.offer_price is not None
                        else None
                    ),
                    "offer_valid_until": (
                        format_offer_time(row.offer_valid_until)
                        if row.offer_valid_until is not None
                        else None
                    ),
                }
            )
        )
    return listing, total
