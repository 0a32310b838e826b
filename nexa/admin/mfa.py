"""The admins' second factor: TOTP (RFC 6238, 6 digits, 30 s steps), as authenticator apps
speak it (docs/decisions.md#admin-mfa).

The secret is stored sealed with a key derived from SECRET_KEY. Codes are checked against
the real time, never the test clock: the authenticator app on the admin's phone knows only
the real time. A code is accepted for its own step or one step before or after (clock
drift), and never twice: the last step accepted is kept.
"""

from __future__ import annotations

import time

import pyotp
import structlog

from nexa.core.security import UnreadableSeal, same_digest, seal, unseal

log = structlog.get_logger("nexa.admin.mfa")

SEAL_PURPOSE = "admin-totp"
ISSUER = "NEXA"


def new_secret() -> str:
    return pyotp.random_base32()


def sealed(secret: str) -> str:
    return seal(SEAL_PURPOSE, secret)


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def matching_step(sealed_secret: str, code: str, last_step: int | None) -> int | None:
    """The time step `code` is right for (now, or one step off), if newer than `last_step`."""
    try:
        totp = pyotp.TOTP(unseal(SEAL_PURPOSE, sealed_secret))
    except UnreadableSeal:
        log.warning("admin_totp_unreadable", hint="SECRET_KEY changed: nexa reset-admin-mfa")
        return None
    current = totp.timecode(time.time())
    for step in (current - 1, current, current + 1):
        if (last_step is None or step > last_step) and same_digest(totp.generate_otp(step), code):
            return step
    return None
