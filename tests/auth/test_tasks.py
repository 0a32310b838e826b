"""The stale-session purge, end to end through the real job queue and a real worker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from nexa import jobs
from nexa.core.db import get_sessionmaker
from nexa.models import AuthSession, UserType


def _session(
    subject_id: int, *, expires_in: timedelta, revoked_ago: timedelta | None
) -> AuthSession:
    now = datetime.now(UTC)
    return AuthSession(
        session_id=uuid.uuid4(),
        user_type=UserType.customer,
        subject_id=subject_id,
        refresh_jti=uuid.uuid4(),
        expires_at=now + expires_in,
        revoked_at=now - revoked_ago if revoked_ago is not None else None,
        revoked_reason="logout" if revoked_ago is not None else None,
    )


def test_purge_is_registered_as_a_periodic_job() -> None:
    periodic = {
        task.task.name: task.cron for task in jobs.app.periodic_registry.periodic_tasks.values()
    }
    assert periodic.get("auth:purge_stale_sessions") == "*/15 * * * *"


async def test_worker_purges_expired_and_long_revoked_sessions() -> None:
    subject = 10**12 + uuid.uuid4().int % 10**6  # no real customer: rows are only sessions
    rows = {
        "expired": _session(subject, expires_in=timedelta(hours=-1), revoked_ago=None),
        "revoked_long_ago": _session(
            subject, expires_in=timedelta(days=3), revoked_ago=timedelta(days=2)
        ),
        "just_revoked": _session(
            subject, expires_in=timedelta(days=3), revoked_ago=timedelta(minutes=5)
        ),
        "live": _session(subject, expires_in=timedelta(days=7), revoked_ago=None),
    }
    async with get_sessionmaker()() as db, db.begin():
        db.add_all(rows.values())
    try:
        async with jobs.opened_app() as app:
            task = app.tasks["auth:purge_stale_sessions"]
            job_id = await task.defer_async(timestamp=int(datetime.now(UTC).timestamp()))
            await app.run_worker_async(wait=False, install_signal_handlers=False)
            job = await app.job_manager.get_job_status_async(job_id)
        assert job.value == "succeeded"

        async with get_sessionmaker()() as db:
            left = set(
                (
                    await db.execute(
                        select(AuthSession.session_id).where(AuthSession.subject_id == subject)
                    )
                ).scalars()
            )
        assert left == {rows["just_revoked"].session_id, rows["live"].session_id}
    finally:
        async with get_sessionmaker()() as db, db.begin():
            await db.execute(delete(AuthSession).where(AuthSession.subject_id == subject))
