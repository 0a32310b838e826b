"""Razorpay (being written)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from nexa.payment.providers.base import (
    PaymentIntent,
    PaymentReference,
    ProviderPayment,
    ProviderRefund,
    WebhookEvent,
)


class RazorpayProvider:
    name = "razorpay"

    async def start(self, intent: PaymentIntent) -> ProviderPayment:
        raise NotImplementedError

    async def fetch(self, payment: PaymentReference) -> ProviderPayment:
        raise NotImplementedError

    async def refund(
        self, payment: PaymentReference, amount: Decimal, refund_id: int
    ) -> ProviderRefund:
        raise NotImplementedError

    def webhook_event(self, headers: Mapping[str, str], body: bytes, now: datetime) -> WebhookEvent:
        raise NotImplementedError
