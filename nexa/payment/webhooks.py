"""`POST /payments/webhooks/{provider}`: a provider tells NEXA what became of a payment.

The signature is checked over the raw body before anything is parsed (401, nothing changes).
An event delivered again (same event id) changes nothing and answers 200. An amount that is
not the payment's is refused (400) and raised as an alert in the log and the audit log.
docs/decisions.md#payment-webhooks
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_system_event
from nexa.core import clock
from nexa.core.errors import BadRequest, NotFound, Unauthorized
from nexa.payment import checkout, refunds
from nexa.payment.providers import provider
from nexa.payment.providers.base import (
    ProviderPayment,
    WebhookEvent,
    WebhookIgnored,
    WebhookMalformed,
    WebhookRejected,
)
from nexa.payment.repository import PaymentRepository
from nexa.payment.schemas import WebhookAck

log = structlog.get_logger("nexa.payment.webhooks")


class UnknownProvider(NotFound, code="unknown_payment_provider"): ...


class BadSignature(Unauthorized):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, "invalid_signature")


class MalformedEvent(BadRequest, code="invalid_webhook"): ...


class UnknownPayment(BadRequest, code="unknown_payment"): ...


class AmountMismatch(BadRequest, code="amount_mismatch"):
    commit_changes = True  # the alert in the audit log is kept


async def receive(
    db: AsyncSession, provider_name: str, headers: Mapping[str, str], body: bytes
) -> WebhookAck:
    try:
        gateway = provider(provider_name)
    except KeyError:
        raise UnknownProvider(f"No payment provider called {provider_name!r}") from None
    try:
        # a signature is stamped with real time, whatever a test installation's clock says
        event = gateway.webhook_event(headers, body, datetime.now(UTC))
    except WebhookRejected as rejected:
        log.warning("webhook_rejected", provider=provider_name, reason=str(rejected))
        raise BadSignature(f"Webhook refused: {rejected}") from None
    except WebhookIgnored as ignored:  # signed, but nothing NEXA acts on: acknowledged
        log.info("webhook_ignored", provider=provider_name, reason=str(ignored))
        return WebhookAck(received=True)
    except WebhookMalformed as malformed:
        raise MalformedEvent(f"Webhook not understood: {malformed}") from None
    payments = PaymentRepository(db)
    payment_id = event.payment_id or await payments.find_by_provider(
        provider_name, event.provider_order_id, event.provider_payment_id
    )
    payment = await payments.lock(payment_id) if payment_id else None
    if payment is None or payment.provider != provider_name:
        raise UnknownPayment(f"No {provider_name} payment for event {event.event_id}")
    # under the payment's lock: of concurrent deliveries of one event, the first applies it
    if await payments.event_seen(provider_name, event.event_id):
        return WebhookAck(duplicate=True)
    expected = payment.amount
    if event.type != "refund.processed" and event.amount != expected:
        await _alert_amount(db, provider_name, payment.payment_id, event, str(expected))
    if event.type == "refund.processed":
        await _refund_processed(db, payment.payment_id, event)
    else:
        outcome = ProviderPayment(
            "captured" if event.type == "payment.captured" else "failed",
            provider_order_id=event.provider_order_id,
            provider_payment_id=event.provider_payment_id,
            amount=event.amount,
            failure_reason=event.failure_reason,
        )
        settled = await checkout.settle(
            db, payment.payment_id, outcome, source="webhook", event_id=event.event_id
        )
        if settled.answer is None and not await payments.event_seen(provider_name, event.event_id):
            # nothing changed (stale news): keep the event, so a repeat is known as one
            await payments.add_event(
                payment,
                "webhook",
                at=clock.now(),
                amount=event.amount,
                event_id=event.event_id,
                detail=f"{event.type} (no change)",
            )
    return WebhookAck()


async def _refund_processed(db: AsyncSession, payment_id: str, event: WebhookEvent) -> None:
    payments = PaymentRepository(db)
    refund_id = None
    if event.provider_refund_id:
        refund_id = await payments.refund_by_provider_id(payment_id, event.provider_refund_id)
    refund_id = refund_id or await payments.oldest_pending_refund(payment_id)
    refund = await payments.lock_refund(refund_id) if refund_id else None
    if refund is None:
        raise UnknownPayment(f"No pending refund of {payment_id} for event {event.event_id}")
    if refund.amount != event.amount:
        await _alert_amount(db, "refund", payment_id, event, str(refund.amount))
    if refund.provider_refund_id is None:
        refund.provider_refund_id = event.provider_refund_id
    if refund.status == "pending":
        await refunds.complete_refund(db, refund, source="webhook", event_id=event.event_id)


async def _alert_amount(
    db: AsyncSession, provider_name: str, payment_id: str, event: WebhookEvent, expected: str
) -> None:
    details = {"event_id": event.event_id, "type": event.type, "amount": str(event.amount)}
    log.error(
        "webhook_amount_mismatch",
        provider=provider_name,
        payment_id=payment_id,
        expected=expected,
        **details,
    )
    await record_system_event(
        db,
        "payment.webhook_amount_mismatch",
        "payment",
        payment_id,
        details | {"expected": expected},
    )
    raise AmountMismatch(
        f"The event's amount {event.amount} is not the payment's {expected}"
    ) from None
