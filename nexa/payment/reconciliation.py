"""Payments the provider has not decided yet (docs/decisions.md#payment-reconciliation).

A job asks the provider about each open payment, backing off (1, 2, 4… minutes, at most an
hour between two checks); a payment still open `NEXA_PAYMENT_PENDING_HOURS` (72) after it
was opened is failed: the customer is told, and whatever its order held is let go. A capture
that comes after that is refunded (checkout.settle).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.db import unit_of_work
from nexa.payment import checkout
from nexa.payment.providers import provider
from nexa.payment.providers.base import PaymentReference, ProviderPayment, ProviderUnavailable
from nexa.payment.repository import PaymentRepository

log = structlog.get_logger("nexa.payment.reconciliation")
BATCH_SIZE = 100
LEASE = timedelta(minutes=5)  # a claimed payment is not checked again meanwhile


def next_check(attempts: int, now: datetime) -> datetime:
    """When to ask again after `attempts` checks: 1, 2, 4… minutes, at most an hour."""
    return now + timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


async def fail_overdue(db: AsyncSession, now: datetime | None = None) -> int:
    """One batch: open payments past their time are failed (0 when none is left)."""
    now = now or clock.now()
    overdue = await PaymentRepository(db).overdue(now, BATCH_SIZE)
    for payment_id in overdue:
        await checkout.settle(
            db,
            payment_id,
            ProviderPayment("failed", failure_reason="Not paid in time"),
            source="reconciliation",
        )
    return len(overdue)


async def check_open_payments() -> int:
    """Ask the provider about the open payments that are due a check (one batch); returns
    how many were asked. No transaction is held while a provider answers."""
    async with unit_of_work() as db:
        now = clock.now()
        payments = PaymentRepository(db)
        claimed = await payments.claim_open(now, now + LEASE, BATCH_SIZE)
        references = []
        for payment_id in claimed:
            payment = await payments.get(payment_id)
            assert payment is not None
            references.append(
                (
                    payment.provider,
                    payment.check_attempts,
                    PaymentReference(
                        payment_id,
                        payment.amount,
                        payment.provider_order_id,
                        payment.provider_payment_id,
                    ),
                )
            )
    for provider_name, attempts, reference in references:
        try:
            answer = await provider(provider_name).fetch(reference)
        except ProviderUnavailable as exc:  # the provider is down: keep it open, ask later
            log.warning("payment_check_failed", payment_id=reference.payment_id, error=str(exc))
            answer = ProviderPayment("pending")
        async with unit_of_work() as db:
            await checkout.settle(db, reference.payment_id, answer, source="reconciliation")
            payment = await PaymentRepository(db).lock(reference.payment_id)
            if payment is not None and payment.status in ("created", "pending"):
                payment.next_check_at = next_check(attempts, clock.now())
    return len(references)
