from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from nexa.auth.dependencies import CurrentCustomer, CustomerPrincipal
from nexa.core.db import SessionDep
from nexa.core.idempotency import IdempotencyKeyHeader
from nexa.payment.dependencies import PENDING_RESPONSE, pending_as_202
from nexa.recharge import service, usage
from nexa.recharge.schemas import (
    CustomerUsageResponse,
    PaymentFailedBody,
    RechargeRequest,
    RechargeResponse,
)

router = APIRouter(prefix="/customer")


@router.post(
    "/recharge",
    response_model=RechargeResponse,
    tags=["Recharge"],
    responses={
        **PENDING_RESPONSE,
        402: {"model": PaymentFailedBody, "description": "The payment was declined"},
        409: {"description": "Idempotency-Key reused with a different request"},
    },
)
async def create_recharge(
    data: RechargeRequest,
    customer: CustomerPrincipal,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RechargeResponse | JSONResponse:
    """Buy a prepaid plan or top-up for any number: active now, queued, or added as a top-up
    (202 while the payment is pending)."""
    return pending_as_202(await service.recharge(db, customer.subject_id, data, idempotency_key))


@router.get("/usage", response_model=CustomerUsageResponse, tags=["View Subscriptions"])
async def get_usage(customer: CurrentCustomer, db: SessionDep) -> CustomerUsageResponse:
    """Today's data use on your own number, the daily limit, what is left and your top-ups."""
    return await usage.usage_summary(db, customer.phone_number)
