"""When scheduled backups fall due: in the operator's time zone, daily at the time, weekly
on Mondays, monthly on the 1st (docs/decisions.md#backup-schedule)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nexa.models import ScheduleFrequency

# informational, as the reference (nothing enforces retention: rotation keeps MAX_BACKUPS)
OPTIONS: dict[str, dict[str, object]] = {
    "daily": {
        "description": "Back up every day at the chosen time",
        "recommended": True,
        "retention_days": 30,
    },
    "weekly": {
        "description": "Back up every Monday at the chosen time",
        "recommended": False,
        "retention_days": 90,
    },
    "monthly": {
        "description": "Back up on the 1st of every month at the chosen time",
        "recommended": False,
        "retention_days": 365,
    },
    "manual": {
        "description": "No automatic backups; create them on demand",
        "recommended": False,
        "retention_days": 0,
    },
}


def parse_time_of_day(value: str) -> time:
    """`HH:MM` (24-hour) -> time; ValueError otherwise."""
    hours, sep, minutes = value.partition(":")
    if not (sep and len(hours) == 2 and len(minutes) == 2 and hours.isdigit()):
        raise ValueError("time_of_day must be HH:MM (24-hour)")
    if not minutes.isdigit() or int(hours) > 23 or int(minutes) > 59:
        raise ValueError("time_of_day must be HH:MM (24-hour)")
    return time(int(hours), int(minutes))


def _at(day: date, time_of_day: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time_of_day, tzinfo=zone).astimezone(UTC)


def next_run(
    frequency: ScheduleFrequency, time_of_day: time, after: datetime, zone: ZoneInfo
) -> datetime | None:
    """The first due instant strictly after `after` (None for `manual`)."""
    today = after.astimezone(zone).date()
    if frequency == ScheduleFrequency.daily:
        candidates = [today, today + timedelta(days=1)]
    elif frequency == ScheduleFrequency.weekly:
        monday = today - timedelta(days=today.weekday())
        candidates = [monday, monday + timedelta(days=7)]
    elif frequency == ScheduleFrequency.monthly:
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        candidates = [first, following]
    else:
        return None
    for day in candidates:
        due = _at(day, time_of_day, zone)
        if due > after:
            return due
    raise AssertionError("unreachable: the second candidate is always ahead")
