"""The usage feed's SQL: events stored once, and what each applied."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import (
    text,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from nexa.models import (
    UsageEvent,
)


class NewUsageEvent(TypedDict):
    event_id: str
    phone_number: str
    used_mb: int
    applied_mb: int
    throttled_mb: int
    occurred_at: datetime
    recorded_at: datetime


class UsageOutcome(TypedDict):
    event_id: str
    applied_mb: int
    throttled_mb: int


class UsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def insert_new_events(self, rows: list[NewUsageEvent]) -> set[str]:
        """Store events not seen before (as wholly throttled for now); returns their ids."""
        if not rows:
            return set()
        result = await self.session.execute(
            insert(UsageEvent)
            .values(rows)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(UsageEvent.event_id)
        )
        return set(result.scalars())

    async def set_outcomes(self, outcomes: list[UsageOutcome]) -> None:
        """Write how much of each new event was applied and throttled."""
        if outcomes:
            await self.session.execute(
                text(
                    "UPDATE usage_event SET applied_mb = :applied_mb, throttled_mb = :throttled_mb "
                    "WHERE event_id = :event_id"
                ),
                outcomes,
            )
