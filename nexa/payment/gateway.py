"""Payment providers behind one interface.

The built-in `simulated` provider approves every payment; set NEXA_PAYMENT_SIMULATOR=decline
(tests, demos) to make it decline. A real provider implements `PaymentGateway.charge`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from nexa.core.config import get_settings
from nexa.models import PaymentMethod


@dataclass(frozen=True)
class PaymentRequest:
    amount: Decimal
    method: PaymentMethod
    payer_id: int
    description: str


@dataclass(frozen=True)
class PaymentResult:
    approved: bool
    reference: str | None = None
    decline_reason: str | None = None


class PaymentGateway(Protocol):
    name: str

    async def charge(self, request: PaymentRequest) -> PaymentResult: ...


class SimulatedGateway:
    name = "simulated"

    async def charge(self, request: PaymentRequest) -> PaymentResult:
        if get_settings().payment_simulator == "decline":
            return PaymentResult(approved=False, decline_reason="Declined by the payment simulator")
        return PaymentResult(approved=True, reference=f"SIM-{uuid.uuid4().hex[:16].upper()}")


_gateway: PaymentGateway = SimulatedGateway()


def get_gateway() -> PaymentGateway:
    return _gateway
