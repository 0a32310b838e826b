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
    facts = {name: getattr(payment, name) for name in PaymentView.model_fields if name in _ROW}
    return PaymentView.model_validate(facts | {"order": OrderView.model_validate(payment)})


# the view's fields read straight off the payment row
_ROW = frozenset(PaymentView.model_fields) - {"order", "timeline", "refunds"}


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
