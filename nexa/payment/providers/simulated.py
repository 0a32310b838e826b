"""The built-in payment simulator, for demos, tests and development.

`NEXA_PAYMENT_SIMULATOR` chooses what it does with every payment: `approve` (captured at
once, as NEXA always did), `decline` (failed at once) or `pending` (decided later by a signed
webhook). Its webhooks carry `X-Nexa-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<raw body>" with NEXA_PAYMENT_WEBHOOK_SECRET>`, refused when `t` is more than 300 s
from now; the body is `{"event_id", "type", "payment_id", "amount"}`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation

from nexa.core.config import get_settings
from nexa.payment.providers.base import (
    PaymentIntent,
    PaymentReference,
    ProviderPayment,
    ProviderRefund,
    WebhookEvent,
    WebhookMalformed,
    WebhookRejected,
)

SIGNATURE_HEADER = "x-nexa-signature"
TOLERANCE_SECONDS = 300
EVENT_TYPES = ("payment.captured", "payment.failed", "refund.processed")


def _reference(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:16].upper()}"


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The X-Nexa-Signature value for `body` sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


class SimulatedProvider:
    name = "simulated"
    # a pending payment is only known outside from the 202, sent after a durable commit
    in_process = True

    async def start(self, intent: PaymentIntent) -> ProviderPayment:
        return self._decide(None)

    async def fetch(self, payment: PaymentReference) -> ProviderPayment:
        """What the simulator decides for a payment NEXA asks about (e.g. one whose checkout
        died before it heard back): the same as it would have at the start. In `pending`
        mode only a webhook decides."""
        return self._decide(payment.provider_order_id)

    @staticmethod
    def _decide(order_id: str | None) -> ProviderPayment:
        mode = get_settings().payment_simulator
        if mode == "decline":
            return ProviderPayment("failed", failure_reason="Declined by the payment simulator")
        if mode == "pending":
            return ProviderPayment("pending", provider_order_id=order_id or _reference("SIMORDER-"))
        return ProviderPayment("captured", provider_payment_id=_reference("SIM-"))

    async def refund(
        self, payment: PaymentReference, amount: Decimal, refund_id: int
    ) -> ProviderRefund:
        # with webhooks in play (pending mode) the refund completes when its webhook comes
        processed = get_settings().payment_simulator != "pending"
        return ProviderRefund(_reference("SIMREFUND-"), processed=processed)

    def webhook_event(self, headers: Mapping[str, str], body: bytes, now: datetime) -> WebhookEvent:
        self._verify(headers.get(SIGNATURE_HEADER, ""), body, now)
        try:
            event = json.loads(body)
            kind = event["type"]
            if kind not in EVENT_TYPES:
                raise WebhookMalformed(f"unknown event type {kind!r}")
            return WebhookEvent(
                event_id=str(event["event_id"]),
                type=kind,
                payment_id=str(event["payment_id"]),
                amount=Decimal(str(event["amount"])),
                provider_refund_id=event.get("refund_id"),
                failure_reason=event.get("reason"),
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise WebhookMalformed("the body must be {event_id, type, payment_id, amount}") from exc

    @staticmethod
    def _verify(header: str, body: bytes, now: datetime) -> None:
        secret = get_settings().payment_webhook_secret
        if not secret:
            raise WebhookRejected("NEXA_PAYMENT_WEBHOOK_SECRET is not set")
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        try:
            timestamp = int(parts["t"])
        except (KeyError, ValueError) as exc:
            raise WebhookRejected("missing or malformed X-Nexa-Signature") from exc
        if abs(now.timestamp() - timestamp) > TOLERANCE_SECONDS:
            raise WebhookRejected("the signature's timestamp is too far from now")
        expected = sign(body, secret, timestamp).split("v1=", 1)[1]
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise WebhookRejected("wrong signature")
