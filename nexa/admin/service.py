"""Administrator accounts: one role; any admin manages admins, only their own password
(docs/decisions.md#admin-accounts)."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.admin.repository import AdminRepository
from nexa.admin.schemas import AdminCreate, AdminUpdate
from nexa.audit.service import record_admin_action
from nexa.auth import service as auth_service
from nexa.core.config import Settings
from nexa.core.errors import BadRequest, NotFound
from nexa.core.schemas import ADMIN_PASSWORD_MIN, normalise_phone
from nexa.core.security import hash_password
from nexa.models import Admin

log = structlog.get_logger("nexa.admin")


class AdminNotFound(NotFound, code="admin_not_found"): ...


class AdminEmailTaken(BadRequest, code="email_already_registered"):
    def __init__(self) -> None:
        super().__init__("Email already registered")


class AdminPhoneTaken(BadRequest, code="phone_already_registered"):
    def __init__(self) -> None:
        super().__init__("Phone number already registered")


async def _check_unique(
    admins: AdminRepository, email: str | None, phone: str | None, except_id: int | None = None
) -> None:
    if email is not None and await admins.email_taken(email, except_admin_id=except_id):
        raise AdminEmailTaken()
    if phone is not None and await admins.phone_taken(phone, except_admin_id=except_id):
        raise AdminPhoneTaken()


async def _save(admins: AdminRepository, admin: Admin, *, new: bool) -> Admin:
    try:
        return await (admins.add(admin) if new else admins.flush(admin))
    except IntegrityError as exc:  # a concurrent request took the e-mail or phone
        if "email" in str(exc.orig):
            raise AdminEmailTaken() from exc
        raise AdminPhoneTaken() from exc


# what the audit log keeps of an admin account (never the password hash)
_AUDITED = ("name", "email", "phone_number")


def _summary(admin: Admin) -> dict[str, str]:
    return {field: getattr(admin, field) for field in _AUDITED}


async def create_admin(db: AsyncSession, data: AdminCreate, actor: Admin | None = None) -> Admin:
    """A new admin; `actor` is the admin who creates it (None from the command line)."""
    admins = AdminRepository(db)
    await _check_unique(admins, data.email, data.phone_number)
    admin = Admin(
        name=data.name,
        phone_number=data.phone_number,
        email=data.email.lower(),
        password_hash=await hash_password(data.password),
    )
    admin = await _save(admins, admin, new=True)
    if actor is not None:
        await record_admin_action(
            db, actor, "admin.create", "admin", admin.admin_id, None, _summary(admin)
        )
    return admin


async def find(db: AsyncSession, admin_id: int) -> Admin | None:
    return await AdminRepository(db).get(admin_id)


async def find_by_email(db: AsyncSession, email: str) -> Admin | None:
    return await AdminRepository(db).get_by_email(email)


async def get_admin(db: AsyncSession, admin_id: int) -> Admin:
    admin = await AdminRepository(db).get(admin_id)
    if admin is None:
        raise AdminNotFound(f"Admin {admin_id} not found")
    return admin


async def list_admins(db: AsyncSession, *, skip: int, limit: int) -> tuple[list[Admin], int]:
    return await AdminRepository(db).list(skip=skip, limit=limit)


async def update_admin(db: AsyncSession, admin_id: int, data: AdminUpdate, actor: Admin) -> Admin:
    admins = AdminRepository(db)
    admin = await get_admin(db, admin_id)
    await _check_unique(admins, data.email, data.phone_number, except_id=admin_id)
    before = _summary(admin)
    changes = data.model_dump(exclude_unset=True)
    if "email" in changes:
        changes["email"] = changes["email"].lower()
    for field, value in changes.items():
        setattr(admin, field, value)
    admin = await _save(admins, admin, new=False)
    await record_admin_action(db, actor, "admin.update", "admin", admin_id, before, _summary(admin))
    return admin


async def change_own_password(
    db: AsyncSession,
    admin: Admin,
    current_password: str,
    new_password: str,
    current_session_id: uuid.UUID,
) -> None:
    await auth_service.change_password(
        db,
        admin,
        current_password,
        new_password,
        minimum_length=ADMIN_PASSWORD_MIN,
        current_session_id=current_session_id,
    )
    # that it happened, never what it was
    await record_admin_action(db, admin, "admin.password_change", "admin", admin.admin_id)


async def ensure_default_admin(db: AsyncSession, settings: Settings) -> Admin | None:
    """Create the ADMIN_DEFAULT_* admin when there is no admin at all
    (docs/decisions.md#default-admin)."""
    admins = AdminRepository(db)
    if await admins.any_exists():
        return None
    admin = Admin(
        name=settings.admin_default_name,
        phone_number=normalise_phone(settings.admin_default_phone),
        email=settings.admin_default_email.strip().lower(),
        password_hash=await hash_password(settings.admin_default_password),
    )
    admin = await admins.add(admin)
    log.info("default_admin_created", admin_id=admin.admin_id)
    return admin
