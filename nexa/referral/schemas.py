from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from nexa.core.schemas import Money, Schema
from nexa.models import ReferralApplicationStatus, ReferralStatus, VoucherRole


class ReferralProgramResponse(Schema):
    referral_id: int
    referrer_customer_id: int
    referee_phone_number: str
    referral_code: str
    status: ReferralStatus
    referee_customer_id: int | None
    is_active: bool
    expires_at: datetime
    max_uses: int
    current_uses: int
    created_at: datetime
    completed_at: datetime | None


class ReferralStatsResponse(Schema):
    referral_code: str
    total_uses: int
    successful_referrals: int
    max_uses: int
    expires_at: datetime
    is_active: bool
    status: ReferralStatus


class ReferralDiscountResponse(Schema):
    discount_id: int
    referral_id: int
    customer_id: int
    discount_percentage: Money
    is_used: bool
    valid_until: datetime
    created_at: datetime
    used_at: datetime | None
    beneficiary_role: VoucherRole


class ReferralUsageLogResponse(Schema):
    log_id: int
    referral_id: int
    used_by_phone: str
    used_by_customer_id: int | None
    used_at: datetime
    status: ReferralApplicationStatus
    completed_at: datetime | None = None


class TopReferrer(Schema):
    customer_id: int
    customer_name: str
    phone_number: str
    referral_count: int


class SystemReferralStats(Schema):
    total_referral_programs: int
    active_referral_programs: int
    total_referral_uses: int
    status_stats: dict[str, int]
    top_referrers: list[TopReferrer]


@dataclass(frozen=True)
class Voucher:
    """A referral voucher a purchase may spend."""

    discount_id: int
    percentage: Decimal


@dataclass(frozen=True)
class PurchaseBenefits:
    """What the referral programme means for a purchase being priced."""

    voucher: Voucher | None  # the voucher it spends, locked (when vouchers are asked for)
    # the payer still has a referral waiting for a first purchase. Referrals are only applied
    # at registration, so "no" stays true: delivery then skips the check
    # (docs/decisions.md#referral-at-registration)
    referral_pending: bool


class CustomerSummary(Schema):
    customer_id: int
    full_name: str
    phone_number: str


class CustomerReferralDetails(Schema):
    customer: CustomerSummary
    referral_program: ReferralProgramResponse | None
    active_discounts: list[ReferralDiscountResponse]
    usage_logs: list[ReferralUsageLogResponse]
