"""Money given back (docs/decisions.md#refunds): asked by an admin, or by NEXA itself when a
paid order could not be delivered. A refund is written `pending`, sent to the provider with
no transaction held, and completed when the provider says it is processed (at once, or by a
`refund.processed` webhook). A completed refund lowers the payment's refundable amount and
net revenue; a full refund also takes back what the order delivered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.core import clock
from nexa.core.db import commit_step
from nexa.core.errors import Conflict, NexaError, NotFound
from nexa.core.queue import defer_in_transaction
from nexa.invoice import service as invoice_service
from nexa.invoice.schemas import ProcessedRefund
from nexa.models import NotificationType, PaymentRefund, PaymentState, RefundStatus
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.payment.fulfilment import fulfiller_of
from nexa.payment.providers import provider
from nexa.payment.providers.base import PaymentReference
from nexa.payment.repository import PaymentRepository
from nexa.payment.schemas import as_record

if TYPE_CHECKING:
    from nexa.models import Admin, Payment

log = structlog.get_logger("nexa.payment.refunds")
SEND_TASK = "payment:send_refund"
REFUNDABLE = (PaymentState.captured, PaymentState.partially_refunded)


class PaymentNotFound(NotFound, code="payment_not_found"): ...


class NotRefundable(Conflict, code="payment_not_refundable"): ...


class RefundTooLarge(NexaError, code="refund_exceeds_payment"):
    status_code = 422


def refundable(payment: Payment, refunds: list[PaymentRefund]) -> Decimal:
    """What may still be given back: the amount less refunds processed or on their way."""
    asked = sum(
        (refund.amount for refund in refunds if refund.status != RefundStatus.failed),
        Decimal("0.00"),
    )
    return payment.amount - asked


async def request_refund(
    db: AsyncSession,
    payment_id: str,
    amount: Decimal | None,
    reason: str,
    admin: Admin | None,
) -> PaymentRefund:
    """Write a pending refund of `amount` (all that is left when None)."""
    payments = PaymentRepository(db)
    payment = await payments.lock(payment_id)
    if payment is None:
        raise PaymentNotFound(f"Payment {payment_id} not found")
    if payment.status not in REFUNDABLE:
        raise NotRefundable(f"Payment {payment_id} is {payment.status}: nothing to refund")
    left = refundable(payment, await payments.refunds(payment_id))
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise RefundTooLarge(f"At most ₹{left} of payment {payment_id} can still be refunded")
    refund = await payments.add(
        PaymentRefund(
            payment_id=payment_id,
            amount=amount,
            status=RefundStatus.pending,
            reason=reason,
            admin_id=admin.admin_id if admin is not None else None,
        )
    )
    await payments.add_event(
        payment,
        "admin" if admin else "system",
        at=clock.now(),
        amount=amount,
        detail=f"refund {refund.refund_id} asked: {reason}",
    )
    if admin is not None:
        await record_admin_action(
            db,
            admin,
            "payment.refund",
            "payment",
            payment_id,
            None,
            {"refund_id": refund.refund_id, "amount": amount, "reason": reason},
        )
    return refund


async def refund_automatically(db: AsyncSession, payment_id: str, reason: str) -> None:
    """Refund all of a paid order NEXA could not deliver; a job sends it to the provider."""
    refund = await request_refund(db, payment_id, None, reason, None)
    await defer_in_transaction(db, SEND_TASK, {"refund_id": refund.refund_id})


async def send_refund(db: AsyncSession, refund_id: int) -> RefundStatus | None:
    """Ask the provider for a pending refund (the caller holds no transaction: this commits
    what it read first). Completes it when the provider processed it at once."""
    payments = PaymentRepository(db)
    refund = await payments.lock_refund(refund_id)
    if refund is None or refund.status != RefundStatus.pending or refund.provider_refund_id:
        return refund.status if refund else None
    payment = await payments.get(refund.payment_id)
    assert payment is not None
    reference = PaymentReference(
        payment.payment_id, payment.amount, payment.provider_order_id, payment.provider_payment_id
    )
    amount, gateway = refund.amount, provider(payment.provider)
    await commit_step(db)  # no transaction (nor the refund's lock) while the provider is asked
    answer = await gateway.refund(reference, amount, refund_id)
    refund = await payments.lock_refund(refund_id)
    assert refund is not None
    if refund.provider_refund_id is None:
        refund.provider_refund_id = answer.provider_refund_id
    if answer.processed and refund.status == RefundStatus.pending:
        await complete_refund(db, refund, source="provider")
    return refund.status


async def complete_refund(
    db: AsyncSession, refund: PaymentRefund, *, source: str, event_id: str | None = None
) -> None:
    """The provider gave the money back: the payment is (partially) refunded, the customer
    told, and a full refund takes back what was delivered."""
    payments = PaymentRepository(db)
    payment = await payments.lock(refund.payment_id)
    assert payment is not None
    now = clock.now()
    refund.status, refund.processed_at = RefundStatus.processed, now
    payment.refunded_amount += refund.amount
    full = payment.refunded_amount >= payment.amount
    payment.status = PaymentState.refunded if full else PaymentState.partially_refunded
    await payments.add_event(
        payment,
        source,
        at=now,
        amount=refund.amount,
        event_id=event_id,
        detail=f"refund {refund.refund_id} processed",
    )
    if full and payment.fulfilled_at is not None:
        await fulfiller_of(payment.order_type).reverse(db, as_record(payment))
    await notification_service.notify(
        db,
        Alert(
            customer_id=payment.customer_id,
            type=NotificationType.payment_refunded,
            title="Refund processed",
            message=f"₹{refund.amount} of your payment for {payment.description} has been "
            "refunded to your original payment method.",
            dedupe_key=f"payment_refunded:{refund.refund_id}",
        ),
    )
    # its credit note, against the payment's invoice (docs/decisions.md#credit-notes)
    await invoice_service.issue_credit_note(
        db, ProcessedRefund(payment.payment_id, refund.refund_id, refund.amount), now
    )
    log.info("refund_processed", payment_id=payment.payment_id, refund_id=refund.refund_id)
