"""Prices: one discount per purchase — a referral voucher (by default) or the named offer.

Vouchers come from a `VoucherSource`: the referral programme's by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.schemas import quantize_money
from nexa.models import DiscountType, Offer
from nexa.referral.vouchers import ReferralVouchers, Voucher


class VoucherSource(Protocol):
    async def best_voucher(self, db: AsyncSession, holder_id: int, at: datetime) -> Voucher | None:
        """The holder's usable voucher to apply (locked for this transaction), if any."""

    async def redeem(
        self, db: AsyncSession, voucher: Voucher, transaction_id: int, at: datetime
    ) -> None:
        """Mark the voucher spent by this (successful) transaction."""

    async def after_successful_purchase(
        self, db: AsyncSession, payer_id: int, transaction_id: int, at: datetime
    ) -> None:
        """React to a paid prepaid purchase (e.g. complete the payer's referral)."""


_voucher_source: VoucherSource = ReferralVouchers()


def voucher_source() -> VoucherSource:
    return _voucher_source


@dataclass(frozen=True)
class Price:
    original_amount: Decimal
    discount_amount: Decimal
    final_amount: Decimal
    discount_type: DiscountType | None
    offer: Offer | None
    voucher: Voucher | None


def price_purchase(list_price: Decimal, offer: Offer | None, voucher: Voucher | None) -> Price:
    """Q-13/Q-14: a voucher wins over an offer; amounts exact to the paisa, half-up."""
    original = quantize_money(list_price)
    if voucher is not None:
        discount = quantize_money(original * voucher.percentage / Decimal(100))
        return Price(original, discount, original - discount, DiscountType.referral, None, voucher)
    if offer is not None:
        final = quantize_money(offer.discounted_price)
        return Price(original, original - final, final, DiscountType.offer, offer, None)
    return Price(original, Decimal("0.00"), original, None, None, None)
