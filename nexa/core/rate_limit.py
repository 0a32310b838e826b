"""Rate limits (the `limits` library): brute force, payment floods, per-address ceiling.

* logins: failed attempts per phone/e-mail (`NEXA_LOGIN_RATE_LIMIT`): that number or account
  is locked, even for the right password; failed attempts per client address
  (`NEXA_LOGIN_ADDRESS_RATE_LIMIT`, much larger): beyond it a *wrong* password or code is
  answered 429 instead of 401, while a right one is never refused because others behind the
  same address (a carrier NAT) mistyped theirs (docs/decisions.md#login-limits);
* registrations: attempts per phone number (`NEXA_REGISTER_RATE_LIMIT`) and per address
  (`NEXA_REGISTER_ADDRESS_RATE_LIMIT`);
* one-time code requests per address (`NEXA_OTP_ADDRESS_RATE_LIMIT`; per number the code's
  own table counts them, docs/decisions.md#one-time-codes);
* money-moving POSTs: attempts per customer (`NEXA_PAYMENT_RATE_LIMIT`);
* every request: a ceiling per client address (`NEXA_GLOBAL_RATE_LIMIT`).

All but the ceiling live in memory, or in Redis when `REDIS_URL` is set, so every API process
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
    login_address: RateLimitItem
    register: RateLimitItem
    register_address: RateLimitItem
    otp_address: RateLimitItem
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
        login_address=parse(settings.login_address_rate_limit),
        register=parse(settings.register_rate_limit),
        register_address=parse(settings.register_address_rate_limit),
        otp_address=parse(settings.otp_address_rate_limit),
        payment=parse(settings.payment_rate_limit),
        enabled=settings.rate_limit_enabled,
    )


class _Ceiling:
    """Requests per address in fixed windows of the limit's period, counted in a dict.

    (`limits`' own MemoryStorage starts a timer thread every few milliseconds under load to
    expire its keys; here the whole table is dropped when a window ends.)"""

    def __init__(self, item: RateLimitItem) -> None:
        self.amount, self.period = item.amount, item.get_expiry()
        self._window_end = 0.0
        self._counts: dict[str, int] = {}

    def retry_after(self, address: str) -> int | None:
        now = time.time()
        if now >= self._window_end:
            self._window_end = (now // self.period + 1) * self.period
            self._counts.clear()
        count = self._counts.get(address, 0) + 1
        self._counts[address] = count
        return None if count <= self.amount else _retry_after(self._window_end)


@lru_cache
def _ceiling() -> _Ceiling | None:
    settings = get_settings()
    if not settings.rate_limit_enabled or not settings.global_rate_limit:
        return None
    return _Ceiling(parse(settings.global_rate_limit))


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


# a counter: the limit's name on `_Limits` and the key it counts under
Counter = tuple[str, tuple[str, ...]]


async def _retry_after_if_over(counters: list[Counter], *, count: bool) -> int | None:
    """Seconds to wait when one of `counters` has used up its limit (counting this attempt
    on each when `count`), else None. Unreachable counters are logged and counted, never a
    refusal."""
    limits = _limits()
    if not limits.enabled:
        return None
    check = limits.limiter.hit if count else limits.limiter.test
    try:
        for scope, key in counters:
            item: RateLimitItem = getattr(limits, scope)
            if not await check(item, *key):
                stats = await limits.limiter.get_window_stats(item, *key)
                return _retry_after(stats.reset_time)
    except Exception as exc:
        _storage_failed(exc, counters[0][0])
    return None


async def _enforce(counters: list[Counter], detail: str, *, count: bool) -> None:
    """429 when one of `counters` has used up its limit."""
    retry_after = await _retry_after_if_over(counters, count=count)
    if retry_after is not None:
        raise RateLimited(detail, retry_after)


def customer_login_key(phone_number: str) -> str:
    """A customer's failed-attempt counter: wrong passwords and wrong one-time codes share
    it, so neither can be guessed around the other."""
    return f"c:{phone_number}"


def admin_login_key(email: str) -> str:
    """An admin's failed-attempt counter (wrong passwords and wrong TOTP codes)."""
    return f"a:{email.lower()}"


async def check_login(identifier: str) -> None:
    """Before checking a password or code: 429 while this number or account has used up
    its failed attempts (even the right password is refused then). Counts nothing. The
    address is not asked: see `record_failed_login`."""
    await _enforce(
        [("login", ("login", "id", identifier))],
        "Too many failed attempts for this account; try again later",
        count=False,
    )


async def record_failed_login(identifier: str, client_ip: str) -> RateLimited | None:
    """Count a wrong password or code against the number/account and the address. Returns
    the 429 to answer instead of a 401 when the address is over its own (large) limit: only
    failures are refused by it, so a right password from a busy NAT address still works
    (docs/decisions.md#login-limits)."""
    await _retry_after_if_over([("login", ("login", "id", identifier))], count=True)
    retry_after = await _retry_after_if_over(
        [("login_address", ("login", "ip", client_ip))], count=True
    )
    if retry_after is None:
        return None
    return RateLimited("Too many failed attempts from this network; try again later", retry_after)


async def check_registration(phone_number: str, client_ip: str) -> None:
    """Count a registration attempt per number and per address; 429 beyond either limit."""
    await _enforce(
        [
            ("register", ("register", "phone", phone_number)),
            ("register_address", ("register", "ip", client_ip)),
        ],
        "Too many registration attempts; try again later",
        count=True,
    )


async def check_code_request(client_ip: str) -> None:
    """Count a one-time code request from this address; 429 beyond the limit (it does not
    depend on the number, so it tells nothing about which numbers are registered)."""
    await _enforce(
        [("otp_address", ("otp", "ip", client_ip))],
        "Too many code requests from this network; try again later",
        count=True,
    )


async def check_payment(customer_id: int) -> None:
    """Count a money-moving request of this customer; 429 beyond the limit."""
    await _enforce(
        [("payment", ("payment", "customer", str(customer_id)))],
        "Too many payment requests; try again later",
        count=True,
    )


def ceiling_retry_after(client_ip: str) -> int | None:
    """Count one request from this address: None when allowed, else seconds to wait."""
    ceiling = _ceiling()
    return None if ceiling is None else ceiling.retry_after(client_ip)


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# the caller's address, for the per-address login and registration limits
ClientIp = Annotated[str, Depends(client_ip)]
