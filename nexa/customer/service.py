"""Customer accounts: registration, profile, password."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.auth import service as auth_service
from nexa.core.errors import BadRequest
from nexa.core.schemas import CUSTOMER_PASSWORD_MIN
from nexa.core.security import hash_password
from nexa.customer.repository import CustomerRepository
from nexa.customer.schemas import CustomerProfileUpdate, CustomerRegister
from nexa.models import AccountStatus, Customer
from nexa.referral import service as referral_service


class PhoneAlreadyRegistered(BadRequest):
    code = "phone_already_registered"

    def __init__(self) -> None:
        super().__init__("Phone number already registered")


async def register(db: AsyncSession, data: CustomerRegister) -> Customer:
    customers = CustomerRepository(db)
    if await customers.phone_taken(data.phone_number):
        raise PhoneAlreadyRegistered()
    referral_code = (data.referral_code or "").strip()
    # a bad code is refused before the account exists
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


async def registered_owner_id(db: AsyncSession, phone_number: str) -> int | None:
    """The customer registered with this number, if any."""
    return await CustomerRepository(db).id_by_phone(phone_number)


async def record_plan_activation(db: AsyncSession, phone_number: str, at: datetime) -> None:
    """A plan started on this number: its owner (if registered) is active again."""
    await CustomerRepository(db).record_plan_activation(phone_number, at)
