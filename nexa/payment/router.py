"""Provider webhooks, and a customer's view of their payment."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request

from nexa.auth.dependencies import CustomerPrincipal
from nexa.core.db import SessionDep
from nexa.payment import views, webhooks
from nexa.payment.schemas import PaymentView, WebhookAck

router = APIRouter()
PaymentId = Annotated[str, Path(min_length=1, max_length=32)]


@router.post(
    "/payments/webhooks/{provider}",
    response_model=WebhookAck,
    tags=["Payments"],
    responses={
        400: {
            "description": "Not an event NEXA understands, or an amount that is not the payment's"
        },
        401: {"description": "Missing or wrong signature: nothing changed"},
    },
)
async def receive_webhook(
    provider: Annotated[str, Path(max_length=20)], request: Request, db: SessionDep
) -> WebhookAck:
    """A payment provider's event (signed): a capture, a failure, a processed refund."""
    return await webhooks.receive(db, provider, request.headers, await request.body())


@router.get("/customer/payments/{payment_id}", response_model=PaymentView, tags=["Payments"])
async def get_my_payment(
    payment_id: PaymentId, customer: CustomerPrincipal, db: SessionDep
) -> PaymentView:
    """One of your payments: its status, order, timeline and refunds."""
    return await views.payment_view(db, payment_id, customer_id=customer.subject_id)
