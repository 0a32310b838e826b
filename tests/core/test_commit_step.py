"""`commit_step`: a step of a checkout may commit without waiting for its flush to disk."""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from nexa.core.db import commit_step, get_sessionmaker


async def test_a_step_commits_without_waiting_for_the_disk_only_when_asked() -> None:
    seen: list[str] = []

    def before_commit(session: Session) -> None:
        seen.append(str(session.execute(text("SHOW synchronous_commit")).scalar_one()))

    async with get_sessionmaker()() as db:
        event.listen(db.sync_session, "before_commit", before_commit)
        await db.execute(text("SELECT 1"))
        await commit_step(db, flush_to_disk=False)
        await db.execute(text("SELECT 1"))  # the next step: a new transaction
        await commit_step(db)
    assert seen == ["off", "on"]  # only for the transaction that asked
