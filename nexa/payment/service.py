"""The payment domain as other domains see it (docs/decisions.md#one-money-path).

Every purchase that takes a customer's money goes through `checkout()` (payment/checkout.py):
the purchase prices its order, the payment is opened and committed, the provider is asked
with no transaction held, and the capture is settled in a new transaction, where the
domain's registered `Fulfiller` delivers the order exactly once. Webhooks, reconciliation
and refunds (payment/webhooks.py, reconciliation.py, refunds.py) settle the same payments
later. The ledger (`transaction`) and the subqueries other domains compose from it are read
here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import PaymentMethod, PaymentStatus, TransactionType
from nexa.payment.checkout import OrderNotFulfilled as OrderNotFulfilled
from nexa.payment.checkout import PaymentDeclined as PaymentDeclined
from nexa.payment.checkout import checkout as checkout
from nexa.payment.fulfilment import CannotFulfil as CannotFulfil
from nexa.payment.fulfilment import Fulfiller as Fulfiller
from nexa.payment.fulfilment import register as register_fulfiller
from nexa.payment.ledger_repository import TransactionRepository

# SQL other domains compose into theirs (docs/decisions.md#boundaries)
from nexa.payment.ledger_repository import last_paid_at as last_paid_at
from nexa.payment.ledger_repository import paid_count_of as paid_count_of
from nexa.payment.ledger_repository import paid_total_of as paid_total_of
from nexa.payment.ledger_repository import step_noting_subscription as step_noting_subscription
from nexa.payment.ledger_repository import transactions_of as transactions_of
from nexa.payment.reconciliation import fail_overdue as fail_overdue_payments

__all__ = ["fail_overdue_payments", "register_fulfiller"]


@dataclass(frozen=True)
class LedgerEntry:
    """A payment attempt as other domains' views show it."""

    transaction_id: int
    plan_id: int
    amount: Decimal
    payment_method: PaymentMethod
    payment_status: PaymentStatus
    transaction_date: datetime


async def payments_of(
    db: AsyncSession, customer_id: int, transaction_type: TransactionType
) -> list[LedgerEntry]:
    """The customer's payment attempts of one kind, newest first."""
    rows = await TransactionRepository(db).of_customer(customer_id, transaction_type)
    return [
        LedgerEntry(
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
