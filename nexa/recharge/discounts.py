"""Prices: one discount per purchase — a referral voucher (by default) or the named offer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from nexa.core.schemas import quantize_money
from nexa.models import DiscountType
from nexa.referral.schemas import Voucher

if TYPE_CHECKING:
    from nexa.models import Offer


@dataclass(frozen=True)
class Price:
    original_amount: Decimal
    discount_amount: Decimal
    final_amount: Decimal
    discount_type: DiscountType | None
    offer: Offer | None
    voucher: Voucher | None


def price_purchase(list_price: Decimal, offer: Offer | None, voucher: Voucher | None) -> Price:
    """A voucher wins over an offer; amounts exact to the paisa, half-up
    (docs/decisions.md#one-discount, #money-rounding)."""
    original = quantize_money(list_price)
    if voucher is not None:
        discount = quantize_money(original * voucher.percentage / Decimal(100))
        return Price(original, discount, original - discount, DiscountType.referral, None, voucher)
    if offer is not None:
        final = quantize_money(offer.discounted_price)
        return Price(original, original - final, final, DiscountType.offer, offer, None)
    return Price(original, Decimal("0.00"), original, None, None, None)
