"""Password hashing (Argon2id, bcrypt still verified), JWT encoding/decoding, and the keyed
hashes and sealed (encrypted) values derived from SECRET_KEY."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from anyio import to_thread
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken as InvalidFernetToken
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

from nexa.core.config import get_settings

# first hasher hashes new passwords; the others only verify (and trigger a rehash)
_password_hash = PasswordHash((Argon2Hasher(), BcryptHasher()))

TokenType = Literal["access", "refresh"]


async def hash_password(password: str) -> str:
    # hashing is deliberately slow: keep it off the event loop
    return await to_thread.run_sync(_password_hash.hash, password)


async def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, new hash to store when the old one uses an outdated scheme)."""

    def verify() -> tuple[bool, str | None]:
        try:
            return _password_hash.verify_and_update(password, password_hash)
        except Exception:  # an unreadable stored hash never matches
            return False, None

    return await to_thread.run_sync(verify)


_DUMMY_HASH: str | None = None


async def burn_password_check(password: str) -> None:
    """Spend the time of a real check when the account does not exist (no user probing)."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = await hash_password("not-a-real-password")
    await verify_password(password, _DUMMY_HASH)


@dataclass(frozen=True)
class TokenClaims:
    subject_id: int
    user_type: str
    token_type: TokenType
    session_id: uuid.UUID
    token_id: uuid.UUID
    issued_at: datetime
    expires_at: datetime


def encode_token(
    *,
    subject_id: int,
    user_type: str,
    token_type: TokenType,
    session_id: uuid.UUID,
    expires_at: datetime,
    token_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> str:
    settings = get_settings()
    issued_at = now or datetime.now(UTC)
    payload: dict[str, Any] = {
        "sub": str(subject_id),
        "user_type": user_type,
        "type": token_type,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": str(token_id or uuid.uuid4()),
        "sid": str(session_id),
    }
    return jwt.encode(payload, settings.resolved_secret_key(), algorithm=settings.algorithm)


def access_token_expiry(now: datetime) -> datetime:
    return now + timedelta(minutes=get_settings().access_token_expire_minutes)


def session_expiry(now: datetime) -> datetime:
    return now + timedelta(days=get_settings().refresh_token_expire_days)


class InvalidToken(Exception):
    """The token is malformed, forged, expired or lacks a claim."""


def decode_token(token: str) -> TokenClaims:
    """The claims of a genuine, unexpired token (InvalidToken otherwise)."""
    settings = get_settings()
    claims = _verified_claims(token, settings.resolved_secret_key(), settings.algorithm)
    if claims.expires_at <= datetime.now(UTC):  # checked on every use, cached or not
        raise InvalidToken("Signature has expired")
    return claims


# Verifying a signature costs more than the rest of a cached request: a token string seen
# before (with the same key) is not verified again. Failures are never cached.
@functools.lru_cache(maxsize=20_000)
def _verified_claims(token: str, secret_key: str, algorithm: str) -> TokenClaims:
    try:
        payload = jwt.decode(
            token,
            secret_key,
            algorithms=[algorithm],  # a fixed list: `alg: none` is never accepted
            options={"require": ["sub", "exp", "iat", "type", "user_type", "jti", "sid"]},
        )
        token_type = payload["type"]
        if token_type not in ("access", "refresh"):
            raise InvalidToken("unknown token type")
        return TokenClaims(
            subject_id=int(payload["sub"]),
            user_type=str(payload["user_type"]),
            token_type=token_type,
            session_id=uuid.UUID(str(payload["sid"])),
            token_id=uuid.UUID(str(payload["jti"])),
            issued_at=datetime.fromtimestamp(int(payload["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(str(exc)) from exc


# --- keyed hashes and sealed values ---------------------------------------------------------


def _derived_key(purpose: str) -> bytes:
    """A 32-byte key for one purpose, derived from SECRET_KEY (one key never serves two)."""
    secret = get_settings().resolved_secret_key().encode()
    return hmac.new(secret, f"nexa:{purpose}".encode(), hashlib.sha256).digest()


def keyed_hash(purpose: str, message: str) -> str:
    """HMAC-SHA256 of `message` under the purpose's key (hex): what is stored of a one-time
    code, so that a database reader cannot recover it, nor test all 10^6 codes offline."""
    return hmac.new(_derived_key(purpose), message.encode(), hashlib.sha256).hexdigest()


def same_digest(a: str, b: str) -> bool:
    """Constant-time comparison of two digests."""
    return hmac.compare_digest(a.encode(), b.encode())


class UnreadableSeal(Exception):
    """A sealed value that this installation's key cannot open (another SECRET_KEY)."""


@functools.lru_cache(maxsize=16)
def _fernet(purpose: str, secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(purpose)))


def seal(purpose: str, plaintext: str) -> str:
    """Encrypt and authenticate a secret to store (Fernet: AES-128-CBC + HMAC-SHA256) under
    a key derived from SECRET_KEY for this purpose."""
    box = _fernet(purpose, get_settings().resolved_secret_key())
    return box.encrypt(plaintext.encode()).decode()


def unseal(purpose: str, sealed: str) -> str:
    box = _fernet(purpose, get_settings().resolved_secret_key())
    try:
        return box.decrypt(sealed.encode()).decode()
    except (InvalidFernetToken, ValueError) as exc:
        raise UnreadableSeal(purpose) from exc
