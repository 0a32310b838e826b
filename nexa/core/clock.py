"""The service's clock: every business rule asks `clock.now()`.

In production it is the real UTC time. Elsewhere an offset kept in the database (the
`test_clock` row, moved by `POST /admin/test-clock`) is added, so that the API and the
workers of a test installation share one simulated time. The offset is re-read at the
start of each request and each job (`refresh`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.config import get_settings

_offset = timedelta(0)


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
    result = await db.execute(text("SELECT offset_seconds FROM test_clock WHERE clock_id = 1"))
    seconds = result.scalar_one_or_none()
    set_offset(timedelta(seconds=float(seconds or 0)))


def business_date(at: datetime | None = None) -> date:
    """The operator's calendar day (NEXA_TIMEZONE) of an instant."""
    return (at or now()).astimezone(get_settings().business_timezone).date()


def business_midnight(at: datetime | None = None) -> datetime:
    """Start (in UTC) of the operator's calendar day that contains `at`."""
    zone = get_settings().business_timezone
    day = business_date(at)
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
