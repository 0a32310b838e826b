"""What customers and staff see of payments: one payment with its timeline and refunds, the
admin's filtered list, and an admin's refund (docs/decisions.md#refunds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import idempotency
from nexa.core.db import commit_step
from nexa.models import Payment, PaymentState
from nexa.payment import refunds
from nexa.payment.repository import PaymentRepository
from nexa.payment.schemas import (
    OrderView,
    PaymentEventView,
    PaymentView,
    RefundRequest,
    RefundView,
)

if TYPE_CHECKING:
    from nexa.models import Admin


@dataclass(frozen=True)
class PaymentFilter:
    status: PaymentState | None = None
    provider: str | None = None
    customer_id: int | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        wanted: list[ColumnElement[bool]] = []
        if self.status is not None:
            wanted.append(Payment.status == self.status)
        if self.provider is not None:
            wanted.append(Payment.provider == self.provider)
        if self.customer_id is not None:
            wanted.append(Payment.customer_id == self.customer_id)
        if self.date_from is not None:
            wanted.append(Payment.created_at >= self.date_from)
        if self.date_to is not None:
            wanted.append(Payment.created_at < self.date_to)
        return wanted


def _summary(payment: Payment) -> PaymentView:
    return PaymentView(
        payment_id=payment.payment_id,
        customer_id=payment.customer_id,
        status=payment.status,
        provider=payment.provider,
        payment_method=payment.payment_method,
        amount=payment.amount,
        refunded_amount=payment.refunded_amount,
        order=OrderView(
            order_type=payment.order_type,
            recipient_phone_number=payment.recipient_phone_number,
            plan_id=payment.plan_id,
            offer_id=payment.offer_id,
            original_amount=payment.original_amount,
            discount_amount=payment.discount_amount,
            discount_type=payment.discount_type,
            amount=payment.amount,
            description=payment.description,
        ),
        transaction_id=payment.transaction_id,
        failure_reason=payment.failure_reason,
        created_at=payment.created_at,
        captured_at=payment.captured_at,
        failed_at=payment.failed_at,
        fulfilled_at=payment.fulfilled_at,
    )


async def payment_view(
    db: AsyncSession, payment_id: str, *, customer_id: int | None = None
) -> PaymentView:
    """One payment with its timeline and refunds; a customer sees only their own (404)."""
    payments = PaymentRepository(db)
    payment = await payments.get(payment_id)
    if payment is None or (customer_id is not None and payment.customer_id != customer_id):
        raise refunds.PaymentNotFound(f"Payment {payment_id} not found")
    view = _summary(payment)
    view.timeline = [
        PaymentEventView.model_validate(e) for e in await payments.timeline(payment_id)
    ]
    view.refunds = [RefundView.model_validate(r) for r in await payments.refunds(payment_id)]
    return view


async def list_payments(
    db: AsyncSession, filters: PaymentFilter, *, skip: int, limit: int
) -> tuple[list[PaymentView], int]:
    """Newest first."""
    rows, total = await PaymentRepository(db).find(filters.conditions(), skip, limit)
    return [_summary(row) for row in rows], total


async def refund(
    db: AsyncSession,
    admin: Admin,
    payment_id: str,
    data: RefundRequest,
    key: str | None,
) -> PaymentView:
    """`POST /admin/payments/{id}/refund`: write the refund, then ask the provider with no
    transaction held; processed at once or later by webhook. Idempotent per key."""
    claimed = await idempotency.claim(
        db,
        f"admin:{admin.admin_id}",
        key,
        f"POST /admin/payments/{payment_id}/refund",
        data.model_dump(mode="json"),
    )
    amount = Decimal(data.amount) if data.amount is not None else None
    asked = await refunds.request_refund(db, payment_id, amount, data.reason, admin)
    refund_id = asked.refund_id
    interim = await payment_view(db, payment_id)
    await idempotency.record(db, claimed, idempotency.PROCESSING, interim.model_dump(mode="json"))
    await commit_step(db)
    await refunds.send_refund(db, refund_id)
    view = await payment_view(db, payment_id)
    await idempotency.record(db, claimed, 200, view.model_dump(mode="json"))
    return view
