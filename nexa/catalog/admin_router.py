"""Catalogue administration under /admin (the guard is applied in nexa/api.py)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.auth.dependencies import CurrentAdmin
from nexa.catalog import categories, offers, plans
from nexa.catalog.repository import PlanFilters
from nexa.catalog.schemas import (
    CategoryCreate,
    CategoryResponse,
    DiscountCalculationResponse,
    OfferCreate,
    OfferCreateWithDiscount,
    OfferResponse,
    OfferStatus,
    OfferStatusInput,
    OfferUpdate,
    PlanCreate,
    PlanResponse,
    PlanStatusInput,
    PlanTypeInput,
    PlanUpdate,
)
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId, Message
from nexa.models import Category, PlanStatus

# one flat router (paths spelled out) so that nexa/api.py can add the trailing-slash twins
router = APIRouter()
Tags = list[str | Enum]
CATEGORIES: Tags = ["Category Management"]
PLANS: Tags = ["Plan Management"]
OFFERS: Tags = ["Offer Management"]


# --- categories ------------------------------------------------------------------------------


@router.get("/categories/", response_model=list[CategoryResponse], tags=CATEGORIES)
async def get_categories(db: SessionDep, page: PageParams) -> list[Category]:
    rows, total = await categories.list_categories(db, skip=page.skip, limit=page.limit)
    page.set_total(total)
    return rows


@router.post("/categories/", response_model=CategoryResponse, tags=CATEGORIES)
async def create_category(data: CategoryCreate, db: SessionDep, admin: CurrentAdmin) -> Category:
    return await categories.create_category(db, data, admin)


@router.put("/categories/{category_id}", response_model=CategoryResponse, tags=CATEGORIES)
async def update_category(
    category_id: Annotated[DbId, Path()], data: CategoryCreate, db: SessionDep, admin: CurrentAdmin
) -> Category:
    return await categories.update_category(db, category_id, data, admin)


@router.delete("/categories/{category_id}", response_model=Message, tags=CATEGORIES)
async def delete_category(
    category_id: Annotated[DbId, Path()], db: SessionDep, admin: CurrentAdmin
) -> Message:
    await categories.delete_category(db, category_id, admin)
    return Message(message="Category deleted successfully")


# --- plans -----------------------------------------------------------------------------------


@router.post("/plans/", response_model=PlanResponse, tags=PLANS)
async def create_plan(data: PlanCreate, db: SessionDep, admin: CurrentAdmin) -> PlanResponse:
    return await plans.create_plan(db, data, admin)


@router.get("/plans/", response_model=list[PlanResponse], tags=PLANS)
async def get_plans(
    db: SessionDep,
    page: PageParams,
    plan_id: Annotated[DbId | None, Query(description="Get specific plan by ID")] = None,
    plan_type: Annotated[PlanTypeInput | None, Query(description="Filter by plan type")] = None,
    category_id: Annotated[DbId | None, Query(description="Filter by category")] = None,
    status: Annotated[PlanStatusInput | None, Query(description="Filter by status")] = None,
    include_deleted: Annotated[bool, Query(description="Also list deleted plans")] = False,
) -> list[PlanResponse]:
    rows, total = await plans.list_plans(
        db,
        PlanFilters(
            plan_id=plan_id,
            plan_type=plan_type,
            category_id=category_id,
            status=status,
            include_deleted=include_deleted,
        ),
        skip=page.skip,
        limit=page.limit,
    )
    page.set_total(total)
    return rows


@router.put("/plans/{plan_id}", response_model=PlanResponse, tags=PLANS)
async def update_plan(
    plan_id: Annotated[DbId, Path()], data: PlanUpdate, db: SessionDep, admin: CurrentAdmin
) -> PlanResponse:
    return await plans.update_plan(db, plan_id, data, admin)


@router.delete("/plans/{plan_id}", response_model=Message, tags=PLANS)
async def delete_plan(
    plan_id: Annotated[DbId, Path()], db: SessionDep, admin: CurrentAdmin
) -> Message:
    await plans.delete_plan(db, plan_id, admin)
    return Message(message="Plan deleted successfully")


@router.post("/plans/{plan_id}/activate", response_model=PlanResponse, tags=PLANS)
async def activate_plan(
    plan_id: Annotated[DbId, Path()], db: SessionDep, admin: CurrentAdmin
) -> PlanResponse:
    return await plans.set_plan_status(db, plan_id, PlanStatus.active, admin)


@router.post("/plans/{plan_id}/deactivate", response_model=PlanResponse, tags=PLANS)
async def deactivate_plan(
    plan_id: Annotated[DbId, Path()], db: SessionDep, admin: CurrentAdmin
) -> PlanResponse:
    return await plans.set_plan_status(db, plan_id, PlanStatus.inactive, admin)


# --- offers ----------------------------------------------------------------------------------


@router.post("/offers/", response_model=OfferResponse, tags=OFFERS)
async def create_offer(data: OfferCreate, db: SessionDep, admin: CurrentAdmin) -> OfferResponse:
    return await offers.create_offer(db, data, admin)


@router.get("/offers/", response_model=list[OfferResponse], tags=OFFERS)
async def get_offers(
    db: SessionDep,
    page: PageParams,
    offer_id: Annotated[DbId | None, Query(description="Get specific offer by ID")] = None,
    plan_id: Annotated[DbId | None, Query(description="Filter by plan")] = None,
    status: Annotated[
        OfferStatusInput | None, Query(description="Filter by status (active/inactive/expired)")
    ] = None,
) -> list[OfferResponse]:
    rows, total = await offers.list_offers(
        db, offer_id=offer_id, plan_id=plan_id, status=status, skip=page.skip, limit=page.limit
    )
    page.set_total(total)
    return rows


@router.post("/offers/create-with-discount", response_model=OfferResponse, tags=OFFERS)
async def create_offer_with_discount(
    data: OfferCreateWithDiscount, db: SessionDep, admin: CurrentAdmin
) -> OfferResponse:
    return await offers.create_offer_with_discount(db, data, admin)


@router.get("/offers/calculate-discount", response_model=DiscountCalculationResponse, tags=OFFERS)
async def calculate_discount(
    db: SessionDep,
    plan_id: Annotated[DbId, Query(description="Plan ID")],
    discount_percentage: Annotated[
        Decimal,
        Query(description="Discount percentage (0-100)", max_digits=12, allow_inf_nan=False),
    ],
) -> DiscountCalculationResponse:
    return await offers.calculate_discount(db, plan_id, discount_percentage)


@router.get("/offers/active", response_model=list[OfferResponse], tags=OFFERS)
async def get_active_offers(db: SessionDep, page: PageParams) -> list[OfferResponse]:
    rows, total = await offers.list_offers(
        db, status=OfferStatus.active, skip=page.skip, limit=page.limit
    )
    page.set_total(total)
    return rows


@router.put("/offers/{offer_id}", response_model=OfferResponse, tags=OFFERS)
async def update_offer(
    offer_id: Annotated[DbId, Path()], data: OfferUpdate, db: SessionDep, admin: CurrentAdmin
) -> OfferResponse:
    return await offers.update_offer(db, offer_id, data, admin)


@router.delete("/offers/{offer_id}", response_model=Message, tags=OFFERS)
async def delete_offer(
    offer_id: Annotated[DbId, Path()], db: SessionDep, admin: CurrentAdmin
) -> Message:
    await offers.delete_offer(db, offer_id, admin)
    return Message(message="Offer deleted successfully")
