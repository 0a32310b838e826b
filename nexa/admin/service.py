"""Administrator accounts: one role; any admin manages admins, only their own password
(docs/decisions.md#admin-accounts)."""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.admin import mfa
from nexa.admin.repository import AdminRepository
from nexa.admin.schemas import AdminCreate, AdminUpdate, MfaSetupResponse
from nexa.audit.service import record_admin_action
from nexa.auth import service as auth_service
from nexa.core import clock
from nexa.core.config import Settings
from nexa.core.errors import BadRequest, Conflict, NotFound, Unauthorized
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


# --- second factor (docs/decisions.md#admin-mfa) ------------------------------------------


class MfaAlreadyEnabled(Conflict, code="mfa_already_enabled"): ...


class MfaNotSetUp(Conflict, code="mfa_not_set_up"): ...


class MfaNotEnabled(Conflict, code="mfa_not_enabled"): ...


class WrongTotp(BadRequest, code="totp_invalid"): ...


class TotpRequired(Unauthorized, code="totp_required"): ...


class TotpInvalid(Unauthorized, code="totp_invalid"): ...


def _mfa_state(admin: Admin) -> dict[str, object]:
    """What the audit log keeps of it (never the secret)."""
    return {"mfa_enabled": admin.mfa_enabled, "mfa_pending": admin.totp_secret is not None}


def _clear_mfa(admin: Admin) -> None:
    admin.totp_secret = admin.totp_enabled_at = admin.totp_last_step = None


async def start_mfa_setup(db: AsyncSession, admin: Admin) -> MfaSetupResponse:
    """A new secret for the caller, shown this once; it counts only once confirmed."""
    if admin.mfa_enabled:
        raise MfaAlreadyEnabled("Two-factor sign-in is already on; turn it off first")
    before = _mfa_state(admin)
    secret = mfa.new_secret()
    admin.totp_secret, admin.totp_last_step = mfa.sealed(secret), None
    await AdminRepository(db).flush(admin)
    await record_admin_action(
        db, admin, "admin.mfa_setup", "admin", admin.admin_id, before, _mfa_state(admin)
    )
    return MfaSetupResponse(
        secret=secret,
        otpauth_uri=mfa.provisioning_uri(secret, admin.email),
        message="Add this to an authenticator app, then confirm with one of its codes "
        "(POST /admin/mfa/verify)",
    )


def _matching_step(admin: Admin, code: str) -> int | None:
    if admin.totp_secret is None:
        return None
    return mfa.matching_step(admin.totp_secret, code, admin.totp_last_step)


def _step_or_refuse(admin: Admin, code: str) -> int:
    step = _matching_step(admin, code)
    if step is None:
        raise WrongTotp("That code does not match (is the phone's clock right?)")
    return step


async def confirm_mfa(db: AsyncSession, admin: Admin, code: str) -> None:
    """Turn the second factor on with a code of the secret from `start_mfa_setup`."""
    if admin.mfa_enabled:
        raise MfaAlreadyEnabled("Two-factor sign-in is already on")
    if admin.totp_secret is None:
        raise MfaNotSetUp("Start with POST /admin/mfa/setup")
    before = _mfa_state(admin)
    admin.totp_last_step = _step_or_refuse(admin, code)
    admin.totp_enabled_at = clock.now()
    await AdminRepository(db).flush(admin)
    await record_admin_action(
        db, admin, "admin.mfa_enable", "admin", admin.admin_id, before, _mfa_state(admin)
    )


async def disable_mfa(db: AsyncSession, admin: Admin, code: str) -> None:
    """Turn the caller's second factor off; it takes a current code."""
    if not admin.mfa_enabled:
        raise MfaNotEnabled("Two-factor sign-in is not on")
    before = _mfa_state(admin)
    _step_or_refuse(admin, code)
    _clear_mfa(admin)
    await AdminRepository(db).flush(admin)
    await record_admin_action(
        db, admin, "admin.mfa_disable", "admin", admin.admin_id, before, _mfa_state(admin)
    )


def check_second_factor(admin: Admin, code: str | None) -> None:
    """At login, after the right password: the authenticator code, when the account has the
    second factor on (401 `totp_required` / `totp_invalid`)."""
    if not admin.mfa_enabled:
        return
    if code is None:
        raise TotpRequired("This account needs the code of its authenticator app (totp)")
    step = _matching_step(admin, code)
    if step is None:
        raise TotpInvalid("Incorrect authenticator code")
    admin.totp_last_step = step


async def reset_mfa(db: AsyncSession, email: str) -> bool:
    """For `nexa reset-admin-mfa` (a lost phone, a new SECRET_KEY): the admin signs in with
    the password alone again. False when no such admin exists."""
    admin = await AdminRepository(db).get_by_email(email)
    if admin is None:
        return False
    _clear_mfa(admin)
    await AdminRepository(db).flush(admin)
    log.info("admin_mfa_reset", admin_id=admin.admin_id)
    return True
