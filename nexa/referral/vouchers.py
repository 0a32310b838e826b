"""Referral vouchers as the recharge service's voucher source (see nexa/recharge/discounts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.referral import service
from nexa.referral.repository import ReferralRepository


@dataclass(frozen=True)
class Voucher:
    discount_id: int
    percentage: Decimal


class ReferralVouchers:
    async def best_voucher(self, db: AsyncSession, holder_id: int, at: datetime) -> Voucher | None:
        voucher = await ReferralRepository(db).lock_best_voucher(holder_id, at)
        if voucher is None:
            return None
        discount_id, percentage = voucher
        return Voucher(discount_id=discount_id, percentage=percentage)

    async def redeem(
        self, db: AsyncSession, voucher: Voucher, transaction_id: int, at: datetime
    ) -> None:
        spent = await ReferralRepository(db).mark_voucher_used(
            voucher.discount_id, transaction_id, at
        )
        if spent != 1:  # cannot happen while the row is locked; never discount twice
            raise RuntimeError(f"voucher {voucher.discount_id} was already used")

    async def after_successful_purchase(
        self, db: AsyncSession, payer_id: int, transaction_id: int, at: datetime
    ) -> None:
        await service.complete_referral_of(db, payer_id, transaction_id, at)
