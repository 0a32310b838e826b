"""Builders for customers and admins: add and flush, never commit."""

from __future__ import annotations

import itertools
import random

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.security import hash_password
from nexa.models import AccountStatus, Admin, Customer, StatusReason

DEFAULT_PASSWORD = "secret-pass-1"
ADMIN_PASSWORD = "admin-password-1"

_sequence = itertools.count(1)


def unique_phone() -> str:
    """A fresh 10-digit number (9xxxxxxxxx) unlikely to clash across test processes."""
    return f"9{random.randrange(10**8, 10**9 - 1):09d}"


_hash_cache: dict[str, str] = {}


async def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = await hash_password(password)
    return _hash_cache[password]


async def make_customer(
    db: AsyncSession,
    *,
    phone_number: str | None = None,
    password: str = DEFAULT_PASSWORD,
    full_name: str = "Test Customer",
    account_status: AccountStatus = AccountStatus.active,
    status_reason: StatusReason | None = None,
    password_hash: str | None = None,
) -> Customer:
    customer = Customer(
        phone_number=phone_number or unique_phone(),
        password_hash=password_hash or await _hash(password),
        full_name=full_name,
        account_status=account_status,
        status_reason=status_reason,
    )
    db.add(customer)
    await db.flush()
    await db.refresh(customer)
    return customer


async def make_admin(
    db: AsyncSession,
    *,
    email: str | None = None,
    password: str = ADMIN_PASSWORD,
    name: str = "Test Admin",
    phone_number: str | None = None,
) -> Admin:
    admin = Admin(
        name=name,
        email=email or f"admin{next(_sequence)}-{random.randrange(10**6)}@example.com",
        phone_number=phone_number or unique_phone(),
        password_hash=await _hash(password),
    )
    db.add(admin)
    await db.flush()
    await db.refresh(admin)
    return admin
