"""Purchase history and subscription views; the streamed transaction export
(docs/decisions.md#transaction-export)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.db import read_unit_of_work
from nexa.core.errors import NotFound
from nexa.core.schemas import mb_to_gb
from nexa.history.repository import (
    HistoryRepository,
    QueuedRow,
    SubscriptionRow,
    TransactionFilter,
    TransactionRow,
)
from nexa.history.schemas import (
    AdminQueueItem,
    AdminSubscriptionItem,
    CustomerQueueResponse,
    CustomerSubscriptionResponse,
    CustomerTransactionResponse,
    TransactionResponse,
)
from nexa.models import Customer

CSV_COLUMNS = [
    "Transaction ID",
    "Customer",
    "Customer Phone",
    "Plan",
    "Offer",
    "Transaction Type",
    "Original Amount",
    "Discount",
    "Final Amount",
    "Payment Method",
    "Payment Status",
    "Transaction Date",
]


class TransactionNotFound(NotFound, code="transaction_not_found"): ...


def _transaction(row: TransactionRow) -> TransactionResponse:
    transaction = row[0]
    return TransactionResponse.model_validate(
        {
            **{
                c: getattr(transaction, c)
                for c in TransactionResponse.model_fields
                if hasattr(transaction, c)
            },
            "customer_name": row.customer_name,
            "customer_phone": row.customer_phone,
            "plan_name": row.plan_name,
            "offer_name": row.offer_name,
        }
    )


async def customer_transactions(
    db: AsyncSession, customer: Customer, filters: TransactionFilter, skip: int, limit: int
) -> tuple[list[CustomerTransactionResponse], int]:
    mine = TransactionFilter(**{**filters.__dict__, "customer_id": customer.customer_id})
    rows, total = await HistoryRepository(db).transactions(mine, skip, limit)
    if filters.transaction_id is not None and not rows:
        raise TransactionNotFound(f"Transaction {filters.transaction_id} not found")
    return [
        CustomerTransactionResponse.model_validate(_transaction(row).model_dump()) for row in rows
    ], total


async def admin_transactions(
    db: AsyncSession, filters: TransactionFilter, skip: int, limit: int
) -> tuple[list[TransactionResponse], int]:
    rows, total = await HistoryRepository(db).transactions(filters, skip, limit)
    if filters.transaction_id is not None and not rows:
        raise TransactionNotFound(f"Transaction {filters.transaction_id} not found")
    return [_transaction(row) for row in rows], total


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


async def export_transactions(filters: TransactionFilter, fmt: str) -> AsyncIterator[str]:
    """Every matching transaction, streamed in chunks from a read-only session of its own
    (on the read replica when there is one; the request's session is closed by the time
    the response body is sent)."""
    async with read_unit_of_work() as db:
        rows = HistoryRepository(db).stream_transactions(filters)
        if fmt == "json":
            first = True
            yield "["
            async for row in rows:
                yield ("" if first else ",") + _transaction(row).model_dump_json()
                first = False
            yield "]"
            return
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        count = 0
        async for row in rows:
            t = row[0]
            writer.writerow(
                [
                    t.transaction_id,
                    row.customer_name,
                    row.customer_phone,
                    row.plan_name,
                    row.offer_name or "",
                    t.transaction_type.value,
                    _money(t.original_amount),
                    _money(t.discount_amount),
                    _money(t.final_amount),
                    t.payment_method.value,
                    t.payment_status.value,
                    t.transaction_date.isoformat(),
                ]
            )
            count += 1
            if count % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def _subscription(row: SubscriptionRow, admin: bool) -> Any:
    subscription = row[0]
    values = {
        "subscription_id": subscription.subscription_id,
        "plan_name": row.plan_name,
        "phone_number": subscription.phone_number,
        "is_topup": subscription.is_topup,
        "activation_date": subscription.activation_date,
        "expiry_date": subscription.expiry_date,
        "status": subscription.status,
        "data_balance_mb": subscription.data_balance_mb,
        "data_balance_gb": mb_to_gb(subscription.data_balance_mb),
        "daily_data_limit_mb": subscription.daily_data_limit_mb,
        "daily_data_limit_gb": mb_to_gb(subscription.daily_data_limit_mb),
        "daily_data_used_mb": subscription.daily_data_used_mb,
        "daily_data_used_gb": mb_to_gb(subscription.daily_data_used_mb),
    }
    if not admin:
        return CustomerSubscriptionResponse.model_validate(values)
    return AdminSubscriptionItem.model_validate(
        {
            **values,
            "customer_id": subscription.customer_id,
            "customer_name": row.customer_name,
            "customer_phone": row.customer_phone,
            "plan_id": subscription.plan_id,
            "base_subscription_id": subscription.base_subscription_id,
        }
    )


def _queued(row: QueuedRow, admin: bool) -> Any:
    entry = row[0]
    values = {
        "queue_id": entry.queue_id,
        "subscription_id": entry.subscription_id,
        "plan_name": row.plan_name,
        "phone_number": entry.phone_number,
        "queue_position": entry.queue_position,
        "expected_activation_date": entry.expected_activation_date,
        "expected_expiry_date": entry.expected_expiry_date,
    }
    if not admin:
        return CustomerQueueResponse.model_validate(values)
    return AdminQueueItem.model_validate(
        {
            **values,
            "customer_id": entry.customer_id,
            "customer_name": row.customer_name,
            "customer_phone": row.customer_phone,
            "plan_id": row.plan_id,
            "created_at": entry.created_at,
        }
    )


async def active_subscriptions(
    db: AsyncSession,
    customer_id: int | None,
    skip: int,
    limit: int,
    *,
    admin: bool,
    topups_only: bool = False,
    phone_number: str | None = None,
) -> tuple[list[Any], int]:
    """Plans active now (time decides: one past its expiry is not listed even before the
    lifecycle job runs)."""
    rows, total = await HistoryRepository(db).active_subscriptions(
        customer_id, clock.now(), skip, limit, topups_only=topups_only, phone_number=phone_number
    )
    return [_subscription(row, admin) for row in rows], total


async def queued_subscriptions(
    db: AsyncSession, customer_id: int | None, skip: int, limit: int, *, admin: bool
) -> tuple[list[Any], int]:
    rows, total = await HistoryRepository(db).queue(customer_id, skip, limit)
    return [_queued(row, admin) for row in rows], total
