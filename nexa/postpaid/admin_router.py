from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.core.db import SessionDep
from nexa.core.pagination import PageParams
from nexa.core.schemas import DbId
from nexa.models import PostpaidStatus
from nexa.postpaid import admin_views
from nexa.postpaid.schemas import (
    CustomerPostpaidHistory,
    DuePayment,
    PostpaidActivationDetailResponse,
    SecondaryValidation,
)

router = APIRouter(prefix="/postpaid")


@router.get(
    "/activations",
    response_model=list[PostpaidActivationDetailResponse],
    tags=["Postpaid Activations Management"],
)
async def get_postpaid_activations(
    db: SessionDep,
    page: PageParams,
    activation_id: Annotated[DbId | None, Query()] = None,
    plan_id: Annotated[DbId | None, Query()] = None,
    status: PostpaidStatus | None = PostpaidStatus.active,
    customer_phone: Annotated[str | None, Query(max_length=20)] = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> list[PostpaidActivationDetailResponse]:
    activations, total = await admin_views.admin_activations(
        db,
        activation_id=activation_id,
        plan_id=plan_id,
        status=status,
        customer_phone=customer_phone,
        date_from=date_from,
        date_to=date_to,
        skip=page.skip,
        limit=page.limit,
    )
    page.set_total(total)
    return activations


@router.get(
    "/activations/{activation_id}/secondary-validation",
    response_model=SecondaryValidation,
    tags=["Postpaid Activations Management"],
)
async def validate_secondary_number_addition(
    activation_id: Annotated[DbId, Path()], db: SessionDep
) -> SecondaryValidation:
    return await admin_views.secondary_validation(db, activation_id)


@router.get("/due-payments", response_model=list[DuePayment], tags=["Postpaid Billing Management"])
async def get_due_payments(db: SessionDep, page: PageParams) -> list[DuePayment]:
    """Activations with unpaid bills, the most urgent first."""
    payments, total = await admin_views.due_payments(db, skip=page.skip, limit=page.limit)
    page.set_total(total)
    return payments


@router.get(
    "/customer-history/{customer_id}",
    response_model=CustomerPostpaidHistory,
    tags=["Postpaid Billing Management"],
)
async def get_customer_postpaid_history(
    customer_id: Annotated[DbId, Path()], db: SessionDep
) -> CustomerPostpaidHistory:
    return await admin_views.customer_history(db, customer_id)
