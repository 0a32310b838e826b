"""Builders for payments, their ledger rows and refunds: add and flush, never commit."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import (
    Payment,
    PaymentRefund,
    PaymentState,
    RefundStatus,
    Transaction,
    TransactionType,
)


async def make_captured_payment(
    db: AsyncSession,
    *,
    customer_id: int,
    phone_number: str,
    plan_id: int,
    amount: str | Decimal,
    at: datetime,
    order_type: TransactionType = TransactionType.prepaid_recharge,
) -> Payment:
    """A payment captured at `at` and its successful ledger row (the sale)."""
    price = Decimal(amount)
    payment = Payment(
        payment_id=uuid.uuid4().hex,
        customer_id=customer_id,
        order_type=order_type,
        recipient_phone_number=phone_number,
        plan_id=plan_id,
        original_amount=price,
        discount_amount=Decimal("0"),
        amount=price,
        payment_method="upi",
        description="test payment",
        status=PaymentState.captured,
        provider="simulator",
        captured_at=at,
        expires_at=at + timedelta(minutes=30),
    )
    db.add(payment)
    await db.flush()
    sale = Transaction(
        customer_id=customer_id,
        plan_id=plan_id,
        recipient_phone_number=phone_number,
        transaction_type=order_type,
        original_amount=price,
        discount_amount=Decimal("0"),
        final_amount=price,
        payment_method="upi",
        payment_status="success",
        transaction_date=at,
        payment_id=payment.payment_id,
    )
    db.add(sale)
    await db.flush()
    payment.transaction_id = sale.transaction_id
    return payment


async def make_refund(
    db: AsyncSession,
    payment: Payment,
    amount: str | Decimal,
    *,
    status: RefundStatus = RefundStatus.processed,
    processed_at: datetime | None = None,
) -> PaymentRefund:
    """A refund of `payment`; a processed one (at `processed_at`) lowers what it may still
    give back, as the payment service does."""
    refund = PaymentRefund(
        payment_id=payment.payment_id,
        amount=Decimal(amount),
        status=status,
        reason="test refund",
        processed_at=processed_at if status == RefundStatus.processed else None,
    )
    if status == RefundStatus.processed:
        assert processed_at is not None, "a processed refund has its time"
        payment.refunded_amount += refund.amount
        full = payment.refunded_amount >= payment.amount
        payment.status = PaymentState.refunded if full else PaymentState.partially_refunded
    db.add(refund)
    await db.flush()
    return refund
