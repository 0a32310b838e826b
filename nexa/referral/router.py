from __future__ import annotations

from fastapi import APIRouter

from nexa.auth.dependencies import CurrentCustomer
from nexa.core.db import SessionDep
from nexa.referral import service
from nexa.referral.schemas import (
    ReferralDiscountResponse,
    ReferralProgramResponse,
    ReferralStatsResponse,
)

router = APIRouter(prefix="/customer/referral", tags=["Customer Referral"])


@router.post("/generate", response_model=ReferralProgramResponse)
async def generate_referral_code(
    customer: CurrentCustomer, db: SessionDep
) -> ReferralProgramResponse:
    """A new 8-character code, valid 30 days, when you have no active one."""
    return await service.generate_code(db, customer)


@router.get("/my-referrals", response_model=ReferralStatsResponse)
async def get_referral_details(customer: CurrentCustomer, db: SessionDep) -> ReferralStatsResponse:
    """Your latest referral code and how it was used (404 if you never generated one)."""
    return await service.my_referrals(db, customer)


@router.get("/discounts", response_model=list[ReferralDiscountResponse])
async def get_my_referral_discounts(
    customer: CurrentCustomer, db: SessionDep
) -> list[ReferralDiscountResponse]:
    """Your unused, unexpired referral vouchers, the one applied next first."""
    return await service.my_vouchers(db, customer)
