"""Customer accounts: registration, profile, password."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.audit.service import record_admin_action
from nexa.auth import service as auth_service
from nexa.core import clock
from nexa.core.config import get_settings
from nexa.core.errors import BadRequest, NotFound
from nexa.core.schemas import CUSTOMER_PASSWORD_MIN
from nexa.core.security import hash_password
from nexa.customer import inactivity
from nexa.customer.repository import (
    CustomerFigures,
    CustomerRepository,
    plan_activation_statement,
)

# SQL other domains compose into theirs (docs/decisions.md#boundaries)
from nexa.customer.repository import audience as audience
from nexa.customer.repository import ids_with_phone_containing as _ids_with_phone_containing
from nexa.customer.repository import phone_of as phone_of
from nexa.customer.repository import step_reading_buyer as step_reading_buyer
from nexa.customer.schemas import (
    CustomerContact,
    CustomerDetailResponse,
    CustomerProfileUpdate,
    CustomerRegister,
    CustomerResponse,
    CustomerStatsResponse,
    PasswordResetRequest,
    PasswordResetResponse,
    StatusChangeResponse,
)
from nexa.models import AccountStatus, Customer, OtpPurpose, StatusReason, UserType
from nexa.otp import service as otp_service
from nexa.payment import service as payment_service
from nexa.recharge import service as recharge_service
from nexa.referral import service as referral_service

if TYPE_CHECKING:
    from nexa.models import Admin


class PhoneAlreadyRegistered(BadRequest, code="phone_already_registered"):
    def __init__(self) -> None:
        super().__init__("Phone number already registered")


async def _verified_at(db: AsyncSession, data: CustomerRegister, client_ip: str) -> datetime | None:
    """When registration proves the number: with a one-time code, required when
    NEXA_PHONE_VERIFICATION=required, checked whenever one is given
    (docs/decisions.md#phone-verification)."""
    if data.otp is None:
        if get_settings().phone_verification_required:
            raise otp_service.OtpRequired(
                "Registration needs a one-time code: request one with purpose `register`"
            )
        return None
    await otp_service.consume(db, data.phone_number, OtpPurpose.register, data.otp, client_ip)
    return clock.now()


async def register(db: AsyncSession, data: CustomerRegister, client_ip: str) -> Customer:
    customers = CustomerRepository(db)
    if await customers.phone_taken(data.phone_number):
        raise PhoneAlreadyRegistered()
    # before anything is written: a wrong code's count is kept although registration fails
    phone_verified_at = await _verified_at(db, data, client_ip)
    referral_code = (data.referral_code or "").strip()
    # a bad code is refused before the account exists
    # (docs/decisions.md#referral-at-registration)
    program = (
        await referral_service.claim_code_for_registration(db, referral_code, data.phone_number)
        if referral_code
        else None
    )
    customer = Customer(
        phone_number=data.phone_number,
        password_hash=await hash_password(data.password),
        full_name=data.full_name,
        profile_picture_url=data.profile_picture_url,
        account_status=AccountStatus.active,
        phone_verified_at=phone_verified_at,
    )
    try:
        customer = await customers.add(customer)
    except IntegrityError as exc:  # a concurrent registration of the same number won
        raise PhoneAlreadyRegistered() from exc
    if program is not None:
        await referral_service.apply_at_registration(db, program, customer)
    return customer


async def update_profile(
    db: AsyncSession, customer: Customer, data: CustomerProfileUpdate
) -> Customer:
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        setattr(customer, field, value)
    return await CustomerRepository(db).flush(customer)


async def change_password(
    db: AsyncSession,
    customer: Customer,
    current_password: str,
    new_password: str,
    current_session_id: uuid.UUID,
) -> None:
    await auth_service.change_password(
        db,
        customer,
        current_password,
        new_password,
        minimum_length=CUSTOMER_PASSWORD_MIN,
        current_session_id=current_session_id,
    )


async def reset_password(
    db: AsyncSession, data: PasswordResetRequest, client_ip: str
) -> PasswordResetResponse:
    """A forgotten password replaced with a one-time code sent to the number; every session
    of the customer ends (docs/decisions.md#password-reset)."""
    await otp_service.consume(db, data.phone_number, OtpPurpose.reset_password, data.otp, client_ip)
    customer = await CustomerRepository(db).get_by_phone(data.phone_number)
    if customer is None:  # no code is ever sent to an unknown number
        raise otp_service.OtpInvalid("Wrong code")
    await note_phone_verified(db, customer)
    revoked = await auth_service.reset_password(
        db, customer, data.new_password, minimum_length=CUSTOMER_PASSWORD_MIN
    )
    return PasswordResetResponse(
        message="Password reset: every session was logged out", sessions_revoked=revoked
    )


async def note_phone_verified(db: AsyncSession, customer: Customer) -> None:
    """A one-time code sent to the number was used: the number is the customer's."""
    if customer.phone_verified_at is None:
        customer.phone_verified_at = clock.now()
        await db.flush()


async def is_registered(db: AsyncSession, phone_number: str) -> bool:
    """Whether the number belongs to an account (a soft-deleted one keeps it)."""
    return await CustomerRepository(db).phone_taken(phone_number)


async def find(db: AsyncSession, customer_id: int) -> Customer | None:
    return await CustomerRepository(db).get(customer_id)


async def find_by_phone(db: AsyncSession, phone_number: str) -> Customer | None:
    return await CustomerRepository(db).get_by_phone(phone_number)


async def contacts(db: AsyncSession, customer_ids: Collection[int]) -> dict[int, CustomerContact]:
    """Name and number of each customer (deleted ones too: history keeps its names)."""
    rows = await CustomerRepository(db).contacts(customer_ids)
    return {row.customer_id: CustomerContact.model_validate(row) for row in rows}


async def contacts_by_phone(
    db: AsyncSession, phone_numbers: Collection[str]
) -> dict[str, CustomerContact]:
    """The registered customer of each of these numbers that has one."""
    rows = await CustomerRepository(db).by_phone(phone_numbers)
    return {row.phone_number: CustomerContact.model_validate(row) for row in rows}


async def existing_ids(db: AsyncSession, customer_ids: Collection[int]) -> set[int]:
    """Which of these customers exist (not deleted)."""
    return await CustomerRepository(db).existing_ids(customer_ids)


async def active_count(db: AsyncSession) -> int:
    return await CustomerRepository(db).active_count()


def ids_with_phone_containing(fragment: str) -> Select[int]:
    """A subquery of customer ids whose number contains `fragment`, for other domains'
    set-based filters (the customer table stays this domain's business)."""
    return _ids_with_phone_containing(fragment)


async def refresh_inactivity(db: AsyncSession, now: datetime | None = None) -> int:
    """One batch of the inactivity job (docs/decisions.md#inactivity); 0 when done."""
    return await inactivity.refresh_batch(db, now)


async def registered_owner_id(db: AsyncSession, phone_number: str) -> int | None:
    """The customer registered with this number, if any."""
    return await CustomerRepository(db).id_by_phone(phone_number)


async def record_plan_activation(db: AsyncSession, phone_number: str, at: datetime) -> int | None:
    """A plan started on this number: its owner (if registered) is active again.
    Returns the owner's id, if the number is registered."""
    return await CustomerRepository(db).record_plan_activation(phone_number, at)


def step_recording_plan_activation(phone: str, at: str) -> str:
    """`record_plan_activation` as a step of another domain's statement (`WITH owner AS
    (<this>)`), with the number and the time in its parameters named `phone` and `at`; it
    returns `customer_id` (no row when the number is not registered). The caller then
    hands the id to `plan_activation_recorded`."""
    return plan_activation_statement(phone, at)


async def plan_activation_recorded(db: AsyncSession, owner_id: int | None) -> None:
    """After a statement with `step_recording_plan_activation`: what this session holds of
    the owner is brought up to date."""
    await CustomerRepository(db).reload_if_held(owner_id)


# --- administration ------------------------------------------------------------------------


class CustomerNotFound(NotFound, code="customer_not_found"): ...


def _detail(row: Any) -> CustomerDetailResponse:
    customer = row[0]
    return CustomerDetailResponse.model_validate(
        {
            **CustomerResponse.model_validate(customer).model_dump(),
            "status_reason": customer.status_reason,
            "status_changed_at": customer.status_changed_at,
            "status_note": customer.status_note,
            "total_transactions": row.total_transactions,
            "total_spent": row.total_spent,
            "active_subscriptions": row.active_subscriptions,
            "queued_subscriptions": row.queued_subscriptions,
            "referral_code": row.referral_code,
        }
    )


async def admin_search(
    db: AsyncSession, *, skip: int, limit: int, **filters: Any
) -> tuple[list[CustomerDetailResponse], int]:
    now, customer_id = clock.now(), Customer.customer_id
    figures = CustomerFigures(
        total_transactions=payment_service.paid_count_of(customer_id),
        total_spent=payment_service.paid_total_of(customer_id),
        active_subscriptions=recharge_service.running_plan_count_of(customer_id, now),
        queued_subscriptions=recharge_service.queued_plan_count_of(customer_id),
        referral_code=referral_service.active_code_of(customer_id),
    )
    rows, total = await CustomerRepository(db).admin_search(
        figures=figures, skip=skip, limit=limit, **filters
    )
    if filters.get("customer_id") is not None and not rows:
        raise CustomerNotFound(f"Customer {filters['customer_id']} not found")
    return [_detail(row) for row in rows], total


async def admin_stats(db: AsyncSession) -> CustomerStatsResponse:
    today = clock.business_midnight()
    monday = today - timedelta(days=today.astimezone(get_settings().business_timezone).weekday())
    row = await CustomerRepository(db).status_counts(today, monday)
    return CustomerStatsResponse(
        total_customers=row[0],
        active_customers=row[1],
        inactive_customers=row[2],
        suspended_customers=row[3],
        new_customers_today=row[4],
        new_customers_this_week=row[5],
    )


_STATUS_FIELDS = ("account_status", "status_reason", "status_note")


async def set_status(
    db: AsyncSession,
    customer_id: int,
    status: AccountStatus,
    admin: Admin,
    reason: str | None = None,
) -> StatusChangeResponse:
    """Deactivation and suspension shut the customer out at once (sessions revoked);
    activation lets them back in (docs/decisions.md#account-statuses)."""
    customer = await CustomerRepository(db).get_for_update(customer_id)
    if customer is None:
        raise CustomerNotFound(f"Customer {customer_id} not found")
    before = {field: getattr(customer, field) for field in _STATUS_FIELDS}
    customer.account_status = status
    customer.status_reason = None if status == AccountStatus.active else StatusReason.admin
    customer.status_changed_at = clock.now()
    customer.status_note = reason
    if status == AccountStatus.active:
        customer.days_inactive = 0
        customer.inactivity_warning_level = 0
    await db.flush()
    revoked = 0
    if status != AccountStatus.active:
        revoked = await auth_service.revoke_sessions(
            db, UserType.customer, customer_id, f"account_{status.value}"
        )
    await record_admin_action(
        db,
        admin,
        {"active": "customer.activate", "inactive": "customer.deactivate"}.get(
            status, "customer.suspend"
        ),
        "customer",
        customer_id,
        before,
        {field: getattr(customer, field) for field in _STATUS_FIELDS}
        | {"sessions_revoked": revoked},
    )
    verb = {"active": "activated", "inactive": "deactivated", "suspended": "suspended"}[status]
    message = f"Customer {verb}" + (f": {reason}" if reason else "")
    return StatusChangeResponse(
        message=message, customer_id=customer_id, account_status=status, sessions_revoked=revoked
    )
