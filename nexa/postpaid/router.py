from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.auth.dependencies import CurrentCustomer
from nexa.core.db import SessionDep
from nexa.core.idempotency import IdempotencyKeyHeader
from nexa.core.schemas import DbId, Message
from nexa.payment.dependencies import PENDING_RESPONSE, pending_as_202
from nexa.postpaid import activations, bill_payment, billing, family
from nexa.postpaid.schemas import (
    BillPaymentRequest,
    BillPaymentResponse,
    DataAddonPurchaseRequest,
    DataAddonResponse,
    PostpaidActivationRequest,
    PostpaidActivationResponse,
    PostpaidBillResponse,
    PostpaidPlanResponse,
    PostpaidUsageResponse,
    SecondaryNumberRequest,
    SecondaryNumberResponse,
)

router = APIRouter(prefix="/customer/postpaid")

ActivationQuery = Annotated[
    DbId | None,
    Query(description="Which of your activations (needed when you own several)"),
]
PLANS, ACTIVATIONS = "View Postpaid Plans & Addons", "Postpaid Activations"
BILLING, SECONDARY = "Postpaid Billing", "Postpaid - Secondary Numbers"
ActivationRead = Callable[[AsyncSession, CurrentCustomer, int | None], Awaitable[object]]


def _activation_view(
    path: str, name: str, read: ActivationRead, response_model: Any, tag: str, doc: str = ""
) -> None:
    """GET `path` (named `name`, its operation id): what `read` tells of one of the caller's
    activations, the one `?activation_id` names when they own several."""

    async def view(
        customer: CurrentCustomer, db: SessionDep, activation_id: ActivationQuery = None
    ) -> object:
        return await read(db, customer, activation_id)

    router.get(path, response_model=response_model, tags=[tag], name=name, description=doc)(view)


@router.get("/plans", response_model=list[PostpaidPlanResponse], tags=[PLANS])
async def get_postpaid_plans(
    customer: CurrentCustomer, db: SessionDep, plan_id: Annotated[DbId | None, Query()] = None
) -> list[PostpaidPlanResponse]:
    return await activations.list_plans(db, plan_id)


_activation_view("/usage", "get_data_usage", activations.usage, PostpaidUsageResponse, PLANS)


@router.get("/addon-plans", response_model=list[PostpaidPlanResponse], tags=[PLANS])
async def get_data_addon_plans(
    customer: CurrentCustomer, db: SessionDep
) -> list[PostpaidPlanResponse]:
    return await activations.list_addon_plans(db)


@router.post("/purchase-addon", response_model=DataAddonResponse, tags=[PLANS])
async def purchase_data_addon(
    data: DataAddonPurchaseRequest,
    customer: CurrentCustomer,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> DataAddonResponse:
    """Extra data now; its price is added to this cycle's bill."""
    return await billing.purchase_addon(db, customer, data, idempotency_key)


_activation_view(
    "/addons", "get_active_data_addons", billing.active_addons, list[DataAddonResponse], PLANS
)


@router.post("/activate", response_model=PostpaidActivationResponse, tags=[ACTIVATIONS])
async def activate_postpaid_plan(
    data: PostpaidActivationRequest,
    customer: CurrentCustomer,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> PostpaidActivationResponse:
    return await activations.activate(db, customer, data, idempotency_key)


@router.get("/activation", response_model=list[PostpaidActivationResponse], tags=[ACTIVATIONS])
async def get_customer_postpaid_activations(
    customer: CurrentCustomer, db: SessionDep
) -> list[PostpaidActivationResponse]:
    """Activations you own, and those you are a secondary number of."""
    return await activations.my_activations(db, customer)


_activation_view(
    "/bill",
    "get_postpaid_bill",
    billing.current_bill,
    PostpaidBillResponse,
    BILLING,
    "The oldest unpaid bill, or the running estimate of the current cycle.",
)
_activation_view(
    "/bills",
    "get_postpaid_bills",
    billing.bill_history,
    list[PostpaidBillResponse],
    BILLING,
    "Every bill of the activation, newest first.",
)


@router.post(
    "/pay-bill", response_model=BillPaymentResponse, tags=[BILLING], responses=PENDING_RESPONSE
)
async def pay_postpaid_bill(
    data: BillPaymentRequest,
    customer: CurrentCustomer,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> BillPaymentResponse | JSONResponse:
    """Pay all unpaid bills; a suspended plan resumes at once (202 while the payment is
    pending)."""
    return pending_as_202(await bill_payment.pay_bills(db, customer, data, idempotency_key))


_activation_view(
    "/secondary-numbers",
    "get_secondary_numbers",
    family.list_secondaries,
    list[SecondaryNumberResponse],
    SECONDARY,
)


@router.post("/secondary-numbers", response_model=SecondaryNumberResponse, tags=[SECONDARY])
async def add_secondary_number(
    data: SecondaryNumberRequest, customer: CurrentCustomer, db: SessionDep
) -> SecondaryNumberResponse:
    return await family.add_secondary(db, customer, data)


@router.delete("/secondary-numbers/{secondary_id}", response_model=Message, tags=[SECONDARY])
async def remove_secondary_number(
    secondary_id: Annotated[DbId, Path()],
    customer: CurrentCustomer,
    db: SessionDep,
    activation_id: ActivationQuery = None,
) -> Message:
    await family.remove_secondary(db, customer, secondary_id, activation_id)
    return Message(message="Secondary number removed")
