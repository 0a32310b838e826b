"""The one money path: every request that takes a customer's money goes through here.

Every money-moving request is also made idempotent by `nexa.core.idempotency` (`keyed()`,
`once_per_key()`): a repeat gets the first answer, 200 or 402, and charges nothing.
`charge()` asks the payment provider, writes the attempt to the ledger (`transaction`,
success or failure), and on a decline tells the customer and raises `PaymentDeclined`, which
keeps the failed attempt (it is committed) and answers 402 with its `transaction_id`.
The rules: docs/decisions.md#one-money-path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.errors import PaymentFailed
from nexa.models import (
    NotificationType,
    PaymentMethod,
    PaymentStatus,
    TransactionType,
)
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.payment.gateway import PaymentRequest, get_gateway
from nexa.payment.repository import TransactionRepository

# SQL other domains compose into theirs (docs/decisions.md#boundaries)
from nexa.payment.repository import last_paid_at as last_paid_at
from nexa.payment.repository import paid_count_of as paid_count_of
from nexa.payment.repository import paid_total_of as paid_total_of
from nexa.payment.repository import transactions_of as transactions_of
from nexa.payment.schemas import Charge


class PaymentDeclined(PaymentFailed, code="payment_failed"): ...


async def charge(db: AsyncSession, payment: Charge) -> int:
    """Take the payment and write it to the ledger; returns the transaction id.

    Raises `PaymentDeclined` (the failed attempt and the customer's notification are kept)."""
    result = await get_gateway().charge(
        PaymentRequest(
            amount=payment.final_amount,
            method=payment.payment_method,
            payer_id=payment.payer_id,
            description=payment.description,
        )
    )
    transaction_id = await TransactionRepository(db).insert(
        {
            "customer_id": payment.payer_id,
            "plan_id": payment.plan_id,
            "offer_id": payment.offer_id,
            "recipient_phone_number": payment.recipient_phone_number,
            "transaction_type": payment.transaction_type,
            "original_amount": payment.original_amount,
            "discount_amount": payment.discount_amount,
            "discount_type": payment.discount_type,
            "final_amount": payment.final_amount,
            "payment_method": payment.payment_method,
            "payment_status": PaymentStatus.success if result.approved else PaymentStatus.failed,
            "payment_reference": result.reference,
            "failure_reason": result.decline_reason,
            "transaction_date": payment.at,
            "referral_discount_id": payment.referral_discount_id,
            "bill_id": payment.bill_id,
        }
    )
    if result.approved:
        return transaction_id
    await notification_service.notify(
        db,
        Alert(
            customer_id=payment.payer_id,
            type=NotificationType.payment_failure,
            title="Payment failed",
            message=f"Your payment of ₹{payment.final_amount} for {payment.description} was "
            "declined. No money was taken; please try again.",
        ),
    )
    declined = PaymentDeclined(
        f"The payment was declined: {result.decline_reason}", commit_changes=True
    )
    declined.extra = {"transaction_id": transaction_id, "payment_status": "failed"}
    raise declined


async def link_subscription(db: AsyncSession, transaction_id: int, subscription_id: int) -> None:
    """Note on the ledger row which subscription the payment bought."""
    await TransactionRepository(db).link_subscription(transaction_id, subscription_id)


@dataclass(frozen=True)
class Payment:
    """A payment attempt as other domains' views show it."""

    transaction_id: int
    plan_id: int
    amount: Decimal
    payment_method: PaymentMethod
    payment_status: PaymentStatus
    transaction_date: datetime


async def payments_of(
    db: AsyncSession, customer_id: int, transaction_type: TransactionType
) -> list[Payment]:
    """The customer's payment attempts of one kind, newest first."""
    rows = await TransactionRepository(db).of_customer(customer_id, transaction_type)
    return [
        Payment(
            row.transaction_id,
            row.plan_id,
            row.final_amount,
            row.payment_method,
            row.payment_status,
            row.transaction_date,
        )
        for row in rows
    ]


async def any_payment_for_plan(db: AsyncSession, plan_id: int) -> bool:
    """Whether anybody ever paid (or tried to pay) for this plan."""
    return await TransactionRepository(db).any_for_plan(plan_id)


@dataclass(frozen=True)
class Spending:
    """What a payer paid for one number (successful payments)."""

    total_spent: Decimal
    transaction_count: int
    last_paid_at: datetime | None


async def spending(
    db: AsyncSession,
    payer_id: int,
    phone_number: str,
    date_from: datetime | None,
    date_to: datetime | None,
) -> Spending:
    total, count, last = await TransactionRepository(db).spending(
        payer_id, phone_number, date_from, date_to
    )
    return Spending(Decimal(total), int(count), last)
