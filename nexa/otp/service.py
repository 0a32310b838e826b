"""One-time codes sent by SMS: issued on request, checked and consumed by registration,
login and password reset (docs/decisions.md#one-time-codes).

A code is 6 digits from `secrets`, stored only as a keyed hash, valid 5 minutes, for one
purpose, and only while it is the newest of its number and purpose; 5 wrong tries use it
up. A number gets a new code at most every 30 s and 5 times an hour. The answer to a
request is the same whether or not the number is registered: a code is issued either way
(the limits count it), and only sent when the number may use it.
"""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core import clock, rate_limit
from nexa.core.errors import BadRequest
from nexa.core.security import keyed_hash, same_digest
from nexa.customer import service as customer_service
from nexa.models import OneTimeCode, OtpPurpose
from nexa.notification import service as notification_service
from nexa.otp.repository import OneTimeCodeRepository
from nexa.otp.schemas import OtpRequestAccepted

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=5)
MAX_WRONG_TRIES = 5
RESEND_INTERVAL = timedelta(seconds=30)
HOURLY_LIMIT = 5
# rows are kept a day (the hourly limit needs one hour of them), then purged
RETENTION = timedelta(days=1)
HASH_PURPOSE = "one-time-code"

_DOING = {
    OtpPurpose.register: "verify your number",
    OtpPurpose.login: "log in",
    OtpPurpose.reset_password: "reset your password",
}


class OtpRejected(BadRequest):
    """A one-time code that cannot be used (the subclasses say why)."""


class OtpRequired(BadRequest, code="otp_required"): ...


class OtpInvalid(OtpRejected, code="otp_invalid"): ...


class OtpExpired(OtpRejected, code="otp_expired"): ...


class OtpAttemptsExceeded(OtpRejected, code="otp_attempts_exceeded"): ...


def _digest(phone_number: str, purpose: OtpPurpose, code: str) -> str:
    return keyed_hash(HASH_PURPOSE, f"{phone_number}:{purpose.value}:{code}")


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def _wait(issued: list[datetime], now: datetime) -> int:
    """Seconds before the number may get another code, given the codes of its last hour
    (oldest first): 30 s after the last one, and an hour after the fifth-newest."""
    if not issued:
        return 0
    wait = _seconds_until(issued[-1] + RESEND_INTERVAL, now)
    if len(issued) >= HOURLY_LIMIT:
        wait = max(wait, _seconds_until(issued[-HOURLY_LIMIT] + timedelta(hours=1), now))
    return wait


async def _may_receive(db: AsyncSession, phone_number: str, purpose: OtpPurpose) -> bool:
    """Registration codes go to numbers nobody registered; login and reset codes to
    registered customers. Other requests are answered alike, but nothing is sent."""
    if purpose == OtpPurpose.register:
        return not await customer_service.is_registered(db, phone_number)
    return await customer_service.find_by_phone(db, phone_number) is not None


async def request_code(
    db: AsyncSession, phone_number: str, purpose: OtpPurpose, client_ip: str
) -> OtpRequestAccepted:
    await rate_limit.check_code_request(client_ip)  # a flood from one address: 429
    codes = OneTimeCodeRepository(db)
    await codes.lock_number(phone_number)
    now = clock.now()
    issued = await codes.issued_since(phone_number, now - timedelta(hours=1))
    wait = _wait(issued, now)
    if wait:
        return OtpRequestAccepted(
            message="Codes were requested for this number too often; wait before asking again",
            throttled=True,
            expires_in_seconds=0,
            resend_after_seconds=wait,
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    expires_at = now + CODE_LIFETIME
    await codes.add(
        OneTimeCode(
            phone_number=phone_number,
            purpose=purpose,
            code_hash=_digest(phone_number, purpose, code),
            created_at=now,
            expires_at=expires_at,
        )
    )
    if await _may_receive(db, phone_number, purpose):
        minutes = int(CODE_LIFETIME.total_seconds() // 60)
        await notification_service.send_priority_sms(
            db,
            phone_number,
            f"NEXA: {code} is your code to {_DOING[purpose]}. It expires in {minutes} minutes. "
            "Never share it: NEXA staff will never ask for it.",
            purpose=f"one_time_code:{purpose.value}",
            send_before=expires_at,
        )
    return OtpRequestAccepted(
        message="If this number can use it, a code is on its way by SMS",
        throttled=False,
        expires_in_seconds=int(CODE_LIFETIME.total_seconds()),
        resend_after_seconds=_wait([*issued, now], now),
    )


async def _count_failure(phone_number: str, client_ip: str, *, keep_changes: bool) -> None:
    """A wrong code counts like a wrong password (per number, and per address where only
    failures are refused: docs/decisions.md#login-limits)."""
    refusal = await rate_limit.record_failed_login(
        rate_limit.customer_login_key(phone_number), client_ip
    )
    if refusal is not None:
        refusal.commit_changes = keep_changes
        raise refusal


async def consume(
    db: AsyncSession, phone_number: str, purpose: OtpPurpose, code: str, client_ip: str
) -> None:
    """Use the number's newest code for `purpose`, or raise why it cannot be used. A wrong
    try is counted on the code, and kept although the request fails."""
    await rate_limit.check_login(rate_limit.customer_login_key(phone_number))
    now = clock.now()
    latest = await OneTimeCodeRepository(db).newest_for_update(phone_number, purpose)
    if latest is None or latest.consumed_at is not None or latest.expires_at <= now:
        await _count_failure(phone_number, client_ip, keep_changes=False)
        raise OtpExpired("No valid code for this number: request a new one")
    if latest.attempts >= MAX_WRONG_TRIES:
        await _count_failure(phone_number, client_ip, keep_changes=False)
        raise OtpAttemptsExceeded("Too many wrong codes: request a new one")
    if not same_digest(latest.code_hash, _digest(phone_number, purpose, code)):
        latest.attempts += 1
        await db.flush()
        await _count_failure(phone_number, client_ip, keep_changes=True)
        left = MAX_WRONG_TRIES - latest.attempts
        if left <= 0:
            raise OtpAttemptsExceeded(
                "Wrong code, and no tries left: request a new one", commit_changes=True
            )
        raise OtpInvalid(f"Wrong code: {left} tries left", commit_changes=True)
    latest.consumed_at = now
    await db.flush()


async def purge_codes(db: AsyncSession, now: datetime) -> int:
    """One batch of the clean-up of old codes; 0 when done."""
    return await OneTimeCodeRepository(db).purge(now - RETENTION, 1000)
