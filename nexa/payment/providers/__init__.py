"""Payment providers behind one port (`base.PaymentProvider`): the simulator and Razorpay.

`NEXA_PAYMENT_PROVIDER` names the one new payments use; a payment keeps the provider it was
opened with, so its webhooks, polls and refunds go back to that one.
"""

from __future__ import annotations

from functools import cache

from nexa.core.config import get_settings
from nexa.payment.providers.base import PaymentProvider
from nexa.payment.providers.simulated import SimulatedProvider


@cache
def _providers() -> dict[str, PaymentProvider]:
    from nexa.payment.providers.razorpay import RazorpayProvider

    return {"simulated": SimulatedProvider(), "razorpay": RazorpayProvider()}


def provider(name: str) -> PaymentProvider:
    """The provider called `name` (KeyError for one NEXA does not know)."""
    return _providers()[name]


def default_provider() -> PaymentProvider:
    return provider(get_settings().payment_provider)
