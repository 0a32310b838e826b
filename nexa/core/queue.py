"""Queue a job: in the caller's database transaction (the job exists only if the write
commits), or on its own right after a commit."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.core.db import get_engine

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, NULL, "
    ":queueing_lock, CAST(:args AS jsonb), :scheduled_at)::procrastinate_job_to_defer_v1])"
)


async def defer_in_transaction(
    db: AsyncSession,
    task_name: str,
    args: dict[str, Any] | None = None,
    *,
    queueing_lock: str | None = None,
    scheduled_at: datetime | None = None,
    queue: str = "default",
) -> bool:
    """Queue `task_name` (e.g. "notification:deliver_notifications"). With a queueing lock,
    a job already waiting makes this a no-op (returns False) without failing the caller."""
    try:
        async with db.begin_nested():
            await db.execute(
                _DEFER,
                {
                    "queue": queue,
                    "task": task_name,
                    "priority": 0,
                    "queueing_lock": queueing_lock,
                    "args": json.dumps(args or {}),
                    "scheduled_at": scheduled_at,
                },
            )
    except IntegrityError:
        return False
    return True


async def defer_alone(
    task_name: str, *, queueing_lock: str | None = None, priority: int = 0
) -> bool:
    """Queue `task_name` in one autocommitted statement, outside any transaction (a wake-up
    after a commit: one round trip instead of begin, savepoint, statement and commit). With
    a queueing lock, a job already waiting makes this a no-op (returns False). Workers take
    waiting jobs of higher `priority` first."""
    async with get_engine().connect() as connection:
        alone = await connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            await alone.execute(
                _DEFER,
                {
                    "queue": "default",
                    "task": task_name,
                    "priority": priority,
                    "queueing_lock": queueing_lock,
                    "args": "{}",
                    "scheduled_at": None,
                },
            )
        except IntegrityError:
            return False
    return True
