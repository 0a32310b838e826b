"""The one checkout path (docs/decisions.md#payment-lifecycle): price and reserve, commit,
ask the provider with no transaction held, then settle in a new transaction.

`checkout()` serves every purchase request; `settle()` is also what a webhook or the
reconciliation job calls when the provider decides later. A captured order is fulfilled
exactly once: only the statement that moves the payment to `captured` fulfils it.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

import structlog
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock, idempotency
from nexa.core.config import get_settings
from nexa.core.db import commit_step
from nexa.core.errors import Conflict, NexaError, PaymentFailed
from nexa.invoice import service as invoice_service
from nexa.invoice.schemas import INVOICE_LINE, Sale
from nexa.models import NotificationType, Payment, PaymentState, PaymentStatus
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.payment import refunds
from nexa.payment.fulfilment import CannotFulfil, fulfiller_of
from nexa.payment.ledger_repository import TransactionRepository
from nexa.payment.providers import default_provider
from nexa.payment.providers.base import PaymentIntent, ProviderPayment, ProviderUnavailable
from nexa.payment.repository import OPEN, PaymentRepository
from nexa.payment.schemas import Order, OrderView, PaymentPending, PaymentRecord, as_record

log = structlog.get_logger("nexa.payment")
Answer = TypeVar("Answer", bound=BaseModel)


class PaymentDeclined(PaymentFailed, code="payment_failed"): ...


class PaymentInProgress(Conflict, code="payment_in_progress"): ...


class OrderNotFulfilled(Conflict, code="order_not_fulfilled"):
    """Paid, but the order could not be delivered any more: the money is being refunded."""


@dataclass(frozen=True)
class Settlement:
    status: PaymentState
    # what the purchase answers now: its body (200/202) or its error (402/409); None when
    # nothing changed (a repeat, stale news)
    answer: BaseModel | NexaError | None = None


def new_payment_id() -> str:
    return f"pay_{secrets.token_hex(12)}"


async def checkout(
    db: AsyncSession,
    payer_id: int,
    *,
    key: str | None,
    endpoint: str,
    request: Callable[[], object],
    price: Callable[[], Awaitable[Order]],
) -> BaseModel:
    """One purchase: `price()` validates and reserves (first transaction), the provider is
    asked, and the settlement answers: the fulfiller's body (200), a 402, a 409 when the
    order could not be delivered, or a 202 `PaymentPending`. An `Idempotency-Key` replays
    the final answer, whoever settled the payment (this request, a webhook, a job)."""
    claimed = await idempotency.claim(db, f"customer:{payer_id}", key, endpoint, request())
    order = replace(await price(), idempotency_key_id=claimed.row_id if claimed else None)
    gateway = default_provider()
    payment_id = new_payment_id()
    now = clock.now()
    try:
        await PaymentRepository(db).open(
            payment_id, order, gateway.name, now, now + _pending_window()
        )
    except IntegrityError as exc:
        if order.order_ref and "uq_payment_open_order_ref" in str(exc):
            raise PaymentInProgress("A payment for this is already in progress") from exc
        raise
    if claimed is not None:  # a replay meanwhile waits, then answers this
        interim = pending_answer(payment_id, gateway.name, None, order).model_dump(mode="json")
        await idempotency.record(db, claimed, idempotency.PROCESSING, interim)
    # on disk before a provider outside this process hears of it; an in-process one decides
    # before the settlement's durable commit, which takes this one to disk with it
    await commit_step(db, while_waiting_outside=not gateway.in_process)

    try:
        outcome = await gateway.start(
            PaymentIntent(
                payment_id=payment_id,
                amount=order.amount,
                currency="INR",
                method=order.payment_method,
                customer_id=payer_id,
                description=order.description,
            )
        )
    except ProviderUnavailable as down:  # stays open: reconciliation asks again, or fails it
        log.warning("payment_start_failed", payment_id=payment_id, error=str(down))
        outcome = ProviderPayment("pending")
    settled = await settle(db, payment_id, outcome, source="checkout")
    if isinstance(settled.answer, NexaError):
        raise settled.answer
    if settled.answer is None:  # decided meanwhile by someone else: their answer stands
        return pending_answer(payment_id, gateway.name, outcome.provider_order_id, order)
    return settled.answer


def _pending_window() -> timedelta:
    return timedelta(hours=get_settings().payment_pending_hours)


def pending_answer(
    payment_id: str, provider_name: str, provider_order_id: str | None, order: Order | Payment
) -> PaymentPending:
    """The 202 of a purchase whose payment is open (`order`: the order, or its payment)."""
    return PaymentPending(
        payment_id=payment_id,
        provider=provider_name,
        provider_order_id=provider_order_id,
        order=OrderView.model_validate(order),
    )


async def settle(
    db: AsyncSession,
    payment_id: str,
    outcome: ProviderPayment,
    *,
    source: str,
    event_id: str | None = None,
) -> Settlement:
    """Apply what the provider says. Repeats and stale news change nothing; a capture that
    comes after the payment failed is recorded and refunded."""
    if outcome.status == "captured":
        return await _capture(db, payment_id, outcome, source, event_id)
    payments = PaymentRepository(db)
    payment = await payments.lock(payment_id)
    if payment is None or payment.status not in OPEN:
        return Settlement(payment.status if payment else PaymentState.failed)
    now = clock.now()
    if outcome.provider_order_id:
        payment.provider_order_id = outcome.provider_order_id
    if outcome.status == "pending":
        if payment.status != PaymentState.created:
            return Settlement(PaymentState.pending)
        payment.status = PaymentState.pending
        await payments.add_event(payment, source, at=now, event_id=event_id)
        pending = pending_answer(payment_id, payment.provider, payment.provider_order_id, payment)
        await _answer_key(db, payment.idempotency_key_id, 202, pending)
        return Settlement(PaymentState.pending, pending)
    reason = outcome.failure_reason or "The payment failed"
    payment.status, payment.failed_at, payment.next_check_at = PaymentState.failed, now, None
    payment.failure_reason = reason[:255]
    payment.transaction_id = await TransactionRepository(db).insert(
        {
            "customer_id": payment.customer_id,
            "plan_id": payment.plan_id,
            "offer_id": payment.offer_id,
            "recipient_phone_number": payment.recipient_phone_number,
            "transaction_type": payment.order_type,
            "original_amount": payment.original_amount,
            "discount_amount": payment.discount_amount,
            "discount_type": payment.discount_type,
            "final_amount": payment.amount,
            "payment_method": payment.payment_method,
            "payment_status": PaymentStatus.failed,
            "payment_reference": outcome.provider_payment_id,
            "failure_reason": payment.failure_reason,
            "transaction_date": now,
            "referral_discount_id": payment.referral_discount_id,
            "bill_id": payment.order_details.get("bill_id"),
            "payment_id": payment.payment_id,
        }
    )
    await payments.add_event(payment, source, at=now, event_id=event_id, detail=reason)
    await fulfiller_of(payment.order_type).release(db, as_record(payment))
    await notification_service.notify(
        db,
        Alert(
            customer_id=payment.customer_id,
            type=NotificationType.payment_failure,
            title="Payment failed",
            message=f"Your payment of ₹{payment.amount} for {payment.description} was "
            "declined. No money was taken; please try again.",
        ),
    )
    declined = PaymentDeclined(f"The payment was declined: {reason}", commit_changes=True)
    declined.extra = {
        "transaction_id": payment.transaction_id,
        "payment_status": "failed",
        "payment_id": payment_id,
    }
    await _answer_key(db, payment.idempotency_key_id, declined.status_code, declined)
    return Settlement(PaymentState.failed, declined)


async def _capture(
    db: AsyncSession,
    payment_id: str,
    outcome: ProviderPayment,
    source: str,
    event_id: str | None,
) -> Settlement:
    payments, now = PaymentRepository(db), clock.now()
    captured = await payments.capture(
        payment_id,
        from_states=OPEN,
        at=now,
        source=source,
        provider_payment_id=outcome.provider_payment_id,
        provider_order_id=outcome.provider_order_id,
        event_id=event_id,
    )
    if captured is not None:
        fulfiller = fulfiller_of(captured.order_type)
        try:
            delivered = await fulfiller.fulfil(db, captured)
        except CannotFulfil as refused:
            log.warning("payment_not_fulfilled", payment_id=payment_id, reason=str(refused))
            await payments.undeliver(payment_id)
            await refunds.refund_automatically(db, payment_id, f"Not delivered: {refused}")
            undelivered = OrderNotFulfilled(
                "The order could not be delivered any more; the payment is being refunded",
                commit_changes=True,
            )
            undelivered.extra = {"payment_id": payment_id}
            await _answer_key(db, captured.idempotency_key_id, 409, undelivered)
            await _invoice(db, captured, now)
            return Settlement(PaymentState.captured, undelivered)
        body = fulfiller.answer(captured, delivered)
        await _answer_key(db, captured.idempotency_key_id, 200, body)
        await _invoice(db, captured, now)
        return Settlement(PaymentState.captured, body)
    late = await payments.capture(
        payment_id,
        from_states=[PaymentState.failed],
        at=now,
        source=source,
        provider_payment_id=outcome.provider_payment_id,
        provider_order_id=outcome.provider_order_id,
        event_id=event_id,
        detail="captured after the payment had failed",
        deliver=False,
    )
    if late is not None:  # the customer paid after NEXA gave up: the money goes back
        log.warning("late_capture_refunded", payment_id=payment_id)
        await refunds.refund_automatically(db, payment_id, "Paid after the order had expired")
        await _invoice(db, late, now)
        return Settlement(PaymentState.captured)
    payment = await payments.lock(payment_id)
    return Settlement(payment.status if payment else PaymentState.failed)


async def _invoice(db: AsyncSession, payment: PaymentRecord, at: datetime) -> None:
    """Money was received: its tax invoice, numbered in this transaction. Last, so that the
    lock on the series' counter is held only until the commit (docs/decisions.md#invoice-numbering).
    An order refunded instead of delivered is invoiced too; its refund brings a credit note."""
    await invoice_service.issue_invoice(
        db,
        Sale(
            payment_id=payment.payment_id,
            transaction_id=payment.transaction_id,
            customer_id=payment.customer_id,
            order_type=payment.order_type,
            recipient_phone_number=payment.recipient_phone_number,
            description=payment.description,
            amount=payment.amount,
            line=payment.order_details.get(INVOICE_LINE) or {},
        ),
        at,
    )


async def _answer_key(
    db: AsyncSession, key_id: int | None, status: int, answer: BaseModel | NexaError
) -> None:
    """Store the purchase's final answer for its Idempotency-Key (if it came with one)."""
    if key_id is None:
        return
    body = answer.body() if isinstance(answer, NexaError) else answer.model_dump(mode="json")
    await idempotency.record(db, idempotency.IdempotencyClaim(key_id), status, body)
