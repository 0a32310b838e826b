"""The ledger's SQL (`transaction`: one row per settled payment) and the subqueries other
domains compose from it. A capture writes its ledger row itself (repository.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import (
    ColumnElement,
    ColumnExpressionArgument,
    Row,
    ScalarSelect,
    Select,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import sql
from nexa.models import DiscountType, PaymentMethod, PaymentStatus, Transaction, TransactionType


class NewTransaction(TypedDict):
    """Every column a payment attempt is written with."""

    customer_id: int
    plan_id: int
    offer_id: int | None
    recipient_phone_number: str
    transaction_type: TransactionType
    original_amount: Decimal
    discount_amount: Decimal
    discount_type: DiscountType | None
    final_amount: Decimal
    payment_method: PaymentMethod
    payment_status: PaymentStatus
    payment_reference: str | None
    failure_reason: str | None
    transaction_date: datetime
    referral_discount_id: int | None
    bill_id: int | None
    payment_id: str | None


_NEW_TRANSACTION = """
    INSERT INTO transaction (
        customer_id, plan_id, offer_id, recipient_phone_number, transaction_type,
        original_amount, discount_amount, discount_type, final_amount, payment_method,
        payment_status, payment_reference, failure_reason, transaction_date,
        referral_discount_id, bill_id, payment_id)
    VALUES (
        %(customer_id)s, %(plan_id)s, %(offer_id)s, %(recipient_phone_number)s,
        %(transaction_type)s, %(original_amount)s, %(discount_amount)s, %(discount_type)s,
        %(final_amount)s, %(payment_method)s, %(payment_status)s, %(payment_reference)s,
        %(failure_reason)s, %(transaction_date)s, %(referral_discount_id)s, %(bill_id)s,
        %(payment_id)s)
    RETURNING transaction_id
"""


class TransactionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert(self, values: NewTransaction) -> int:
        """Write a payment attempt; returns its id."""
        return int(await sql.fetch_value(self.session, _NEW_TRANSACTION, values))

    async def of_customer(
        self, customer_id: int, transaction_type: TransactionType
    ) -> list[Transaction]:
        rows = await self.session.execute(
            select(Transaction)
            .where(
                Transaction.customer_id == customer_id,
                Transaction.transaction_type == transaction_type,
            )
            .order_by(Transaction.transaction_date.desc(), Transaction.transaction_id.desc())
        )
        return list(rows.scalars())

    async def spending(
        self,
        payer_id: int,
        phone_number: str,
        date_from: datetime | None,
        date_to: datetime | None,
    ) -> Row[Decimal, int, datetime | None]:
        """What the payer paid for the number: total, count and latest (successes only)."""
        conditions = [
            *_paid_by(payer_id),
            Transaction.recipient_phone_number == phone_number,
        ]
        if date_from is not None:
            conditions.append(Transaction.transaction_date >= date_from)
        if date_to is not None:
            conditions.append(Transaction.transaction_date < date_to)
        query = select(
            func.coalesce(func.sum(Transaction.final_amount), 0),
            func.count(),
            func.max(Transaction.transaction_date),
        ).where(*conditions)
        return (await self.session.execute(query)).one()

    async def any_for_plan(self, plan_id: int) -> bool:
        found = await self.session.execute(
            select(Transaction.transaction_id).where(Transaction.plan_id == plan_id).limit(1)
        )
        return found.first() is not None


# --- correlated subqueries other domains compose into their SQL (through the service) ---


def _paid_by(customer_id: ColumnExpressionArgument[int] | int) -> list[ColumnElement[bool]]:
    return [
        Transaction.customer_id == customer_id,
        Transaction.payment_status == PaymentStatus.success,
    ]


def paid_count_of(customer_id: ColumnExpressionArgument[int]) -> ScalarSelect[int]:
    """How many successful payments the customer made."""
    return select(func.count()).where(*_paid_by(customer_id)).scalar_subquery()


def paid_total_of(customer_id: ColumnExpressionArgument[int]) -> ScalarSelect[Decimal]:
    """What the customer paid in all (0 when nothing)."""
    return (
        select(func.coalesce(func.sum(Transaction.final_amount), 0))
        .where(*_paid_by(customer_id))
        .scalar_subquery()
    )


def last_paid_at(customer_id: ColumnExpressionArgument[int]) -> ScalarSelect[datetime]:
    """When the customer's latest successful payment was made (NULL when never)."""
    return (
        select(func.max(Transaction.transaction_date))
        .where(*_paid_by(customer_id))
        .scalar_subquery()
    )


def transactions_of(payer_id: int) -> Select[int]:
    """The ids of every payment attempt the customer made."""
    return select(Transaction.transaction_id).where(Transaction.customer_id == payer_id)


def step_noting_subscription(rows: str) -> str:
    """A step of another domain's statement (`WITH … AS (<this>)`) that notes, on each
    ledger row, the subscription bought with it: `rows` names an earlier step returning
    `subscription_id` and `transaction_id` (a new subscription, in the statement that
    inserts it)."""
    return (
        f"UPDATE transaction SET subscription_id = {rows}.subscription_id FROM {rows}"  # noqa: S608 (a step name)
        f" WHERE transaction.transaction_id = {rows}.transaction_id"
    )
