"""The persisted backup schedule: rules, endpoints, the periodic tick (once per due time)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from nexa import jobs
from nexa.backup import tasks
from nexa.backup.schedule import next_run, parse_time_of_day
from nexa.core import clock
from nexa.core.db import get_sessionmaker
from nexa.models import Backup, BackupSchedule, BackupStatus, BackupType, ScheduleFrequency
from tests.backup.conftest import AdminLogin

BASE = "/admin/backup-restore/backup/schedule"
KOLKATA = ZoneInfo("Asia/Kolkata")


def _local(*args: int) -> datetime:
    return datetime(*args, tzinfo=KOLKATA)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("frequency", "after", "expected"),
    [
        # daily: today if still ahead, else tomorrow
        ("daily", _local(2026, 3, 4, 1, 0), _local(2026, 3, 4, 2, 0)),
        ("daily", _local(2026, 3, 4, 2, 0), _local(2026, 3, 5, 2, 0)),
        # weekly on Mondays (2026-03-02 is a Monday)
        ("weekly", _local(2026, 3, 2, 1, 59), _local(2026, 3, 2, 2, 0)),
        ("weekly", _local(2026, 3, 2, 2, 1), _local(2026, 3, 9, 2, 0)),
        ("weekly", _local(2026, 3, 4, 12, 0), _local(2026, 3, 9, 2, 0)),
        # monthly on the 1st
        ("monthly", _local(2026, 3, 1, 0, 30), _local(2026, 3, 1, 2, 0)),
        ("monthly", _local(2026, 3, 1, 3, 0), _local(2026, 4, 1, 2, 0)),
        ("monthly", _local(2026, 12, 31, 23, 0), _local(2027, 1, 1, 2, 0)),
    ],
)
def test_next_run_follows_the_reference_rules_in_the_operator_time_zone(
    frequency: str, after: datetime, expected: datetime
) -> None:
    due = next_run(ScheduleFrequency(frequency), time(2, 0), after.astimezone(UTC), KOLKATA)
    assert due == expected and due is not None and due.tzinfo is not None
    assert next_run(ScheduleFrequency.manual, time(2, 0), after, KOLKATA) is None


@pytest.mark.parametrize("value", ["2:00", "24:00", "12:60", "ab:cd", "12-30", "", "12:3"])
def test_time_of_day_must_be_hh_mm(value: str) -> None:
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time_of_day(value)


async def test_set_status_and_turn_off_a_schedule(
    client: httpx.AsyncClient, admin_login: AdminLogin, db: AsyncSession
) -> None:
    headers = admin_login.headers
    status = await client.get(f"{BASE}/status", headers=headers)
    assert set(status.json()) == {"active", "message"} and status.json()["active"] is False

    answer = await client.post(
        BASE, headers=headers, json={"frequency": "daily", "time_of_day": "03:30"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["success"] is True and "03:30" in body["message"]
    due = datetime.fromisoformat(body["next_run"])
    local = due.astimezone(KOLKATA)
    assert (local.hour, local.minute) == (3, 30)
    assert clock.now() < due <= clock.now() + timedelta(days=1)

    status = (await client.get(f"{BASE}/status", headers=headers)).json()
    assert status["active"] is True and status["frequency"] == "daily"
    assert status["scheduled_time"] == "03:30" and status["last_run"] == "Never"
    assert datetime.fromisoformat(status["next_run"]) == due
    row = (await db.execute(select(BackupSchedule))).scalar_one()
    assert row.admin_id == admin_login.admin.admin_id

    weekly = await client.post(BASE, headers=headers, json={"frequency": "weekly"})
    assert weekly.status_code == 200
    monday = datetime.fromisoformat(weekly.json()["next_run"]).astimezone(KOLKATA)
    assert monday.weekday() == 0 and (monday.hour, monday.minute) == (2, 0)  # DEFAULT_BACKUP_TIME

    off = await client.post(BASE, headers=headers, json={"frequency": "manual"})
    assert off.status_code == 200
    assert off.json()["success"] is True and "next_run" not in off.json()
    assert (await client.get(f"{BASE}/status", headers=headers)).json()["active"] is False


@pytest.mark.parametrize(
    "body",
    [
        {"frequency": "hourly"},
        {"frequency": "daily", "time_of_day": "25:00"},
        {"frequency": "daily", "time_of_day": "7:30"},
        {},
    ],
)
async def test_bad_schedule_requests_are_422(
    client: httpx.AsyncClient, admin_login: AdminLogin, body: dict[str, str]
) -> None:
    answer = await client.post(BASE, headers=admin_login.headers, json=body)
    assert answer.status_code == 422 and answer.json()["code"] == "validation_error"


async def test_schedule_options(client: httpx.AsyncClient, admin_login: AdminLogin) -> None:
    options = (await client.get(f"{BASE}/options", headers=admin_login.headers)).json()["options"]
    assert set(options) == {"daily", "weekly", "monthly", "manual"}
    assert options["daily"]["recommended"] is True and options["daily"]["retention_days"] == 30
    assert options["monthly"]["retention_days"] == 365


async def test_moving_the_test_clock_past_the_due_time_queues_one_automatic_backup(
    client: httpx.AsyncClient, admin_login: AdminLogin, db: AsyncSession
) -> None:
    headers = admin_login.headers
    due = datetime.fromisoformat(
        (
            await client.post(
                BASE, headers=headers, json={"frequency": "daily", "time_of_day": "04:00"}
            )
        ).json()["next_run"]
    )
    moved = await client.post(
        "/admin/test-clock",
        headers=headers,
        json={"set_to": (due + timedelta(minutes=1)).isoformat()},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["jobs_run"]["scheduled_backups"] == 1
    backup = (
        await db.execute(select(Backup).where(Backup.data_list["trigger"].astext == "schedule"))
    ).scalar_one()
    assert backup.type == BackupType.auto and backup.status == BackupStatus.pending
    assert backup.admin_id == admin_login.admin.admin_id  # the admin who set the schedule
    assert backup.data_list["scheduled_for"] == due.isoformat()
    queued = await db.execute(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'backup:run_backup' "
            "AND (args->>'backup_id')::bigint = :id"
        ),
        {"id": backup.backup_id},
    )
    assert queued.scalar_one() == 1
    status = (await client.get(f"{BASE}/status", headers=headers)).json()
    assert datetime.fromisoformat(status["next_run"]) == due + timedelta(days=1)
    assert status["last_run"] != "Never"


def test_the_tick_is_a_periodic_job_every_minute() -> None:
    periodic = {
        task.task.name: task.cron for task in jobs.app.periodic_registry.periodic_tasks.values()
    }
    assert periodic.get("backup:scheduled_backups") == "* * * * *"


async def test_a_tick_run_twice_for_one_due_time_makes_one_backup(clean_history: None) -> None:
    due = clock.now() - timedelta(seconds=30)
    async with get_sessionmaker()() as db, db.begin():
        db.add(
            BackupSchedule(
                schedule_id=1,
                frequency=ScheduleFrequency.daily,
                time_of_day=time(2, 0),
                admin_id=7,
                next_run=due,
                updated_at=clock.now(),
            )
        )
    async with get_sessionmaker()() as db:
        before = await db.scalar(select(func.max(Backup.backup_id))) or 0

    results = await asyncio.gather(tasks.tick(), tasks.tick(), tasks.tick())
    assert sorted(results) == [0, 0, 1]
    assert await tasks.tick() == 0

    async with get_sessionmaker()() as db:
        made = list((await db.execute(select(Backup).where(Backup.backup_id > before))).scalars())
        assert [(b.type, b.admin_id, b.data_list["scheduled_for"]) for b in made] == [
            (BackupType.auto, 7, due.isoformat())
        ]
        queued = await db.execute(
            text(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'backup:run_backup' "
                "AND (args->>'backup_id')::bigint = :id"
            ),
            {"id": made[0].backup_id},
        )
        assert queued.scalar_one() == 1
        schedule = (await db.execute(select(BackupSchedule))).scalar_one()
        assert schedule.next_run is not None and schedule.next_run > clock.now()
