from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from nexa.auth.dependencies import CurrentCustomer
from nexa.core.db import SessionDep
from nexa.core.idempotency import IdempotencyKeyHeader
from nexa.core.schemas import DbId, Message
from nexa.postpaid import activations, billing, family
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


@router.get("/plans", response_model=list[PostpaidPlanResponse], tags=[PLANS])
async def get_postpaid_plans(
    customer: CurrentCustomer, db: SessionDep, plan_id: Annotated[DbId | None, Query()] = None
) -> list[PostpaidPlanResponse]:
    return await activations.list_plans(db, plan_id)


@router.get("/usage", response_model=PostpaidUsageResponse, tags=[PLANS])
async def get_data_usage(
    customer: CurrentCustomer, db: SessionDep, activation_id: ActivationQuery = None
) -> PostpaidUsageResponse:
    return await activations.usage(db, customer, activation_id)


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


@router.get("/addons", response_model=list[DataAddonResponse], tags=[PLANS])
async def get_active_data_addons(
    customer: CurrentCustomer, db: SessionDep, activation_id: ActivationQuery = None
) -> list[DataAddonResponse]:
    return await billing.active_addons(db, customer, activation_id)


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


@router.get("/bill", response_model=PostpaidBillResponse, tags=[BILLING])
async def get_postpaid_bill(
    customer: CurrentCustomer, db: SessionDep, activation_id: ActivationQuery = None
) -> PostpaidBillResponse:
    """The oldest unpaid bill, or the running estimate of the current cycle."""
    return await billing.current_bill(db, customer, activation_id)


@router.get("/bills", response_model=list[PostpaidBillResponse], tags=[BILLING])
async def get_postpaid_bills(
    customer: CurrentCustomer, db: SessionDep, activation_id: ActivationQuery = None
) -> list[PostpaidBillResponse]:
    """Every bill of the activation, newest first."""
    return await billing.bill_history(db, customer, activation_id)


@router.post("/pay-bill", response_model=BillPaymentResponse, tags=[BILLING])
async def pay_postpaid_bill(
    data: BillPaymentRequest,
    customer: CurrentCustomer,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> BillPaymentResponse:
    """Pay all unpaid bills; a suspended plan resumes at once."""
    return await billing.pay_bills(db, customer, data, idempotency_key)


@router.get("/secondary-numbers", response_model=list[SecondaryNumberResponse], tags=[SECONDARY])
async def get_secondary_numbers(
    customer: CurrentCustomer, db: SessionDep, activation_id: ActivationQuery = None
) -> list[SecondaryNumberResponse]:
    return await family.list_secondaries(db, customer, activation_id)


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
