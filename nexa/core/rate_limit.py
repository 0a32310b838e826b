"""Login throttling: failed attempts per identifier and per client address.

Counters live in memory, or in Redis when REDIS_URL is set so that every API node
shares them.
"""

from __future__ import annotations

from functools import lru_cache

from limits import RateLimitItem, parse, storage
from limits.aio.strategies import MovingWindowRateLimiter

from nexa.core.config import get_settings


@lru_cache
def _limiter() -> tuple[MovingWindowRateLimiter, RateLimitItem]:
    settings = get_settings()
    uri = f"async+{settings.redis_url}" if settings.redis_url else "async+memory://"
    return MovingWindowRateLimiter(storage.storage_from_string(uri)), parse(
        settings.login_rate_limit
    )


def reset() -> None:
    """Forget the configured limiter (after settings change, e.g. in tests)."""
    _limiter.cache_clear()


async def login_allowed(identifier: str, client_ip: str) -> bool:
    limiter, limit = _limiter()
    return await limiter.test(limit, "login", "id", identifier) and await limiter.test(
        limit, "login", "ip", client_ip
    )


async def record_failed_login(identifier: str, client_ip: str) -> None:
    limiter, limit = _limiter()
    await limiter.hit(limit, "login", "id", identifier)
    await limiter.hit(limit, "login", "ip", client_ip)
