"""Catalogue administration under /admin (the guard is applied in nexa/api.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import AliasChoices, BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

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
# the id in an item's path: category_id, plan_id or offer_id (FastAPI picks the one there)
ItemId = Annotated[DbId, Path(validation_alias=AliasChoices("category_id", "plan_id", "offer_id"))]


def _add_update_and_delete(
    noun: str,
    collection: str,
    schemas: tuple[type[BaseModel], type[BaseModel]],
    update: Callable[[AsyncSession, int, Any, CurrentAdmin], Awaitable[object]],
    delete: Callable[[AsyncSession, int, CurrentAdmin], Awaitable[None]],
    tags: Tags,
) -> None:
    """PUT and DELETE /<collection>/{<noun>_id}, given the update body and response schemas;
    named update_<noun> and delete_<noun> as if written out (they make the operation ids)."""
    body, response = schemas
    item = noun.lower()
    path = f"/{collection}/{{{item}_id}}"

    async def update_item(
        item_id: ItemId, data: BaseModel, db: SessionDep, admin: CurrentAdmin
    ) -> object:
        return await update(db, item_id, data, admin)

    async def delete_item(item_id: ItemId, db: SessionDep, admin: CurrentAdmin) -> Message:
        await delete(db, item_id, admin)
        return Message(message=f"{noun} deleted successfully")

    update_item.__annotations__["data"] = body  # the body FastAPI validates and documents
    router.put(path, response_model=response, tags=tags, name=f"update_{item}")(update_item)
    router.delete(path, response_model=Message, tags=tags, name=f"delete_{item}")(delete_item)


# --- categories ------------------------------------------------------------------------------


@router.get("/categories/", response_model=list[CategoryResponse], tags=CATEGORIES)
async def get_categories(db: SessionDep, page: PageParams) -> list[Category]:
    rows, total = await categories.list_categories(db, skip=page.skip, limit=page.limit)
    page.set_total(total)
    return rows


@router.post("/categories/", response_model=CategoryResponse, tags=CATEGORIES)
async def create_category(data: CategoryCreate, db: SessionDep, admin: CurrentAdmin) -> Category:
    return await categories.create_category(db, data, admin)


_add_update_and_delete(
    "Category",
    "categories",
    (CategoryCreate, CategoryResponse),
    categories.update_category,
    categories.delete_category,
    CATEGORIES,
)


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


_add_update_and_delete(
    "Plan", "plans", (PlanUpdate, PlanResponse), plans.update_plan, plans.delete_plan, PLANS
)


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


_add_update_and_delete(
    "Offer",
    "offers",
    (OfferUpdate, OfferResponse),
    offers.update_offer,
    offers.delete_offer,
    OFFERS,
)
