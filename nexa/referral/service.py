"""The referral programme (docs/decisions.md#referral-codes and the entries after it).

A customer generates a code; a new customer registering with it gets a voucher (10 %) at
once; the referee's first successful prepaid purchase completes the referral and gives
the referrer a voucher (30 %). Vouchers are spent by the holder's next prepaid purchase.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.errors import BadRequest, NotFound
from nexa.customer import service as customer_service
from nexa.models import (
    NotificationType,
    ReferralApplicationStatus,
    ReferralDiscount,
    ReferralProgram,
    ReferralStatus,
    ReferralUsageLog,
    VoucherRole,
)
from nexa.notification import service as notification_service
from nexa.notification.schemas import Alert
from nexa.referral.repository import ReferralRepository

# SQL other domains compose into theirs (docs/decisions.md#boundaries)
from nexa.referral.repository import active_code_of as active_code_of
from nexa.referral.schemas import (
    CustomerReferralDetails,
    CustomerSummary,
    PurchaseBenefits,
    ReferralDiscountResponse,
    ReferralProgramResponse,
    ReferralStatsResponse,
    ReferralUsageLogResponse,
    SystemReferralStats,
    TopReferrer,
    Voucher,
)

if TYPE_CHECKING:
    from nexa.models import Customer

CODE_ALPHABET = string.ascii_uppercase + string.digits
CODE_LENGTH = 8


class ReferralProgramActive(BadRequest, code="referral_program_active"): ...


class ReferralInvalid(BadRequest, code="referral_invalid"): ...


class ReferralExpired(BadRequest, code="referral_expired"): ...


class ReferralUsedUp(BadRequest, code="referral_used_up"): ...


class ReferralOwnCode(BadRequest, code="referral_own_code"): ...


class ReferralNotFound(NotFound, code="referral_not_found"): ...


class CustomerNotFound(NotFound, code="customer_not_found"): ...


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _retire_if_ended(program: ReferralProgram, now: datetime) -> None:
    """A program past its end takes no more applications (the hourly job does the same)."""
    if program.is_active and program.expires_at < now:
        program.is_active = False
        if program.current_uses == 0:
            program.status = ReferralStatus.expired


async def generate_code(db: AsyncSession, customer: Customer) -> ReferralProgramResponse:
    referrals = ReferralRepository(db)
    now = clock.now()
    active = await referrals.active_of(customer.customer_id)
    if active is not None:
        _retire_if_ended(active, now)
        await db.flush()
        if active.is_active:
            raise ReferralProgramActive(
                f"You already have an active referral code ({active.referral_code})"
            )
    code = _new_code()
    while await referrals.code_exists(code):
        code = _new_code()
    settings = get_settings()
    program = ReferralProgram(
        referrer_customer_id=customer.customer_id,
        referral_code=code,
        referee_phone_number="",
        status=ReferralStatus.pending,
        is_active=True,
        expires_at=now + timedelta(days=settings.referral_code_days),
        max_uses=settings.referral_max_uses,
        current_uses=0,
    )
    try:
        await referrals.add(program)
    except IntegrityError as exc:  # a concurrent request generated one first
        raise ReferralProgramActive("You already have an active referral code") from exc
    return ReferralProgramResponse.model_validate(program)


async def claim_code_for_registration(
    db: AsyncSession, code: str, phone_number: str
) -> ReferralProgram:
    """Check a code before the account exists; the program stays locked until commit, so
    two registrations racing for a single-use code are decided one after the other
    (docs/decisions.md#referral-at-registration)."""
    program = await ReferralRepository(db).lock_by_code(code.strip().upper())
    if program is None:
        raise ReferralInvalid(f"Referral code {code!r} does not exist")
    now = clock.now()
    _retire_if_ended(program, now)
    if program.expires_at < now:
        raise ReferralExpired("This referral code has expired")
    if not program.is_active or program.current_uses >= program.max_uses:
        raise ReferralUsedUp("This referral code has been used up")
    referrer = await customer_service.contacts(db, [program.referrer_customer_id])
    if referrer[program.referrer_customer_id].phone_number == phone_number:
        raise ReferralOwnCode("You cannot use your own referral code")
    return program


async def apply_at_registration(
    db: AsyncSession, program: ReferralProgram, referee: Customer
) -> None:
    """The new customer used the code: count it, log it, give the referee a voucher."""
    now = clock.now()
    settings = get_settings()
    referrals = ReferralRepository(db)
    program.current_uses += 1
    program.referee_phone_number = referee.phone_number
    program.referee_customer_id = referee.customer_id
    if program.current_uses >= program.max_uses:
        program.is_active = False
    await referrals.add(
        ReferralUsageLog(
            referral_id=program.referral_id,
            used_by_phone=referee.phone_number,
            used_by_customer_id=referee.customer_id,
            used_at=now,
            status=ReferralApplicationStatus.pending,
        )
    )
    percentage = settings.referral_referee_percent
    await _give_voucher(db, program, referee.customer_id, VoucherRole.referee, percentage, now)
    await notification_service.notify(
        db,
        Alert(
            customer_id=referee.customer_id,
            type=NotificationType.referral_bonus,
            title="Welcome bonus",
            message=f"You have {percentage}% off your first recharge, valid for "
            f"{settings.referral_voucher_days} days.",
            dedupe_key=f"referral_bonus:referee:{program.referral_id}:{referee.customer_id}",
        ),
    )


async def _give_voucher(
    db: AsyncSession,
    program: ReferralProgram,
    holder_id: int,
    role: VoucherRole,
    percentage: Decimal,
    now: datetime,
) -> ReferralDiscount:
    return await ReferralRepository(db).add(
        ReferralDiscount(
            referral_id=program.referral_id,
            customer_id=holder_id,
            beneficiary_role=role,
            discount_percentage=percentage,
            is_used=False,
            valid_until=now + timedelta(days=get_settings().referral_voucher_days),
        )
    )


async def complete_referral_of(
    db: AsyncSession, referee_id: int, transaction_id: int, now: datetime
) -> bool:
    """The referee's first successful prepaid purchase completes their referral (once)."""
    referrals = ReferralRepository(db)
    application = await referrals.lock_pending_application_of(referee_id)
    if application is None:
        return False
    program = await referrals.program(application.referral_id, for_update=True)
    assert program is not None
    application.status = ReferralApplicationStatus.completed
    application.completed_at = now
    application.completed_transaction_id = transaction_id
    await db.flush()
    if program.current_uses >= program.max_uses and not await referrals.pending_applications(
        program.referral_id
    ):
        program.status = ReferralStatus.completed
        program.completed_at = now
        program.is_active = False
    percentage = get_settings().referral_referrer_percent
    await _give_voucher(
        db, program, program.referrer_customer_id, VoucherRole.referrer, percentage, now
    )
    await notification_service.notify(
        db,
        Alert(
            customer_id=program.referrer_customer_id,
            type=NotificationType.referral_bonus,
            title="Referral bonus",
            message=f"Your friend recharged: you have {percentage}% off your next recharge.",
            dedupe_key=f"referral_bonus:referrer:{application.log_id}",
        ),
    )
    return True


async def my_referrals(db: AsyncSession, customer: Customer) -> ReferralStatsResponse:
    referrals = ReferralRepository(db)
    program = await referrals.latest_of(customer.customer_id)
    if program is None:
        raise ReferralNotFound("You have not generated a referral code yet")
    return ReferralStatsResponse(
        referral_code=program.referral_code,
        total_uses=program.current_uses,
        successful_referrals=await referrals.completed_applications(program.referral_id),
        max_uses=program.max_uses,
        expires_at=program.expires_at,
        is_active=program.is_active and program.expires_at >= clock.now(),
        status=program.status,
    )


async def my_vouchers(db: AsyncSession, customer: Customer) -> list[ReferralDiscountResponse]:
    vouchers = await ReferralRepository(db).usable_vouchers(customer.customer_id, clock.now())
    return [ReferralDiscountResponse.model_validate(voucher) for voucher in vouchers]


async def list_programs(
    db: AsyncSession,
    *,
    status: ReferralStatus | None,
    is_active: bool | None,
    skip: int,
    limit: int,
) -> tuple[list[ReferralProgramResponse], int]:
    programs, total = await ReferralRepository(db).list_programs(
        status=status, is_active=is_active, skip=skip, limit=limit
    )
    return [ReferralProgramResponse.model_validate(p) for p in programs], total


async def usage_logs(db: AsyncSession, referral_id: int) -> list[ReferralUsageLogResponse]:
    referrals = ReferralRepository(db)
    if await referrals.program(referral_id) is None:
        raise ReferralNotFound(f"Referral {referral_id} not found")
    return [
        ReferralUsageLogResponse.model_validate(log)
        for log in await referrals.usage_logs(referral_id)
    ]


async def overview(db: AsyncSession) -> SystemReferralStats:
    figures = await ReferralRepository(db).overview()
    referrers = await customer_service.contacts(db, [c for c, _ in figures.top_referrers])
    return SystemReferralStats(
        total_referral_programs=figures.programs,
        active_referral_programs=figures.active_programs,
        total_referral_uses=figures.uses,
        status_stats=figures.by_status,
        top_referrers=[
            TopReferrer(
                customer_id=customer_id,
                customer_name=referrers[customer_id].full_name,
                phone_number=referrers[customer_id].phone_number,
                referral_count=count,
            )
            for customer_id, count in figures.top_referrers
        ],
    )


async def customer_details(db: AsyncSession, customer_id: int) -> CustomerReferralDetails:
    referrals = ReferralRepository(db)
    summary = await customer_service.find(db, customer_id)
    if summary is None:
        raise CustomerNotFound(f"Customer {customer_id} not found")
    program = await referrals.latest_of(customer_id)
    return CustomerReferralDetails(
        customer=CustomerSummary.model_validate(summary),
        referral_program=ReferralProgramResponse.model_validate(program) if program else None,
        active_discounts=[
            ReferralDiscountResponse.model_validate(voucher)
            for voucher in await referrals.usable_vouchers(customer_id, clock.now())
        ],
        usage_logs=[
            ReferralUsageLogResponse.model_validate(log)
            for log in (await referrals.usage_logs(program.referral_id) if program else [])
        ],
    )


async def expire_programs(db: AsyncSession, now: datetime | None = None) -> int:
    return await ReferralRepository(db).expire_programs(now or clock.now())


# --- vouchers at purchase -------------------------------------------------------------------


async def purchase_benefits(
    db: AsyncSession, payer_id: int, at: datetime, *, with_voucher: bool
) -> PurchaseBenefits:
    """The payer's voucher a purchase now spends, locked for this transaction (if any and
    `with_voucher`), and whether a referral of theirs waits for a first purchase."""
    found, pending = await ReferralRepository(db).lock_best_voucher(
        payer_id, at, with_voucher=with_voucher
    )
    voucher = Voucher(discount_id=found[0], percentage=found[1]) if found else None
    return PurchaseBenefits(voucher=voucher, referral_pending=pending)


async def reserve_voucher(db: AsyncSession, voucher: Voucher, at: datetime) -> None:
    """Hold the voucher for a purchase whose payment is open: no other purchase may spend it
    (docs/decisions.md#one-discount). It is spent when the payment is captured, and given
    back if the payment fails."""
    held = await ReferralRepository(db).hold_voucher(voucher.discount_id, at)
    if held != 1:  # cannot happen while the row is locked; never discount twice
        raise RuntimeError(f"voucher {voucher.discount_id} was already used")


async def spend_voucher(db: AsyncSession, discount_id: int, transaction_id: int) -> None:
    """The held voucher paid part of this (captured) purchase."""
    await ReferralRepository(db).spend_held_voucher(discount_id, transaction_id)


async def release_voucher(db: AsyncSession, discount_id: int) -> None:
    """The purchase's payment failed: the voucher can be spent again."""
    await ReferralRepository(db).release_voucher(discount_id)
