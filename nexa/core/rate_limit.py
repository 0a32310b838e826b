"""Rate limits (the `limits` library): brute force, payment floods, per-address ceiling.

* logins: failed attempts per phone/e-mail and per client address (`NEXA_LOGIN_RATE_LIMIT`);
* registrations: attempts per phone number and per address (`NEXA_REGISTER_RATE_LIMIT`);
* money-moving POSTs: attempts per customer (`NEXA_PAYMENT_RATE_LIMIT`);
* every request: a ceiling per client address (`NEXA_GLOBAL_RATE_LIMIT`).

The first three live in memory, or in Redis when `REDIS_URL` is set, so every API process
and node shares them. The ceiling is counted in each process's memory: it guards a process
against a flood at the cost of a dictionary lookup, never a network round trip per request.
Refusals are 429 `rate_limited` with `Retry-After` (seconds). If Redis cannot be reached
the limits are not enforced (logged, counted in `nexa_rate_limit_errors_total`): an outage
of the counters must not take logins and payments down with it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

import structlog
from fastapi import Depends, Request
from limits import RateLimitItem, parse, storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.strategies import FixedWindowRateLimiter

from nexa.core.config import get_settings
from nexa.core.errors import TooManyRequests

log = structlog.get_logger("nexa.rate_limit")

# keys in a shared Redis: "LIMITS:<prefix>/<limit>/<scope>/<kind>/<value>"
KEY_PREFIX = "nexa"


class RateLimited(TooManyRequests, code="rate_limited"):
    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class _Limits:
    limiter: MovingWindowRateLimiter
    login: RateLimitItem
    register: RateLimitItem
    payment: RateLimitItem
    enabled: bool


@lru_cache
def _limits() -> _Limits:
    settings = get_settings()
    uri = f"async+{settings.redis_url}" if settings.redis_url else "async+memory://"
    shared = storage.storage_from_string(uri, key_prefix=KEY_PREFIX)
    return _Limits(
        limiter=MovingWindowRateLimiter(shared),
        login=parse(settings.login_rate_limit),
        register=parse(settings.register_rate_limit),
        payment=parse(settings.payment_rate_limit),
        enabled=settings.rate_limit_enabled,
    )


@dataclass(frozen=True)
class _Ceiling:
    limiter: FixedWindowRateLimiter
    item: RateLimitItem


@lru_cache
def _ceiling() -> _Ceiling | None:
    settings = get_settings()
    if not settings.rate_limit_enabled or not settings.global_rate_limit:
        return None
    return _Ceiling(
        FixedWindowRateLimiter(storage.MemoryStorage()), parse(settings.global_rate_limit)
    )


def reset() -> None:
    """Forget the configured limiters (after settings change, e.g. in tests)."""
    _limits.cache_clear()
    _ceiling.cache_clear()


def _retry_after(reset_at: float) -> int:
    return max(1, math.ceil(reset_at - time.time()))


def _storage_failed(exc: Exception, scope: str) -> None:
    from nexa.core import metrics

    metrics.RATE_LIMIT_ERRORS.inc()
    log.warning("rate_limit_storage_unavailable", scope=scope, error=type(exc).__name__)


async def _enforce(scope: str, keys: list[tuple[str, ...]], detail: str, *, count: bool) -> None:
    """429 when one of `keys` has used up the `scope` limit (counting this attempt on each
    key when `count`). Unreachable counters are logged and counted, never a refusal."""
    limits = _limits()
    if not limits.enabled:
        return
    item: RateLimitItem = getattr(limits, scope)
    check = limits.limiter.hit if count else limits.limiter.test
    try:
        for key in keys:
            if not await check(item, *key):
                stats = await limits.limiter.get_window_stats(item, *key)
                raise RateLimited(detail, _retry_after(stats.reset_time))
    except RateLimited:
        raise
    except Exception as exc:
        _storage_failed(exc, scope)


async def check_login(identifier: str, client_ip: str) -> None:
    """Before checking a password: 429 while the identifier or the address has used up its
    failed attempts (even the right password is refused then). Counts nothing."""
    await _enforce(
        "login",
        [("login", "id", identifier), ("login", "ip", client_ip)],
        "Too many login attempts; try again later",
        count=False,
    )


async def record_failed_login(identifier: str, client_ip: str) -> None:
    limits = _limits()
    if not limits.enabled:
        return
    try:
        await limits.limiter.hit(limits.login, "login", "id", identifier)
        await limits.limiter.hit(limits.login, "login", "ip", client_ip)
    except Exception as exc:
        _storage_failed(exc, "login")


async def check_registration(phone_number: str, client_ip: str) -> None:
    """Count a registration attempt per number and per address; 429 beyond the limit."""
    await _enforce(
        "register",
        [("register", "phone", phone_number), ("register", "ip", client_ip)],
        "Too many registration attempts; try again later",
        count=True,
    )


async def check_payment(customer_id: int) -> None:
    """Count a money-moving request of this customer; 429 beyond the limit."""
    await _enforce(
        "payment",
        [("payment", "customer", str(customer_id))],
        "Too many payment requests; try again later",
        count=True,
    )


def ceiling_retry_after(client_ip: str) -> int | None:
    """Count one request from this address: None when allowed, else seconds to wait."""
    ceiling = _ceiling()
    if ceiling is None:
        return None
    if ceiling.limiter.hit(ceiling.item, "ceiling", client_ip):
        return None
    stats = ceiling.limiter.get_window_stats(ceiling.item, "ceiling", client_ip)
    return _retry_after(stats.reset_time)


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# the caller's address, for the per-address login and registration limits
ClientIp = Annotated[str, Depends(client_ip)]
