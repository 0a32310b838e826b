"""The service's clock: every business rule asks `clock.now()`.

In production it is the real UTC time. Elsewhere an offset kept in the database (the
`test_clock` row, moved by `POST /admin/test-clock`) is added, so that the API and the
workers of a test installation share one simulated time. `refresh`, at the start of each
request and each job, loads it.

An API process remembers the offset instead of querying it per request: the `test_clock`
trigger announces every change on `nexa_clock_changed` (core/invalidation.py), and the
process that moves the clock forgets it at once. Like the other in-process caches it is
trusted only while the LISTEN connection is up, and only on the loop that connection runs
on — jobs on the in-process worker's own loop read the database each time.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings
from nexa.core.invalidation import CLOCK_CHANNEL, LocalCache, listener

_offset = timedelta(0)
_CLOCK_ID = 1  # the one row of `test_clock`

offset_cache: LocalCache[int, timedelta] = LocalCache(
    "test_clock", max_entries=1, starts_listener=False
)
listener.register(offset_cache)
listener.on(CLOCK_CHANNEL, lambda _: offset_cache.clear())


def now() -> datetime:
    return datetime.now(UTC) + _offset


def offset() -> timedelta:
    return _offset


def set_offset(value: timedelta) -> None:
    global _offset
    _offset = value


async def refresh(db: AsyncSession) -> None:
    """Load the shared offset (a no-op in production, where the clock is real time)."""
    if get_settings().is_production:
        return
    shared = offset_cache.get(_CLOCK_ID)
    if shared is None:
        generation = offset_cache.generation()
        result = await db.execute(
            text("SELECT offset_seconds FROM test_clock WHERE clock_id = :id"), {"id": _CLOCK_ID}
        )
        shared = timedelta(seconds=float(result.scalar_one_or_none() or 0))
        offset_cache.put(_CLOCK_ID, shared, generation)
    set_offset(shared)


async def lock_shared_offset(db: AsyncSession) -> timedelta:
    """The shared offset, locked until `db` commits (moves of the clock run one at a time)."""
    result = await db.execute(
        text("SELECT offset_seconds FROM test_clock WHERE clock_id = :id FOR UPDATE"),
        {"id": _CLOCK_ID},
    )
    return timedelta(seconds=int(result.scalar_one()))


async def store_shared_offset(db: AsyncSession, offset: timedelta) -> None:
    """Write a new shared offset (whole seconds) and use it in this process at once."""
    seconds = math.ceil(offset.total_seconds())
    await db.execute(
        text(
            "UPDATE test_clock SET offset_seconds = :seconds, updated_at = :at WHERE clock_id = :id"
        ),
        {"seconds": seconds, "at": datetime.now(UTC), "id": _CLOCK_ID},
    )
    offset_changed(db)  # every other process forgets it when the trigger's NOTIFY arrives
    set_offset(timedelta(seconds=seconds))


def forget_cached_offset() -> None:
    offset_cache.clear()


def offset_changed(db: AsyncSession) -> None:
    """Call when `db` writes a new offset. The cached one is forgotten now (this
    transaction's next reads see the new row) and again at commit: a request that read the
    old offset meanwhile may have stored it, and this process must not answer from it while
    its own NOTIFY is still on the way."""
    forget_cached_offset()
    event.listen(db.sync_session, "after_commit", lambda _: forget_cached_offset(), once=True)


def business_date(at: datetime | None = None) -> date:
    """The operator's calendar day (NEXA_TIMEZONE) of an instant."""
    return (at or now()).astimezone(get_settings().business_timezone).date()


def business_midnight(at: datetime | None = None) -> datetime:
    """Start (in UTC) of the operator's calendar day that contains `at`."""
    zone = get_settings().business_timezone
    day = business_date(at)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
