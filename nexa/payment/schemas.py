"""The payment domain's public types."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from nexa.models import DiscountType, PaymentMethod, TransactionType


@dataclass(frozen=True)
class Charge:
    """A payment to take: what for, from whom, how much (after any discount)."""

    payer_id: int
    plan_id: int
    recipient_phone_number: str
    transaction_type: TransactionType
    payment_method: PaymentMethod
    original_amount: Decimal
    # what the customer sees it as, e.g. "Unlimited 299 on 9876543210"
    description: str
    at: datetime
    discount_amount: Decimal = Decimal("0.00")
    discount_type: DiscountType | None = None
    offer_id: int | None = None
    referral_discount_id: int | None = None
    bill_id: int | None = None

    @property
    def final_amount(self) -> Decimal:
        return self.original_amount - self.discount_amount
