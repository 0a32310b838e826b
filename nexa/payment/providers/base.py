"""The port every payment provider implements, and the shapes that cross it.

NEXA never calls a provider while it holds a database transaction or a row lock
(docs/decisions.md#payment-lifecycle): it records what it will ask, commits, asks, and then
records the answer in a new transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from nexa.models import PaymentMethod

ProviderStatus = Literal["pending", "captured", "failed"]
WebhookType = Literal["payment.captured", "payment.failed", "refund.processed"]


@dataclass(frozen=True)
class PaymentIntent:
    """What NEXA asks a provider to collect."""

    payment_id: str  # NEXA's id, echoed back by the provider (receipt, notes)
    amount: Decimal  # rupees, two decimals
    currency: str
    method: PaymentMethod
    customer_id: int
    description: str


@dataclass(frozen=True)
class ProviderPayment:
    """Where a payment stands at the provider."""

    status: ProviderStatus
    provider_order_id: str | None = None
    provider_payment_id: str | None = None
    amount: Decimal | None = None
    failure_reason: str | None = None


@dataclass(frozen=True)
class PaymentReference:
    """How NEXA names one of its payments to the provider."""

    payment_id: str
    amount: Decimal
    provider_order_id: str | None
    provider_payment_id: str | None


@dataclass(frozen=True)
class ProviderRefund:
    provider_refund_id: str
    # True when the money is back at once; False when a refund.processed webhook will say so
    processed: bool


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider event, in NEXA's terms."""

    event_id: str
    type: WebhookType
    amount: Decimal
    payment_id: str | None = None  # NEXA's payment id, when the provider echoes it
    provider_order_id: str | None = None
    provider_payment_id: str | None = None
    provider_refund_id: str | None = None
    failure_reason: str | None = None


class WebhookRejected(Exception):
    """The signature is missing, wrong or too old: answer 401 and change nothing."""


class WebhookMalformed(Exception):
    """Signed correctly but not a body NEXA understands: answer 400."""


class WebhookIgnored(WebhookMalformed):
    """Signed and well formed, but an event type NEXA does not act on. A WebhookMalformed, so
    a handler that only knows that one answers 400; better to acknowledge it (2xx), or the
    provider keeps resending it."""


class ProviderUnavailable(Exception):
    """The provider could not be asked (timeout, connection error) or refused the request
    (4xx/5xx answer): keep the payment as it is and ask again later."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code  # the provider's HTTP status, None when none came


class PaymentProvider(Protocol):
    name: str
    # the provider decides inside this process and tells no one outside of the payment:
    # nothing can act on it before NEXA's next durable commit, so the payment opened just
    # before need not wait for its own flush to disk (docs/decisions.md#payment-lifecycle)
    in_process: bool

    async def start(self, intent: PaymentIntent) -> ProviderPayment:
        """Open the payment at the provider; it may be decided at once or stay pending."""
        ...

    async def fetch(self, payment: PaymentReference) -> ProviderPayment:
        """Where the payment stands now (reconciliation of pending payments)."""
        ...

    async def refund(
        self, payment: PaymentReference, amount: Decimal, refund_id: int
    ) -> ProviderRefund:
        """Give `amount` back; `refund_id` is NEXA's, for the provider's idempotency."""
        ...

    def webhook_event(self, headers: Mapping[str, str], body: bytes, now: datetime) -> WebhookEvent:
        """Verify the signature over the raw body (WebhookRejected), then parse it
        (WebhookMalformed)."""
        ...
