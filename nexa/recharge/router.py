from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header

from nexa.core.auth import CurrentCustomer, CustomerPrincipal, SessionDep
from nexa.core.idempotency import MAX_KEY_LENGTH
from nexa.recharge import service, usage
from nexa.recharge.schemas import (
    CustomerUsageResponse,
    PaymentFailedBody,
    RechargeRequest,
    RechargeResponse,
)

router = APIRouter(prefix="/customer")

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=MAX_KEY_LENGTH,
        description="Any unique string; a retry with the same key and body is answered "
        "with the first answer and charges nothing more (kept 24 h)",
    ),
]


@router.post(
    "/recharge",
    response_model=RechargeResponse,
    tags=["Recharge"],
    responses={
        402: {"model": PaymentFailedBody, "description": "The payment was declined"},
        409: {"description": "Idempotency-Key reused with a different request"},
    },
)
async def create_recharge(
    data: RechargeRequest,
    customer: CustomerPrincipal,
    db: SessionDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> RechargeResponse:
    """Buy a prepaid plan or top-up for any number: active now, queued, or added as a top-up."""
    return await service.recharge(db, customer.subject_id, data, idempotency_key)


@router.get("/usage", response_model=CustomerUsageResponse, tags=["View Subscriptions"])
async def get_usage(customer: CurrentCustomer, db: SessionDep) -> CustomerUsageResponse:
    """Today's data use on your own number, the daily limit, what is left and your top-ups."""
    return await usage.usage_summary(db, customer.phone_number)
