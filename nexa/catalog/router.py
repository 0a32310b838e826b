"""The catalogue as customers see it: categories, plans on sale with their best offer, offers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query, Response

from nexa.auth.dependencies import CustomerPrincipal
from nexa.catalog import cache, categories, offers
from nexa.catalog.repository import PlanFilters
from nexa.catalog.schemas import (
    CategoryForCustomer,
    OfferResponseForCustomer,
    PlanResponseForCustomer,
    PlanTypeInput,
)
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId
from nexa.models import Category

router = APIRouter(prefix="/customer", tags=["View Plans & Offers"])

PriceQuery = Annotated[Decimal | None, Query(ge=0, le=10**10, allow_inf_nan=False)]


@router.get("/categories", response_model=list[CategoryForCustomer])
async def get_categories(
    customer: CustomerPrincipal, db: SessionDep, page: PageParams
) -> list[Category]:
    """Every category, ordered by name."""
    found, total = await categories.list_categories(
        db, skip=page.skip, limit=page.limit, by_name=True
    )
    page.set_total(total)
    return found


@router.get("/plans", response_model=list[PlanResponseForCustomer])
async def get_plans_for_customer(
    customer: CustomerPrincipal,
    db: SessionDep,
    page: PageParams,
    plan_id: Annotated[DbId | None, Query(description="Get specific plan by ID")] = None,
    plan_type: Annotated[PlanTypeInput | None, Query(description="Filter by plan type")] = None,
    category_id: Annotated[DbId | None, Query(description="Filter by category")] = None,
    is_featured: Annotated[bool | None, Query(description="Only featured plans")] = None,
    is_topup: Annotated[bool | None, Query(description="Top-ups / add-ons or not")] = None,
    min_price: PriceQuery = None,
    max_price: PriceQuery = None,
) -> Response:
    """Plans on sale, featured first then cheapest first, each with its best current offer."""
    listing = await cache.plan_page(
        db,
        PlanFilters(
            plan_id=plan_id,
            plan_type=plan_type,
            category_id=category_id,
            is_featured=is_featured,
            is_topup=is_topup,
            min_price=min_price,
            max_price=max_price,
        ),
        skip=page.skip,
        limit=page.limit,
    )
    return Response(
        listing.body,
        media_type="application/json",
        headers={"X-Total-Count": str(listing.total)},
    )


@router.get("/offers", response_model=list[OfferResponseForCustomer])
async def get_offers_for_customer(
    customer: CustomerPrincipal,
    db: SessionDep,
    page: PageParams,
    plan_id: Annotated[DbId | None, Query(description="Filter by plan")] = None,
) -> list[OfferResponseForCustomer]:
    """Offers valid now on plans that are on sale."""
    found, total = await offers.list_offers_for_customer(
        db, plan_id=plan_id, skip=page.skip, limit=page.limit
    )
    page.set_total(total)
    return found
