from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.auth.dependencies import CurrentAdmin
from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams, at_most
from nexa.core.schemas import DbId
from nexa.customer import service
from nexa.customer.schemas import (
    CustomerDetailResponse,
    CustomerStatsResponse,
    StatusChangeResponse,
    SuspendRequest,
)
from nexa.models import AccountStatus

router = APIRouter(prefix="/customers", tags=["Customer Management"])
CustomerId = Annotated[DbId, Path()]


@router.get("/", response_model=list[CustomerDetailResponse])
async def get_customers(
    db: SessionDep,
    page: PageParams,
    customer_id: Annotated[DbId | None, Query()] = None,
    phone_number: Annotated[str | None, Query(max_length=20)] = None,
    full_name: Annotated[str | None, Query(max_length=255)] = None,
    account_status: AccountStatus | None = None,
    days_inactive_min: Annotated[
        int | None, at_most(100_000, "Minimum days inactive", ge=0)
    ] = None,
    days_inactive_max: Annotated[
        int | None, at_most(100_000, "Maximum days inactive", ge=0)
    ] = None,
    search_term: Annotated[str | None, Query(max_length=255)] = None,
) -> list[CustomerDetailResponse]:
    """Search customers (name or number), filter by status and inactivity; newest first."""
    customers, total = await service.admin_search(
        db,
        skip=page.skip,
        limit=page.limit,
        customer_id=customer_id,
        search_term=search_term,
        phone_number=phone_number,
        full_name=full_name,
        account_status=account_status,
        days_inactive_min=days_inactive_min,
        days_inactive_max=days_inactive_max,
    )
    page.set_total(total)
    return customers


@router.get("/stats", response_model=CustomerStatsResponse)
async def get_customer_stats(db: SessionDep) -> CustomerStatsResponse:
    return await service.admin_stats(db)


@router.post("/{customer_id}/deactivate", response_model=StatusChangeResponse)
async def deactivate_customer(
    customer_id: CustomerId, db: SessionDep, admin: CurrentAdmin
) -> StatusChangeResponse:
    """Status `inactive` (by an admin): sign-in refused, open sessions end at once."""
    return await service.set_status(db, customer_id, AccountStatus.inactive, admin)


@router.post("/{customer_id}/activate", response_model=StatusChangeResponse)
async def activate_customer(
    customer_id: CustomerId, db: SessionDep, admin: CurrentAdmin
) -> StatusChangeResponse:
    return await service.set_status(db, customer_id, AccountStatus.active, admin)


@router.post("/{customer_id}/suspend", response_model=StatusChangeResponse)
async def suspend_customer(
    customer_id: CustomerId, data: SuspendRequest, db: SessionDep, admin: CurrentAdmin
) -> StatusChangeResponse:
    """Status `suspended`: sign-in refused, open sessions end at once; plans keep running."""
    return await service.set_status(db, customer_id, AccountStatus.suspended, admin, data.reason)
