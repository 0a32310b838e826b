"""Logins, sessions and tokens.

Every login opens a server-side session (`auth_session`) that its tokens name in the
`sid` claim. Access is granted only while the session is live, so logout, password
changes and account suspension take effect at once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.admin import service as admin_service
from nexa.auth import session_cache
from nexa.auth.repository import AuthSessionRepository
from nexa.auth.schemas import Token, TokenResponse
from nexa.auth.session_cache import LiveSession
from nexa.core import rate_limit
from nexa.core.config import get_settings
from nexa.core.errors import BadRequest, Forbidden, Unauthorized
from nexa.core.schemas import PASSWORD_MAX
from nexa.core.security import (
    InvalidToken,
    TokenClaims,
    access_token_expiry,
    burn_password_check,
    decode_token,
    encode_token,
    hash_password,
    session_expiry,
    verify_password,
)
from nexa.customer import service as customer_service
from nexa.models import AccountStatus, Admin, Customer, OtpPurpose, StatusReason, UserType
from nexa.otp import service as otp_service

# how long revoked sessions are kept before the purge job deletes them
REVOKED_SESSION_RETENTION = timedelta(days=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Principal:
    """Who a valid access token belongs to."""

    user_type: UserType
    subject_id: int
    session_id: uuid.UUID


class WrongPassword(BadRequest, code="wrong_password"): ...


class WeakPassword(BadRequest, code="weak_password"): ...


def check_password_policy(password: str, minimum: int) -> None:
    if len(password) < minimum:
        raise WeakPassword(f"The new password must have at least {minimum} characters")
    if len(password) > PASSWORD_MAX:
        raise WeakPassword(f"The new password must have at most {PASSWORD_MAX} characters")


def ensure_may_sign_in(status: AccountStatus, reason: StatusReason | None) -> None:
    """Suspended and admin-deactivated customers are shut out; inactivity is not
    (docs/decisions.md#account-statuses)."""
    if status == AccountStatus.suspended:
        raise Forbidden("This account is suspended", "account_suspended")
    if status == AccountStatus.inactive and reason != StatusReason.inactivity:
        raise Forbidden("This account has been deactivated", "account_inactive")


def ensure_customer_may_sign_in(customer: Customer) -> None:
    ensure_may_sign_in(customer.account_status, customer.status_reason)


async def _open_session(db: AsyncSession, user_type: UserType, subject_id: int) -> Token:
    now = utcnow()
    refresh_jti = uuid.uuid4()
    auth_session = await AuthSessionRepository(db).create(
        user_type=user_type,
        subject_id=subject_id,
        refresh_jti=refresh_jti,
        expires_at=session_expiry(now),
    )
    return Token(
        access_token=_access_token(auth_session.session_id, user_type, subject_id, now),
        refresh_token=encode_token(
            subject_id=subject_id,
            user_type=user_type.value,
            token_type="refresh",
            session_id=auth_session.session_id,
            expires_at=auth_session.expires_at,
            token_id=refresh_jti,
            now=now,
        ),
    )


def _access_token(
    session_id: uuid.UUID, user_type: UserType, subject_id: int, now: datetime
) -> str:
    return encode_token(
        subject_id=subject_id,
        user_type=user_type.value,
        token_type="access",
        session_id=session_id,
        expires_at=access_token_expiry(now),
        now=now,
    )


async def _refuse_failure(identifier: str, client_ip: str, failure: Unauthorized) -> NoReturn:
    """Count a failed attempt; 401, or 429 when the address is over its failure limit."""
    refusal = await rate_limit.record_failed_login(identifier, client_ip)
    raise refusal or failure


async def _check_password(
    password: str, stored_hash: str | None, identifier: str, client_ip: str
) -> str | None:
    """Verify under the login limits; returns a rehash to store, raises 401/429. The
    number/account lock applies first, even to the right password; the address limit only
    to wrong ones (docs/decisions.md#login-limits)."""
    await rate_limit.check_login(identifier)  # 429 with Retry-After
    if stored_hash is None:
        await burn_password_check(password)
        matches, new_hash = False, None
    else:
        matches, new_hash = await verify_password(password, stored_hash)
    if not matches:
        await _refuse_failure(
            identifier, client_ip, Unauthorized("Incorrect credentials", "invalid_credentials")
        )
    return new_hash


def _ensure_phone_verified(customer: Customer) -> None:
    """docs/decisions.md#phone-verification"""
    if get_settings().phone_verification_required and customer.phone_verified_at is None:
        raise Forbidden(
            "This number is not verified yet: log in with a one-time code sent to it",
            "phone_not_verified",
        )


async def login_customer(
    db: AsyncSession, phone_number: str, password: str, client_ip: str
) -> Token:
    customer = await customer_service.find_by_phone(db, phone_number)
    new_hash = await _check_password(
        password,
        customer.password_hash if customer else None,
        rate_limit.customer_login_key(phone_number),
        client_ip,
    )
    assert customer is not None
    ensure_customer_may_sign_in(customer)
    _ensure_phone_verified(customer)
    if new_hash:
        customer.password_hash = new_hash
    return await _open_session(db, UserType.customer, customer.customer_id)


async def login_customer_with_code(
    db: AsyncSession, phone_number: str, code: str, client_ip: str
) -> Token:
    """Log in with a one-time code sent to the number (which it also verifies)."""
    try:
        await otp_service.consume(db, phone_number, OtpPurpose.login, code, client_ip)
    except otp_service.OtpRejected as exc:
        raise Unauthorized(exc.detail, exc.code, commit_changes=exc.commit_changes) from exc
    customer = await customer_service.find_by_phone(db, phone_number)
    if customer is None:  # no code is ever sent to an unknown number
        raise Unauthorized("Incorrect credentials", "invalid_credentials")
    ensure_customer_may_sign_in(customer)
    await customer_service.note_phone_verified(db, customer)
    return await _open_session(db, UserType.customer, customer.customer_id)


async def login_admin(
    db: AsyncSession, email: str, password: str, totp: str | None, client_ip: str
) -> Token:
    admin = await admin_service.find_by_email(db, email)
    identifier = rate_limit.admin_login_key(email)
    new_hash = await _check_password(
        password, admin.password_hash if admin else None, identifier, client_ip
    )
    assert admin is not None
    try:
        admin_service.check_second_factor(admin, totp)
    except admin_service.TotpInvalid as exc:  # a wrong code counts like a wrong password
        await _refuse_failure(identifier, client_ip, exc)
    if new_hash:
        admin.password_hash = new_hash
    return await _open_session(db, UserType.admin, admin.admin_id)


async def _load_principal(db: AsyncSession, claims: TokenClaims) -> Principal:
    """The account a token names, if it still exists and may act (used by refresh)."""
    if claims.user_type == UserType.customer:
        customer = await customer_service.find(db, claims.subject_id)
        if customer is None:
            raise Unauthorized("The account no longer exists", "invalid_token")
        ensure_customer_may_sign_in(customer)
    elif claims.user_type == UserType.admin:
        if await admin_service.find(db, claims.subject_id) is None:
            raise Unauthorized("The account no longer exists", "invalid_token")
    else:
        raise Unauthorized("Invalid token", "invalid_token")
    return Principal(UserType(claims.user_type), claims.subject_id, claims.session_id)


def _decode(token: str, expected_type: str) -> TokenClaims:
    try:
        claims = decode_token(token)
    except InvalidToken as exc:
        raise Unauthorized("Invalid or expired token", "invalid_token") from exc
    if claims.token_type != expected_type:
        raise Unauthorized(f"An {expected_type} token is required", "wrong_token_type")
    return claims


async def authenticate(db: AsyncSession, access_token: str) -> Principal:
    """The principal of a bearer access token whose session is live.

    Live sessions are remembered in-process (`session_cache`), so most requests need no
    query; a miss costs one query that checks the session and its account together.
    """
    claims = _decode(access_token, "access")
    now = utcnow()
    live = session_cache.cache.get(claims.session_id)
    if live is None:
        generation = session_cache.cache.generation()
        live = await _live_session(db, claims, now)
        session_cache.cache.put(claims.session_id, live, generation)
    if live.user_type != claims.user_type or live.subject_id != claims.subject_id:
        raise Unauthorized("Invalid token", "invalid_token")
    if live.expires_at <= now:
        raise Unauthorized("This session has ended; log in again", "session_revoked")
    return Principal(live.user_type, live.subject_id, claims.session_id)


async def _live_session(db: AsyncSession, claims: TokenClaims, now: datetime) -> LiveSession:
    found = await AuthSessionRepository(db).with_account(claims.session_id)
    if (
        found is None
        or found.user_type != claims.user_type
        or found.subject_id != claims.subject_id
    ):
        raise Unauthorized("Invalid token", "invalid_token")
    if found.revoked_at is not None or found.expires_at <= now:
        raise Unauthorized("This session has ended; log in again", "session_revoked")
    if not found.account_exists:
        raise Unauthorized("The account no longer exists", "invalid_token")
    if found.user_type == UserType.customer:
        ensure_may_sign_in(found.account_status, found.status_reason)
    return LiveSession(found.user_type, found.subject_id, found.expires_at)


async def refresh(db: AsyncSession, refresh_token: str) -> TokenResponse:
    claims = _decode(refresh_token, "refresh")
    sessions = AuthSessionRepository(db)
    auth_session = await sessions.get(claims.session_id, for_update=True)
    now = utcnow()
    if (
        auth_session is None
        or auth_session.user_type != claims.user_type
        or auth_session.subject_id != claims.subject_id
    ):
        raise Unauthorized("Invalid refresh token", "invalid_token")
    if auth_session.revoked_at is not None or auth_session.expires_at <= now:
        raise Unauthorized("This session has ended; log in again", "session_revoked")
    if claims.token_id != auth_session.refresh_jti:
        # a refresh token that was already rotated away: assume it was stolen
        await sessions.revoke(auth_session.session_id, "refresh_token_reuse", now)
        raise Unauthorized(
            "This refresh token was already used; the session is revoked",
            "refresh_token_reused",
            commit_changes=True,
        )
    principal = await _load_principal(db, claims)
    auth_session.last_refreshed_at = now
    if get_settings().refresh_rotation:
        auth_session.refresh_jti = uuid.uuid4()
        next_refresh_token = encode_token(
            subject_id=claims.subject_id,
            user_type=principal.user_type.value,
            token_type="refresh",
            session_id=auth_session.session_id,
            expires_at=auth_session.expires_at,
            token_id=auth_session.refresh_jti,
            now=now,
        )
    else:
        next_refresh_token = refresh_token
    await db.flush()
    return TokenResponse(
        access_token=_access_token(
            auth_session.session_id, principal.user_type, claims.subject_id, now
        ),
        refresh_token=next_refresh_token,
    )


async def logout(db: AsyncSession, principal: Principal, refresh_token: str | None) -> None:
    """Revoke the caller's session (and the one of a refresh token they hand in)."""
    sessions = AuthSessionRepository(db)
    now = utcnow()
    await sessions.revoke(principal.session_id, "logout", now)
    if refresh_token:
        try:
            claims = decode_token(refresh_token)
        except InvalidToken:
            return
        if (claims.user_type, claims.subject_id) == (principal.user_type, principal.subject_id):
            await sessions.revoke(claims.session_id, "logout", now)


async def change_password(
    db: AsyncSession,
    account: Customer | Admin,
    current_password: str,
    new_password: str,
    *,
    minimum_length: int,
    current_session_id: uuid.UUID,
) -> None:
    """Replace an account's password; every session but the current one ends."""
    matches, _ = await verify_password(current_password, account.password_hash)
    if not matches:
        raise WrongPassword("The current password is incorrect")
    check_password_policy(new_password, minimum_length)
    account.password_hash = await hash_password(new_password)
    if isinstance(account, Customer):
        user_type, subject_id = UserType.customer, account.customer_id
    else:
        user_type, subject_id = UserType.admin, account.admin_id
    await db.flush()
    await revoke_sessions(
        db, user_type, subject_id, "password_changed", except_session_id=current_session_id
    )


async def reset_password(
    db: AsyncSession, account: Customer, new_password: str, *, minimum_length: int
) -> int:
    """Set a new password without the old one (proved by a one-time code): every session
    of the account ends. Returns how many were live."""
    check_password_policy(new_password, minimum_length)
    account.password_hash = await hash_password(new_password)
    await db.flush()
    return await revoke_sessions(db, UserType.customer, account.customer_id, "password_reset")


async def revoke_sessions(
    db: AsyncSession,
    user_type: UserType,
    subject_id: int,
    reason: str,
    *,
    except_session_id: uuid.UUID | None = None,
) -> int:
    """End every live session of an account (all but one when `except_session_id`)."""
    return await AuthSessionRepository(db).revoke_all(
        user_type, subject_id, reason, utcnow(), except_session_id=except_session_id
    )


async def purge_stale_sessions(db: AsyncSession, *, batch_size: int = 1000) -> int:
    """Delete one batch of expired or long-revoked sessions (their tokens are refused anyway)."""
    now = utcnow()
    return await AuthSessionRepository(db).delete_stale(
        expired_before=now,
        revoked_before=now - REVOKED_SESSION_RETENTION,
        batch_size=batch_size,
    )
